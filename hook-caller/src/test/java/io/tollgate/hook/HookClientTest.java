package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.hook;
import static io.tollgate.hook.HookFixtures.request;
import static io.tollgate.hook.MerchantHook.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Dns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The hook client against a real HTTP server playing the merchant. */
class HookClientTest {

  private static final int TIMEOUT_MS = 2_000;

  private final String secret = HookFixtures.newSecret();
  private final List<HookClient> clients = new ArrayList<>();
  private MerchantHook merchant;
  private HookClient devClient;

  @BeforeEach
  void start() throws Exception {
    merchant = new MerchantHook();
    devClient = client(HookClientSettings.defaults().withDevMode(true), Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    clients.forEach(HookClient::close);
    merchant.close();
  }

  private HookClient client(HookClientSettings settings, Clock clock) {
    HookMetrics metrics = new HookMetrics(new SimpleMeterRegistry());
    HookClient client = new HookClient(settings, new HookGuards(HookGuardSettings.defaults(), metrics), metrics, clock);
    clients.add(client);
    return client;
  }

  private HookDecision call(HookSnapshot hook) throws Exception {
    return call(devClient, request("sess_1", 1), hook);
  }

  private HookDecision call(HookClient client, HookRequest request, HookSnapshot hook) throws Exception {
    return client.call(request, hook, List.of(secret), Instant.now().plusSeconds(5)).get(5, TimeUnit.SECONDS);
  }

  private HookDecision callMerchant() throws Exception {
    return call(hook(merchant.url(), TIMEOUT_MS));
  }

  @Nested
  class WhatIsSent {

    @Test
    void postsTheSignedBodyWhoseReceivedBytesAreTheSignedBytes() throws Exception {
      merchant.answers(200, "{\"available\": true}");
      HookRequest request = request("sess_1", 1);

      call(devClient, request, hook(merchant.url(), TIMEOUT_MS));

      RecordedRequest received = merchant.takeRequest();
      assertThat(received.getMethod()).isEqualTo("POST");
      assertThat(received.getUrl().encodedPath()).isEqualTo("/swft/capacity-check");
      assertThat(received.getHeaders().get("Content-Type")).isEqualTo("application/json");
      assertThat(received.getHeaders().get("webhook-id")).isEqualTo(request.webhookId());
      byte[] receivedBytes = Objects.requireNonNull(received.getBody()).toByteArray();
      assertThat(receivedBytes).isEqualTo(request.body().getBytes(StandardCharsets.UTF_8));
      // Verified by the reference library, over exactly what arrived.
      new Webhook(secret).verify(new String(receivedBytes, StandardCharsets.UTF_8),
          received.getHeaders().toMultimap());
    }

    @Test
    void aTracedCallSendsItsTraceparentAndAnUntracedOneNone() throws Exception {
      merchant.answers(200, "{\"available\": true}");
      merchant.answers(200, "{\"available\": true}");
      TraceContext trace = TraceContext.start();

      call(devClient, request("sess_1", 1).withTrace(trace), hook(merchant.url(), TIMEOUT_MS));
      call(devClient, request("sess_2", 1), hook(merchant.url(), TIMEOUT_MS));

      assertThat(merchant.takeRequest().getHeaders().get("traceparent")).isEqualTo(trace.traceparent());
      assertThat(merchant.takeRequest().getHeaders().get("traceparent")).isNull();
    }

    @Test
    void theTimestampIsTheTimeOfSending() throws Exception {
      merchant.answers(200, "{\"available\": true}");
      long before = Instant.now().getEpochSecond();

      callMerchant();

      long sent = Long.parseLong(merchant.takeRequest().getHeaders().get("webhook-timestamp"));
      assertThat(sent).isBetween(before, Instant.now().getEpochSecond());
    }

    @Test
    void duringRotationTwoSignaturesTravelAndEachVerifiesWithItsOwnSecret() throws Exception {
      String next = HookFixtures.newSecret();
      merchant.answers(200, "{\"available\": true}");

      devClient.call(request("sess_1", 1), hook(merchant.url(), TIMEOUT_MS), List.of(next, secret),
          Instant.now().plusSeconds(5)).get(5, TimeUnit.SECONDS);

      RecordedRequest received = merchant.takeRequest();
      String body = Objects.requireNonNull(received.getBody()).utf8();
      String header = received.getHeaders().get("webhook-signature");
      assertThat(header.split(" ")).hasSize(2);
      for (String oneSecret : List.of(secret, next)) {
        new Webhook(oneSecret).verify(body, received.getHeaders().toMultimap());
      }
      String[] each = header.split(" ");
      for (int i = 0; i < 2; i++) {
        var alone = new java.util.HashMap<>(received.getHeaders().toMultimap());
        alone.put("webhook-signature", List.of(each[i]));
        new Webhook(i == 0 ? next : secret).verify(body, alone);
      }
    }

    @Test
    void aRepeatedAttemptCarriesTheSameWebhookIdAndANewAttemptANewOne() throws Exception {
      merchant.answers(200, "{\"available\": true}").answers(200, "{\"available\": true}")
          .answers(200, "{\"available\": true}");
      HookSnapshot hook = hook(merchant.url(), TIMEOUT_MS);

      call(devClient, request("sess_1", 1), hook);
      call(devClient, request("sess_1", 1), hook);
      call(devClient, request("sess_1", 2), hook);

      String first = merchant.takeRequest().getHeaders().get("webhook-id");
      String redelivered = merchant.takeRequest().getHeaders().get("webhook-id");
      String nextAttempt = merchant.takeRequest().getHeaders().get("webhook-id");
      assertThat(redelivered).isEqualTo(first);
      assertThat(nextAttempt).isNotEqualTo(first);
    }

    @Test
    void aStaleTimestampIsRefusedByTheStandardVerifier() throws Exception {
      BlockingQueue<String> refusals = new LinkedBlockingQueue<>();
      merchant.dispatchWith(new VerifyingMerchant(secret, refusals));
      Clock tenMinutesBehind = Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10));
      HookClient staleClient = client(HookClientSettings.defaults().withDevMode(true), tenMinutesBehind);

      HookDecision stale = staleClient.call(request("sess_1", 1), hook(merchant.url(), TIMEOUT_MS), List.of(secret),
          tenMinutesBehind.instant().plusSeconds(5)).get(5, TimeUnit.SECONDS);
      HookDecision fresh = callMerchant();

      assertThat(refusals.poll(5, TimeUnit.SECONDS)).isEqualTo("Message timestamp too old");
      assertThat(stale.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(stale.getHttpStatus()).isEqualTo(401);
      assertThat(fresh.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(refusals).isEmpty();
    }
  }

  @Nested
  class Answers {

    @Test
    void swftAvailableApproves() throws Exception {
      merchant.answers(200, "{\"available\": true}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(decision.getHttpStatus()).isEqualTo(200);
      assertThat(decision.getTimedOut()).isFalse();
      assertThat(decision.getDurationMs()).isNotNegative();
    }

    @Test
    void swftUnavailableRejectsWithItsReason() throws Exception {
      merchant.answers(200, "{\"available\": false, \"reason\": \"class_full\"}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.REJECTED);
      assertThat(decision.getReason()).isEqualTo("class_full");
    }

    @Test
    void epayRejects() throws Exception {
      merchant.answers(200, "{\"reject\": true}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.REJECTED);
      assertThat(decision.getReason()).isEqualTo("rejected");
    }

    @Test
    void epayApprovesAndForcesSca() throws Exception {
      merchant.answers(200, "{\"reject\": false, \"update\": {\"scaMode\": \"FORCE\", \"exemptions\": [\"TRA\"]}}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(decision.getScaForce()).isTrue();
      assertThat(decision.getExemptions()).containsExactly("TRA");
    }

    @Test
    void ourUpdateShapeForcesSca() throws Exception {
      merchant.answers(200, "{\"available\": true, \"update\": {\"sca\": \"force\", \"exemptions\": []}}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(decision.getScaForce()).isTrue();
    }

    @Test
    void hiEventsForbiddenRejectsWithTheShoppersMessage() throws Exception {
      merchant.answers(403, "{\"message\": \"This event is for members only.\"}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.REJECTED);
      assertThat(decision.getReason()).isEqualTo("rejected");
      assertThat(decision.getMessage()).isEqualTo("This event is for members only.");
      assertThat(decision.getHttpStatus()).isEqualTo(403);
    }

    @Test
    void anEmpty204Approves() throws Exception {
      merchant.answers(MerchantHook.status(204));

      assertThat(callMerchant().getOutcome()).isEqualTo(HookOutcome.APPROVED);
    }

    @Test
    void aDeferralDefers() throws Exception {
      merchant.answers(202, "{\"status\": \"deferred\"}");

      assertThat(callMerchant().getOutcome()).isEqualTo(HookOutcome.DEFERRED);
    }

    @Test
    void inDeferredModeAnApprovalDefersToThePartner() throws Exception {
      merchant.answers(200, "{\"available\": true}");

      HookDecision decision = call(hook(merchant.url(), TIMEOUT_MS, HookMode.DEFERRED));

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.DEFERRED);
    }

    @Test
    void garbageIsABadResponse() throws Exception {
      merchant.answers(new MockResponse.Builder().code(200).body("<html>It works!</html>").build());

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("bad_response");
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 503})
    void serverErrorsAreUnavailable(int status) throws Exception {
      merchant.answers(json(status, "{\"available\": true}"));

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("http_5xx");
      assertThat(decision.getHttpStatus()).isEqualTo(status);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 404, 405, 408, 429})
    void brokenHookStatusesAreUnavailable(int status) throws Exception {
      merchant.answers(json(status, "{\"available\": false}"));

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("http_status");
      assertThat(decision.getHttpStatus()).isEqualTo(status);
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
      merchant.answers(new MockResponse.Builder().code(301).addHeader("Location", "/elsewhere").build())
          .answers(200, "{\"available\": true}");

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("redirect");
      assertThat(decision.getHttpStatus()).isEqualTo(301);
      assertThat(merchant.requestCount()).isEqualTo(1);
    }
  }

  @Nested
  class Failures {

    @Test
    void aSlowDripPastTheTimeoutTimesOut() throws Exception {
      merchant.answers(new MockResponse.Builder().code(200).body(new DripBody()).build());

      HookDecision decision = call(hook(merchant.url(), 300));

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("timeout");
      assertThat(decision.getTimedOut()).isTrue();
      assertThat(decision.getHttpStatus()).isEqualTo(200);
    }

    @Test
    void theAttemptsDeadlineCutsAGenerousMerchantTimeoutShort() throws Exception {
      merchant.answers(new MockResponse.Builder().code(200).body(new DripBody()).build());

      HookDecision decision = devClient.call(request("sess_1", 1), hook(merchant.url(), 10_000), List.of(secret),
          Instant.now().plusMillis(300)).get(5, TimeUnit.SECONDS);

      assertThat(decision.getReason()).isEqualTo("timeout");
      assertThat(decision.getTimedOut()).isTrue();
    }

    @Test
    void aMerchantThatNeverAnswersTimesOut() throws Exception {
      merchant.answers(json(200, "{\"available\": true}").newBuilder()
          .onResponseStart(SocketEffect.Stall.INSTANCE).build());

      HookDecision decision = call(hook(merchant.url(), 300));

      assertThat(decision.getReason()).isEqualTo("timeout");
      assertThat(decision.getTimedOut()).isTrue();
      assertThat(decision.getHttpStatus()).isNull();
    }

    @Test
    void aPassedDeadlineMeansNoCall() throws Exception {
      merchant.answers(200, "{\"available\": true}");

      HookDecision decision = devClient.call(request("sess_1", 1), hook(merchant.url(), TIMEOUT_MS), List.of(secret),
          Instant.now().minusMillis(1)).get(5, TimeUnit.SECONDS);

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("deadline_exceeded");
      assertThat(decision.getTimedOut()).isFalse();
      assertThat(merchant.requestCount()).isZero();
    }

    @Test
    void aDeclaredTenMebibyteBodyIsTooLargeAndIsNotRead() throws Exception {
      LargeBody body = new LargeBody(10L * 1024 * 1024, true);
      merchant.answers(new MockResponse.Builder().code(200).body(body).build());

      HookDecision decision = callMerchant();

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("body_too_large");
      assertThat(body.bytesWritten.get(5, TimeUnit.SECONDS)).isLessThan(10L * 1024 * 1024);
    }

    @Test
    void anUndeclaredTenMebibyteBodyIsCutOffAtTheLimit() throws Exception {
      LargeBody body = new LargeBody(10L * 1024 * 1024, false);
      merchant.answers(new MockResponse.Builder().code(200).body(body).build());

      HookDecision decision = callMerchant();

      assertThat(decision.getReason()).isEqualTo("body_too_large");
      assertThat(body.bytesWritten.get(5, TimeUnit.SECONDS)).isLessThan(10L * 1024 * 1024);
    }

    @Test
    void aClosedPortRefusesTheConnection() throws Exception {
      int closedPort;
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        closedPort = socket.getLocalPort();
      }

      HookDecision decision = call(hook("http://127.0.0.1:" + closedPort + "/hook", TIMEOUT_MS));

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("connection_refused");
      assertThat(decision.getHttpStatus()).isNull();
    }

    @Test
    void aServerThatDoesNotSpeakTlsIsATlsError() throws Exception {
      try (PlainTextServer plain = new PlainTextServer()) {
        HookDecision decision = call(hook("https://localhost:" + plain.port() + "/hook", TIMEOUT_MS));

        assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
        assertThat(decision.getReason()).isEqualTo("tls_error");
      }
    }

    @Test
    void aHostThatDoesNotResolveIsADnsError() throws Exception {
      HookClient client = client(HookClientSettings.defaults().withResolver(host -> {
        throw new UnknownHostException(host);
      }), Clock.systemUTC());

      HookDecision decision = call(client, request("sess_1", 1), hook("https://hooks.merchant.test/check", TIMEOUT_MS));

      assertThat(decision.getReason()).isEqualTo("dns_error");
    }
  }

  @Nested
  class AddressRules {

    @Test
    void outsideDevModeLoopbackIsRefusedWithoutConnecting() throws Exception {
      HookClient production = client(HookClientSettings.defaults(), Clock.systemUTC());
      merchant.answers(200, "{\"available\": true}");

      HookDecision decision = call(production, request("sess_1", 1), hook(merchant.httpsUrl(), TIMEOUT_MS));

      assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
      assertThat(decision.getReason()).isEqualTo("forbidden_address");
      assertThat(merchant.requestCount()).isZero();
    }

    @Test
    void outsideDevModePlainHttpIsRefused() throws Exception {
      HookClient production = client(HookClientSettings.defaults(), Clock.systemUTC());
      merchant.answers(200, "{\"available\": true}");

      HookDecision decision = call(production, request("sess_1", 1), hook(merchant.url(), TIMEOUT_MS));

      assertThat(decision.getReason()).isEqualTo("forbidden_address");
      assertThat(merchant.requestCount()).isZero();
    }

    @Test
    void outsideDevModeAMetadataLiteralIsRefused() throws Exception {
      HookClient production = client(HookClientSettings.defaults(), Clock.systemUTC());

      HookDecision decision = call(production, request("sess_1", 1),
          hook("https://169.254.169.254/latest/meta-data/", TIMEOUT_MS));

      assertThat(decision.getReason()).isEqualTo("forbidden_address");
    }

    @Test
    void theResolvedAddressDecidesNotTheName() throws Exception {
      Dns reboundToLoopback = host -> List.of(InetAddress.getLoopbackAddress());
      HookClient production = client(HookClientSettings.defaults().withResolver(reboundToLoopback), Clock.systemUTC());
      HookClient dev = client(HookClientSettings.defaults().withDevMode(true).withResolver(reboundToLoopback),
          Clock.systemUTC());
      merchant.answers(200, "{\"available\": true}");

      HookDecision refused = call(production, request("sess_1", 1),
          hook("https://hooks.merchant.test:" + merchant.port() + "/check", TIMEOUT_MS));
      HookDecision allowed = call(dev, request("sess_1", 1),
          hook("http://hooks.merchant.test:" + merchant.port() + "/check", TIMEOUT_MS));

      assertThat(refused.getReason()).isEqualTo("forbidden_address");
      assertThat(allowed.getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(merchant.requestCount()).isEqualTo(1);
    }

    @Test
    void devModeAllowsHttpToLoopback() throws Exception {
      merchant.answers(200, "{\"available\": true}");

      assertThat(callMerchant().getOutcome()).isEqualTo(HookOutcome.APPROVED);
    }
  }

  @Nested
  class Concurrency {

    @Test
    void callsForDifferentSessionsRunAtTheSameTime() throws Exception {
      int sessions = 4;
      CountDownLatch allArrived = new CountDownLatch(sessions);
      merchant.dispatchWith(new Dispatcher() {
        @Override
        public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
          allArrived.countDown();
          // Answers only once every session's call is in flight: serial calls would never all get here.
          return allArrived.await(1500, TimeUnit.MILLISECONDS)
              ? json(200, "{\"available\": true}")
              : json(503, "{}");
        }
      });

      List<CompletableFuture<HookDecision>> calls = new ArrayList<>();
      for (int i = 0; i < sessions; i++) {
        calls.add(devClient.call(request("sess_" + i, 1), hook(merchant.url(), 3_000), List.of(secret),
            Instant.now().plusSeconds(5)));
      }

      for (CompletableFuture<HookDecision> call : calls) {
        assertThat(call.get(5, TimeUnit.SECONDS).getOutcome()).isEqualTo(HookOutcome.APPROVED);
      }
    }
  }

  /** A merchant that checks signatures with the Standard Webhooks library, as the Swft seed's receiver does. */
  private static final class VerifyingMerchant extends Dispatcher {

    private final String secret;
    private final BlockingQueue<String> refusals;

    VerifyingMerchant(String secret, BlockingQueue<String> refusals) {
      this.secret = secret;
      this.refusals = refusals;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      try {
        new Webhook(secret).verify(Objects.requireNonNull(request.getBody()).utf8(), request.getHeaders().toMultimap());
        return json(200, "{\"available\": true}");
      } catch (WebhookVerificationException e) {
        refusals.add(e.getMessage());
        return json(401, "{\"error\": \"bad signature\"}");
      }
    }
  }
}
