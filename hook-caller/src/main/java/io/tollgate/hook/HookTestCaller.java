package io.tollgate.hook;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.merchants.HookTester;
import io.tollgate.schema.Cart;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookSnapshot;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Sends signed test calls ({@code POST …/pre-confirmation/test}) and records each one. A test call is signed and sent
 * exactly like a real one, but bypasses the merchant's breaker and bulkhead and is left out of the hook metrics: a
 * test must not open the circuit that real checkouts depend on.
 */
public final class HookTestCaller implements HookTester, AutoCloseable {

  private final HookClient client;
  private final HookCallRecorder recorder;
  private final Clock clock;

  /** Takes ownership of the client and the recorder: {@link #close()} closes both. */
  public HookTestCaller(HookClient client, HookCallRecorder recorder, Clock clock) {
    this.client = client;
    this.recorder = recorder;
    this.clock = clock;
  }

  /** The test caller of an API process, with its own HTTP client and recorder. */
  public static HookTestCaller create(boolean devMode, Topics topics, KafkaClients kafka, MeterRegistry meters) {
    Clock clock = Clock.systemUTC();
    HookMetrics metrics = new HookMetrics(meters);
    HookClient client = new HookClient(HookClientSettings.defaults().withDevMode(devMode),
        new HookGuards(HookGuardSettings.defaults(), metrics), metrics, clock);
    String instance = UUID.randomUUID().toString().substring(0, 8);
    return new HookTestCaller(client,
        new HookCallRecorder(topics.hookCalls(), kafka.producer("hook-tests-" + instance), clock), clock);
  }

  @Override
  public CompletableFuture<HookCall> test(String agencyId, String merchantId, HookSnapshot hook,
      List<String> signingSecrets, Cart cart) {
    MerchantKey merchant = new MerchantKey(agencyId, merchantId);
    // merchants de-duplicate on webhook-id, which derives from this id: every test needs a fresh one
    String testId = "test_" + UUID.randomUUID().toString().replace("-", "");
    HookRequest request = cart == null ? HookRequest.testCall(testId, merchant) : HookRequest.testCall(testId, merchant, cart);
    Instant deadline = clock.instant().plusMillis(hook.getTimeoutMs());
    return client.call(request, hook, signingSecrets, deadline)
        .thenApply(decision -> recorder.record(request, hook, decision));
  }

  @Override
  public void close() {
    client.close();
    recorder.close();
  }
}
