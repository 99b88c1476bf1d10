package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.hook;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.KeyedTopicView;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Test calls against a real merchant server, recorded to the hook-call log on the shared broker. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HookTestCallerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String KEY = MerchantDirectory.key(HookFixtures.MERCHANT.agencyId(),
      HookFixtures.MERCHANT.merchantId());

  private final String secret = HookFixtures.newSecret();
  private Topics topics;
  private HookTestCaller tester;
  private KeyedTopicView<HookCall, List<HookCall>> recorded;
  private MerchantHook merchant;

  @BeforeAll
  void start() throws Exception {
    topics = new Topics(new io.tollgate.schemas.registry.InMemorySchemaRegistry(), 1,
        SharedKafka.uniqueName("hook-tests") + ".");
    try (var admin = SharedKafka.admin()) {
      TopicProvisioner.ensure(admin, List.of(topics.hookCalls().spec()));
    }
    KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
    tester = HookTestCaller.create(true, topics, kafka, new SimpleMeterRegistry());
    recorded = KeyedTopicView.newest(topics.hookCalls(), kafka.consumer("hook-tests-view", null), 100).start();
    assertThat(recorded.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
  }

  @AfterAll
  void stop() {
    recorded.close();
    tester.close();
  }

  @BeforeEach
  void merchant() throws Exception {
    merchant = new MerchantHook();
  }

  @AfterEach
  void closeMerchant() {
    merchant.close();
  }

  @Test
  void aTestCallIsSignedTypedAsATestAndRecorded() throws Exception {
    merchant.answers(200, "{\"available\": true}");

    HookCall call = test(hook(merchant.url(), 2_000));

    RecordedRequest received = merchant.takeRequest();
    String body = Objects.requireNonNull(received.getBody()).utf8();
    new Webhook(secret).verify(body, received.getHeaders().toMultimap());
    JsonNode sent = JSON.readTree(body);
    assertThat(sent.get("type").asText()).isEqualTo("checkout.pre_confirmation.test");
    assertThat(sent.get("attempt").asInt()).isZero();
    assertThat(sent.get("session_id").asText()).startsWith("test_");

    assertThat(call.getCallId()).isEqualTo(received.getHeaders().get("webhook-id"));
    assertThat(call.getSessionId()).isEqualTo(sent.get("session_id").asText());
    assertThat(call.getTest()).isTrue();
    assertThat(call.getAttempt()).isZero();
    assertThat(call.getHookVersion()).isEqualTo(3);
    assertThat(call.getDecision().getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(call.getDecision().getHttpStatus()).isEqualTo(200);
    assertThat(call.getProblems()).isEmpty();
    assertThat(recordedCall(call.getCallId())).isEqualTo(call);
  }

  @Test
  void everyTestHasItsOwnWebhookId() throws Exception {
    merchant.answers(200, "{\"available\": true}").answers(200, "{\"available\": true}");
    HookSnapshot hook = hook(merchant.url(), 2_000);

    HookCall first = test(hook);
    HookCall second = test(hook);

    assertThat(merchant.takeRequest().getHeaders().get("webhook-id"))
        .isNotEqualTo(merchant.takeRequest().getHeaders().get("webhook-id"));
    assertThat(first.getCallId()).isNotEqualTo(second.getCallId());
    assertThat(first.getSessionId()).isNotEqualTo(second.getSessionId());
  }

  @Test
  void whatTheHookGotWrongIsListed() throws Exception {
    merchant.answers(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/html")
        .body("<html>ok</html>").build());

    HookCall call = test(hook(merchant.url(), 2_000));

    assertThat(call.getDecision().getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(call.getDecision().getReason()).isEqualTo("bad_response");
    assertThat(call.getProblems()).singleElement().asString().contains("the body is not a decision");
    assertThat(recordedCall(call.getCallId()).getProblems()).isEqualTo(call.getProblems());
  }

  @Test
  void aClosedPortIsAnAnswerNotAFailure() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    HookCall call = test(hook("http://127.0.0.1:" + closedPort + "/hook", 2_000));

    assertThat(call.getDecision().getReason()).isEqualTo("connection_refused");
    assertThat(call.getDecision().getHttpStatus()).isNull();
    assertThat(call.getProblems()).singleElement().asString().contains("nothing listens");
  }

  @Test
  void theRecordedUrlKeepsNoCredentials() throws Exception {
    merchant.answers(200, "{\"available\": true}");
    String withToken = merchant.url().replace("http://", "http://user:pa55@") + "?token=s3cret#frag";

    HookCall call = test(hook(withToken, 2_000));

    assertThat(merchant.takeRequest().getUrl().queryParameter("token")).isEqualTo("s3cret");
    assertThat(call.getUrl()).isEqualTo(merchant.url());
    assertThat(recordedCall(call.getCallId()).getUrl()).doesNotContain("s3cret").doesNotContain("pa55");
  }

  private HookCall test(HookSnapshot hook) throws Exception {
    return tester.test(HookFixtures.MERCHANT.agencyId(), HookFixtures.MERCHANT.merchantId(), hook, List.of(secret), null)
        .get(10, TimeUnit.SECONDS);
  }

  private HookCall recordedCall(String callId) throws Exception {
    return recorded.await(KEY, calls -> calls.stream().anyMatch(c -> c.getCallId().equals(callId)), Duration.ofSeconds(10))
        .get().stream().filter(c -> c.getCallId().equals(callId)).findFirst().orElseThrow();
  }
}
