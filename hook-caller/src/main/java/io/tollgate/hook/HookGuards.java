package io.tollgate.hook;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each merchant's circuit breaker and concurrency limit. A failing merchant gets {@code circuit_open} at once
 * instead of a call that would time out, and a slow one cannot take every connection. Only unavailable answers
 * are failures: a rejection is a healthy hook.
 */
public final class HookGuards {

  private final CircuitBreakerConfig breakerConfig;
  private final BulkheadConfig bulkheadConfig;
  private final HookMetrics metrics;
  private final Map<MerchantKey, Guard> guards = new ConcurrentHashMap<>();

  public HookGuards(HookGuardSettings settings, HookMetrics metrics) {
    this.metrics = metrics;
    this.breakerConfig = CircuitBreakerConfig.custom()
        .slidingWindow(settings.windowSize(), settings.minimumCalls(), SlidingWindowType.COUNT_BASED)
        .failureRateThreshold(settings.failureRatePercent())
        .waitDurationInOpenState(settings.openFor())
        .permittedNumberOfCallsInHalfOpenState(settings.trialCalls())
        // Slowness is already judged by the call's deadline: a slow answer that made it is a good answer.
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofDays(1))
        .recordResult(result -> result instanceof HookDecision decision
            && decision.getOutcome() == HookOutcome.UNAVAILABLE)
        .build();
    this.bulkheadConfig = BulkheadConfig.custom()
        .maxConcurrentCalls(settings.maxConcurrentCalls())
        .maxWaitDuration(Duration.ZERO)
        .build();
  }

  /** Asks both guards for a place; never blocks. */
  public Admission admit(MerchantKey merchant) {
    Guard guard = guards.computeIfAbsent(merchant, this::newGuard);
    if (!guard.breaker().tryAcquirePermission()) {
      return Admission.refused(UnavailableCause.CIRCUIT_OPEN);
    }
    if (!guard.bulkhead().tryAcquirePermission()) {
      guard.breaker().releasePermission();
      return Admission.refused(UnavailableCause.BULKHEAD_FULL);
    }
    return Admission.granted(guard.breaker(), guard.bulkhead());
  }

  /** The merchant's breaker state; {@code CLOSED} for a merchant never called. */
  public CircuitBreaker.State breakerState(MerchantKey merchant) {
    Guard guard = guards.get(merchant);
    return guard == null ? CircuitBreaker.State.CLOSED : guard.breaker().getState();
  }

  private Guard newGuard(MerchantKey merchant) {
    CircuitBreaker breaker = CircuitBreaker.of("hook:" + merchant, breakerConfig);
    metrics.watchBreaker(merchant, breaker);
    return new Guard(breaker, Bulkhead.of("hook:" + merchant, bulkheadConfig));
  }

  private record Guard(CircuitBreaker breaker, Bulkhead bulkhead) {
  }
}
