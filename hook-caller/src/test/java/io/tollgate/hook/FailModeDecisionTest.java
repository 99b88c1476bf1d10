package io.tollgate.hook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookOutcome;
import org.junit.jupiter.api.Test;

class FailModeDecisionTest {

  @Test
  void failOpenApprovesAnUnavailableHookAndSaysSo() {
    FailModeDecision applied = FailModeDecision.apply(
        HookVerdict.unavailable(UnavailableCause.TIMEOUT).toDecision(5000), FailMode.OPEN);

    assertThat(applied).isEqualTo(new FailModeDecision(HookOutcome.APPROVED, true));
  }

  @Test
  void failClosedKeepsItUnavailable() {
    FailModeDecision applied = FailModeDecision.apply(
        HookVerdict.unavailable(UnavailableCause.HTTP_5XX, 503).toDecision(20), FailMode.CLOSED);

    assertThat(applied).isEqualTo(new FailModeDecision(HookOutcome.UNAVAILABLE, false));
  }

  @Test
  void theMerchantsOwnAnswerIsNeverOverridden() {
    assertThat(FailModeDecision.apply(HookVerdict.reject(200, "class_full", null).toDecision(5), FailMode.OPEN))
        .isEqualTo(new FailModeDecision(HookOutcome.REJECTED, false));
    assertThat(FailModeDecision.apply(HookVerdict.defer(202).toDecision(5), FailMode.OPEN))
        .isEqualTo(new FailModeDecision(HookOutcome.DEFERRED, false));
  }
}
