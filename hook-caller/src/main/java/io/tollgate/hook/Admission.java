package io.tollgate.hook;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.tollgate.schema.HookDecision;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/** Whether a call may go out; if it did, {@link #complete} reports how it went and frees its place. */
public final class Admission {

  private final UnavailableCause refusal;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final AtomicBoolean completed = new AtomicBoolean();

  private Admission(UnavailableCause refusal, CircuitBreaker breaker, Bulkhead bulkhead) {
    this.refusal = refusal;
    this.breaker = breaker;
    this.bulkhead = bulkhead;
  }

  static Admission granted(CircuitBreaker breaker, Bulkhead bulkhead) {
    return new Admission(null, breaker, bulkhead);
  }

  static Admission refused(UnavailableCause cause) {
    return new Admission(cause, null, null);
  }

  /** For test calls: they neither wait for nor count against the merchant's guards. */
  static Admission unguarded() {
    return new Admission(null, null, null);
  }

  public boolean isGranted() {
    return refusal == null;
  }

  /** Why the call may not go out; null when granted. */
  public UnavailableCause refusal() {
    return refusal;
  }

  /** Records the outcome in the breaker (only unavailable ones count as failures) and frees the bulkhead slot. */
  public void complete(HookDecision decision, long durationNanos) {
    if (!isGranted() || !completed.compareAndSet(false, true)) {
      return;
    }
    if (bulkhead != null) {
      bulkhead.onComplete();
    }
    if (breaker != null) {
      breaker.onResult(durationNanos, TimeUnit.NANOSECONDS, decision);
    }
  }
}
