package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.hook;
import static io.tollgate.hook.HookFixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.interop.NodeScripts;
import io.tollgate.common.interop.RunningScript;
import io.tollgate.common.signing.SignatureHeaders;
import io.tollgate.common.signing.StandardWebhooksVector;
import io.tollgate.common.signing.WebhookSigner;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Our signed hook calls, sent over real HTTP by {@link HookClient}, checked by the official Standard Webhooks JS
 * library ({@code interop/standard-webhooks.mjs}) playing the merchant: an implementation that shares no code with
 * the Java library we sign with.
 */
class StandardWebhooksInteropTest {

  private static final String SCRIPT = "standard-webhooks.mjs";
  private static final int TIMEOUT_MS = 5_000;

  private final HookMetrics metrics = new HookMetrics(new SimpleMeterRegistry());
  private final HookClient client = new HookClient(HookClientSettings.defaults().withDevMode(true),
      new HookGuards(HookGuardSettings.defaults(), metrics), metrics, Clock.systemUTC());

  @AfterEach
  void stop() {
    client.close();
  }

  @Test
  void theJsLibraryVerifiesTheCallAndItsApprovalComesBack() throws Exception {
    String secret = HookFixtures.newSecret();
    HookRequest request = request("sess_js_1", 1);
    try (RunningScript merchant = NodeScripts.start(SCRIPT, "hook", secret)) {
      HookDecision decision = call(merchant, request, List.of(secret));

      JsonNode seen = onlyCall(merchant);
      assertThat(seen.get("secrets").get(0).get("verified").asBoolean()).as(seen.toString()).isTrue();
      assertThat(seen.get("method").asText()).isEqualTo("POST");
      assertThat(seen.get("path").asText()).isEqualTo("/hooks/pre-confirm");
      assertThat(seen.get("content_type").asText()).startsWith("application/json");
      assertThat(seen.get("webhook_id").asText()).isEqualTo(request.webhookId());
      // the cart's name is not ASCII: the bytes signed are the UTF-8 bytes sent
      assertThat(seen.get("body").asText()).isEqualTo(request.body()).contains("Café");
      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(decision.getHttpStatus()).isEqualTo(200);
    }
  }

  @Test
  void duringRotationTheJsLibraryVerifiesWithEachSecretAloneButNotWithAnother() throws Exception {
    String current = HookFixtures.newSecret();
    String next = HookFixtures.newSecret();
    String unrelated = HookFixtures.newSecret();
    try (RunningScript merchant = NodeScripts.start(SCRIPT, "hook", current, next, unrelated)) {
      call(merchant, request("sess_js_2", 1), List.of(next, current));

      JsonNode seen = onlyCall(merchant);
      assertThat(seen.get("webhook_signature").asText().split(" ")).hasSize(2);
      assertThat(seen.get("secrets").findValuesAsText("verified")).as(seen.toString())
          .containsExactly("true", "true", "false");
      assertThat(seen.get("secrets").get(2).get("error").asText()).contains("No matching signature");
    }
  }

  @Test
  void aCallSignedWithAnotherSecretFailsThereAndIsNotApproved() throws Exception {
    try (RunningScript merchant = NodeScripts.start(SCRIPT, "hook", HookFixtures.newSecret())) {
      HookDecision decision = call(merchant, request("sess_js_3", 1), List.of(HookFixtures.newSecret()));

      JsonNode seen = onlyCall(merchant);
      assertThat(seen.get("secrets").get(0).get("verified").asBoolean()).isFalse();
      assertThat(seen.get("answered").asInt()).isEqualTo(401);
      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getHttpStatus()).isEqualTo(401);
    }
  }

  @Test
  void theJsLibrarySignsTheSpecsTestVectorAsOurSignerDoes() {
    NodeScripts.Run signed = NodeScripts.run(Duration.ofSeconds(30), SCRIPT, "sign", StandardWebhooksVector.SECRET,
        StandardWebhooksVector.WEBHOOK_ID, Long.toString(StandardWebhooksVector.TIMESTAMP.getEpochSecond()),
        StandardWebhooksVector.BODY);
    SignatureHeaders ours = new WebhookSigner().sign(StandardWebhooksVector.WEBHOOK_ID, StandardWebhooksVector.TIMESTAMP,
        StandardWebhooksVector.BODY, List.of(StandardWebhooksVector.SECRET));

    assertThat(signed.json().get("signature").asText()).isEqualTo(ours.signature())
        .isEqualTo(StandardWebhooksVector.SIGNATURE);
  }

  private HookDecision call(RunningScript merchant, HookRequest request, List<String> secrets) throws Exception {
    return client.call(request, hook(merchant.url("/hooks/pre-confirm"), TIMEOUT_MS), secrets,
        Instant.now().plusSeconds(10)).get(10, TimeUnit.SECONDS);
  }

  /** The script prints what it saw before answering, but its line reaches us on another thread. */
  private static JsonNode onlyCall(RunningScript merchant) {
    await().atMost(Duration.ofSeconds(5)).until(() -> !merchant.records().isEmpty());
    assertThat(merchant.records()).as(merchant.stderr()).hasSize(1);
    return merchant.records().get(0);
  }
}
