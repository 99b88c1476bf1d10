package io.tollgate.hook;

import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import java.util.List;
import java.util.Objects;

/** What a hook's answer (or its absence) means, before timing is attached. */
public record HookVerdict(
    HookOutcome outcome, String reason, String message, Integer httpStatus, boolean scaForce, List<String> exemptions) {

  public static final String DEFAULT_REJECT_REASON = "rejected";

  public HookVerdict {
    Objects.requireNonNull(outcome, "outcome");
    exemptions = List.copyOf(exemptions);
  }

  public static HookVerdict approve(int httpStatus) {
    return new HookVerdict(HookOutcome.APPROVED, null, null, httpStatus, false, List.of());
  }

  public static HookVerdict approveWithUpdate(int httpStatus, boolean scaForce, List<String> exemptions) {
    return new HookVerdict(HookOutcome.APPROVED, null, null, httpStatus, scaForce, exemptions);
  }

  public static HookVerdict reject(int httpStatus, String reason, String message) {
    return new HookVerdict(HookOutcome.REJECTED, reason == null ? DEFAULT_REJECT_REASON : reason, message, httpStatus,
        false, List.of());
  }

  public static HookVerdict defer(int httpStatus) {
    return new HookVerdict(HookOutcome.DEFERRED, null, null, httpStatus, false, List.of());
  }

  public static HookVerdict unavailable(UnavailableCause cause, Integer httpStatus) {
    return new HookVerdict(HookOutcome.UNAVAILABLE, cause.reason(), null, httpStatus, false, List.of());
  }

  public static HookVerdict unavailable(UnavailableCause cause) {
    return unavailable(cause, null);
  }

  public boolean isUnavailableBecause(UnavailableCause cause) {
    return outcome == HookOutcome.UNAVAILABLE && cause.reason().equals(reason);
  }

  public HookDecision toDecision(long durationMs) {
    return HookDecision.newBuilder()
        .setOutcome(outcome)
        .setReason(reason)
        .setMessage(message)
        .setHttpStatus(httpStatus)
        .setDurationMs(durationMs)
        .setTimedOut(isUnavailableBecause(UnavailableCause.TIMEOUT))
        .setScaForce(scaForce)
        .setExemptions(exemptions)
        .build();
  }
}
