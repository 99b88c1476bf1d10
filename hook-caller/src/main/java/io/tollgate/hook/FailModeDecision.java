package io.tollgate.hook;

import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;

/**
 * What a session does with an observed decision once the merchant's fail mode is applied: under {@code open} an
 * unavailable hook approves, flagged {@code default_action_used}; under {@code closed} it stays unavailable (503).
 */
public record FailModeDecision(HookOutcome effective, boolean defaultActionUsed) {

  public static FailModeDecision apply(HookDecision observed, FailMode failMode) {
    if (observed.getOutcome() == HookOutcome.UNAVAILABLE && failMode == FailMode.OPEN) {
      return new FailModeDecision(HookOutcome.APPROVED, true);
    }
    return new FailModeDecision(observed.getOutcome(), false);
  }
}
