package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.MERCHANT;
import static io.tollgate.hook.HookFixtures.hook;
import static io.tollgate.hook.HookFixtures.request;
import static io.tollgate.hook.MerchantHook.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-merchant breaker and bulkhead, seen from the merchant's side of a real socket. */
class HookGuardsTest {

  /** Opens once more than half of the last 4 calls (at least 4) failed. */
  private static final HookGuardSettings SMALL_WINDOW =
      HookGuardSettings.defaults().withBreaker(4, 4, Duration.ofSeconds(60), 1);

  private final String secret = HookFixtures.newSecret();
  private MerchantHook merchant;
  private HookGuards guards;
  private HookClient client;

  @BeforeEach
  void start() throws Exception {
    merchant = new MerchantHook();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    merchant.close();
  }

  private void useGuards(HookGuardSettings settings) {
    HookMetrics metrics = new HookMetrics(new SimpleMeterRegistry());
    guards = new HookGuards(settings, metrics);
    client = new HookClient(HookClientSettings.defaults().withDevMode(true), guards, metrics, Clock.systemUTC());
  }

  private CompletableFuture<HookDecision> start(String sessionId) {
    HookSnapshot hook = hook(merchant.url(), 2_000);
    return client.call(request(sessionId, 1), hook, List.of(secret), Instant.now().plusSeconds(5));
  }

  private HookDecision call(String sessionId) throws Exception {
    return start(sessionId).get(5, TimeUnit.SECONDS);
  }

  @Test
  void anOpenBreakerAnswersCircuitOpenWithoutCallingTheMerchant() throws Exception {
    useGuards(SMALL_WINDOW);
    for (int i = 0; i < 4; i++) {
      merchant.answers(json(503, "{}"));
    }
    for (int i = 0; i < 4; i++) {
      assertThat(call("sess_" + i).getReason()).isEqualTo("http_5xx");
    }

    HookDecision decision = call("sess_next");

    assertThat(decision.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(decision.getReason()).isEqualTo("circuit_open");
    assertThat(merchant.requestCount()).isEqualTo(4);
    assertThat(guards.breakerState(MERCHANT)).isEqualTo(CircuitBreaker.State.OPEN);
  }

  @Test
  void rejectionsAreAHealthyHookAndNeverOpenTheBreaker() throws Exception {
    useGuards(SMALL_WINDOW);
    for (int i = 0; i < 5; i++) {
      merchant.answers(200, "{\"available\": false, \"reason\": \"class_full\"}");
    }

    for (int i = 0; i < 5; i++) {
      assertThat(call("sess_" + i).getOutcome()).isEqualTo(HookOutcome.REJECTED);
    }

    assertThat(merchant.requestCount()).isEqualTo(5);
    assertThat(guards.breakerState(MERCHANT)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void halfOfTheCallsFailingIsNotMoreThanHalf() throws Exception {
    useGuards(SMALL_WINDOW);
    merchant.answers(json(503, "{}")).answers(200, "{\"available\": true}")
        .answers(json(503, "{}")).answers(200, "{\"available\": true}")
        .answers(200, "{\"available\": true}");

    for (int i = 0; i < 4; i++) {
      call("sess_" + i);
    }

    assertThat(call("sess_next").getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(guards.breakerState(MERCHANT)).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aTrialCallThatSucceedsClosesTheBreakerAgain() throws Exception {
    useGuards(HookGuardSettings.defaults().withBreaker(4, 4, Duration.ofMillis(200), 1));
    for (int i = 0; i < 4; i++) {
      merchant.answers(json(500, "{}"));
    }
    for (int i = 0; i < 4; i++) {
      call("sess_" + i);
    }
    assertThat(call("sess_open").getReason()).isEqualTo("circuit_open");
    merchant.answers(200, "{\"available\": true}");

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> call("sess_trial").getOutcome() == HookOutcome.APPROVED);

    assertThat(guards.breakerState(MERCHANT)).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(merchant.requestCount()).isEqualTo(5);
  }

  @Test
  void aMerchantAtItsConcurrencyLimitGetsBulkheadFull() throws Exception {
    useGuards(HookGuardSettings.defaults().withMaxConcurrentCalls(1));
    CountDownLatch firstArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    merchant.dispatchWith(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        firstArrived.countDown();
        release.await(5, TimeUnit.SECONDS);
        return json(200, "{\"available\": true}");
      }
    });

    CompletableFuture<HookDecision> first = start("sess_1");
    assertThat(firstArrived.await(5, TimeUnit.SECONDS)).isTrue();
    HookDecision second = call("sess_2");
    release.countDown();

    assertThat(second.getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(second.getReason()).isEqualTo("bulkhead_full");
    assertThat(first.get(5, TimeUnit.SECONDS).getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(call("sess_3").getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(merchant.requestCount()).isEqualTo(2);
  }

  @Test
  void theLimitIsPerMerchant() throws Exception {
    useGuards(HookGuardSettings.defaults().withMaxConcurrentCalls(1));
    CountDownLatch firstArrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    merchant.dispatchWith(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
        if (firstArrived.getCount() > 0) {
          firstArrived.countDown();
          release.await(5, TimeUnit.SECONDS);
        }
        return json(200, "{\"available\": true}");
      }
    });
    MerchantKey otherMerchant = new MerchantKey("agency_a", "mer_other");

    CompletableFuture<HookDecision> first = start("sess_1");
    assertThat(firstArrived.await(5, TimeUnit.SECONDS)).isTrue();
    HookDecision other = client.call(HookRequest.preConfirmation("sess_2", otherMerchant, HookFixtures.committed(1)),
        hook(merchant.url(), 2_000), List.of(secret), Instant.now().plusSeconds(5)).get(5, TimeUnit.SECONDS);
    release.countDown();

    assertThat(other.getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(first.get(5, TimeUnit.SECONDS).getOutcome()).isEqualTo(HookOutcome.APPROVED);
  }

  @Test
  void testCallsIgnoreAnOpenBreaker() throws Exception {
    useGuards(SMALL_WINDOW);
    for (int i = 0; i < 4; i++) {
      merchant.answers(json(503, "{}"));
    }
    for (int i = 0; i < 4; i++) {
      call("sess_" + i);
    }
    merchant.answers(200, "{\"available\": true}");

    HookDecision test = client.call(HookRequest.testCall("test_1", MERCHANT), hook(merchant.url(), 2_000),
        List.of(secret), Instant.now().plusSeconds(5)).get(5, TimeUnit.SECONDS);

    assertThat(test.getOutcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(guards.breakerState(MERCHANT)).isEqualTo(CircuitBreaker.State.OPEN);
  }
}
