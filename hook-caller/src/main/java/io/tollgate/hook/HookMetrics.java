package io.tollgate.hook;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The hook-caller's meters, per merchant: call latency, outcomes with their cause, breaker state, and how often the
 * fail mode approved in the merchant's place.
 */
public final class HookMetrics {

  public static final String CALL_DURATION = "tollgate.hook.call.duration";
  public static final String OUTCOMES = "tollgate.hook.outcomes";
  public static final String BREAKER_STATE = "tollgate.hook.breaker.state";
  public static final String FAIL_OPEN = "tollgate.hook.fail_open";

  /** Tag value for outcomes whose reason is not a bounded cause (a rejection's reason is the merchant's text). */
  static final String NO_CAUSE = "none";

  private static final List<CircuitBreaker.State> WATCHED_STATES =
      List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN);

  private final MeterRegistry registry;

  public HookMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Counts the decision; {@code calledNanos} is the call's latency, or negative when no call was made. */
  void recordDecision(MerchantKey merchant, HookDecision decision, long calledNanos) {
    String outcome = decision.getOutcome().name().toLowerCase(Locale.ROOT);
    String cause = decision.getOutcome() == HookOutcome.UNAVAILABLE ? decision.getReason() : NO_CAUSE;
    Counter.builder(OUTCOMES)
        .description("Hook decisions by outcome; reason is the cause of an unavailable hook")
        .tags("agency", merchant.agencyId(), "merchant", merchant.merchantId(), "outcome", outcome, "reason", cause)
        .register(registry)
        .increment();
    if (calledNanos >= 0) {
      Timer.builder(CALL_DURATION)
          .description("Wall time of hook calls that were made")
          .tags("agency", merchant.agencyId(), "merchant", merchant.merchantId(), "outcome", outcome)
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(1))
          .maximumExpectedValue(Duration.ofSeconds(10))
          .register(registry)
          .record(calledNanos, TimeUnit.NANOSECONDS);
    }
  }

  /** For whoever applies {@code fail_mode: open}: an unavailable hook was treated as an approval. */
  public void recordFailOpen(MerchantKey merchant) {
    Counter.builder(FAIL_OPEN)
        .description("Unavailable hooks approved by fail_mode open (default_action_used)")
        .tags("agency", merchant.agencyId(), "merchant", merchant.merchantId())
        .register(registry)
        .increment();
  }

  /** One gauge per state, 1 for the current one, the way Prometheus likes an enum. */
  void watchBreaker(MerchantKey merchant, CircuitBreaker breaker) {
    for (CircuitBreaker.State state : WATCHED_STATES) {
      Gauge.builder(BREAKER_STATE, breaker, b -> b.getState() == state ? 1 : 0)
          .description("The merchant's hook circuit breaker: 1 for its current state")
          .tags("agency", merchant.agencyId(), "merchant", merchant.merchantId(),
              "state", state.name().toLowerCase(Locale.ROOT))
          .strongReference(true)
          .register(registry);
    }
  }
}
