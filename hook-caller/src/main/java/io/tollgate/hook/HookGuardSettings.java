package io.tollgate.hook;

import java.time.Duration;

/**
 * Per-merchant protection. The defaults follow Salesforce's hook breaker: more than half of the last 100 calls
 * failed → open for 60 s, then 10 trial calls decide whether to close.
 *
 * @param windowSize calls the failure rate is computed over
 * @param minimumCalls calls needed before the rate counts at all
 * @param failureRatePercent resilience4j opens at a rate greater than or equal to this; 50.5 means "more than
 *     half" for any window of up to 100 calls (the smallest rate above one half is 50/99 = 50.505 %)
 * @param openFor how long an open breaker answers {@code circuit_open} before letting trial calls through
 * @param trialCalls calls permitted while half-open
 * @param maxConcurrentCalls calls one merchant may have in flight; more get {@code bulkhead_full}
 */
public record HookGuardSettings(
    int windowSize, int minimumCalls, float failureRatePercent, Duration openFor, int trialCalls,
    int maxConcurrentCalls) {

  public HookGuardSettings {
    if (windowSize < 1 || minimumCalls < 1 || trialCalls < 1 || maxConcurrentCalls < 1) {
      throw new IllegalArgumentException("window, minimum, trial and concurrent calls must be at least 1");
    }
    if (failureRatePercent <= 0 || failureRatePercent > 100) {
      throw new IllegalArgumentException("failureRatePercent must be in (0, 100]");
    }
    if (openFor.isNegative() || openFor.isZero()) {
      throw new IllegalArgumentException("openFor must be positive");
    }
  }

  public static HookGuardSettings defaults() {
    return new HookGuardSettings(100, 20, 50.5f, Duration.ofSeconds(60), 10, 32);
  }

  public HookGuardSettings withBreaker(int windowSize, int minimumCalls, Duration openFor, int trialCalls) {
    return new HookGuardSettings(windowSize, minimumCalls, failureRatePercent, openFor, trialCalls, maxConcurrentCalls);
  }

  public HookGuardSettings withMaxConcurrentCalls(int maxConcurrentCalls) {
    return new HookGuardSettings(windowSize, minimumCalls, failureRatePercent, openFor, trialCalls, maxConcurrentCalls);
  }
}
