package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.hook;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookSnapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class HookCallProblemsTest {

  private static final HookSnapshot HOOK = hook("https://hooks.example.com/h", 1_000);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "timeout            |     | within timeout_ms (1000 ms)",
      "http_5xx           | 503 | HTTP 503, a server error",
      "http_status        | 404 | HTTP 404, which is neither",
      "redirect           | 301 | redirects are not followed",
      "bad_response       | 200 | the body is not a decision",
      "body_too_large     | 200 | larger than 64 KiB",
      "connection_refused |     | the connection was refused",
      "tls_error          |     | TLS handshake failed",
      "dns_error          |     | does not resolve",
      "forbidden_address  |     | must be https to a public address",
      "io_error           |     | the connection broke",
      "circuit_open       |     | circuit open",
      "bulkhead_full      |     | already in flight",
      "deadline_exceeded  |     | deadline had passed",
      "config_unavailable |     | could not be used (config_unavailable)"})
  void everyUnavailableCauseIsExplainedInPlainWords(String reason, Integer status, String explanation) {
    HookDecision decision = HookDecision.newBuilder().setOutcome(io.tollgate.schema.HookOutcome.UNAVAILABLE)
        .setReason(reason).setHttpStatus(status).setDurationMs(5).setTimedOut("timeout".equals(reason)).build();

    assertThat(HookCallProblems.of(decision, HOOK)).singleElement().asString().contains(explanation);
  }

  @ParameterizedTest
  @EnumSource(UnavailableCause.class)
  void noCauseFallsThroughToTheGenericExplanation(UnavailableCause cause) {
    HookDecision decision = HookVerdict.unavailable(cause, 500).toDecision(5);

    assertThat(HookCallProblems.of(decision, HOOK)).singleElement().asString().doesNotContain("could not be used");
  }

  @ParameterizedTest(name = "{0} ms of a 1000 ms timeout")
  @CsvSource({"800, false", "801, true", "999, true"})
  void anAnswerOverEightyPercentOfTheTimeoutIsAProblemEvenWhenItApproves(long durationMs, boolean slow) {
    HookDecision decision = HookVerdict.approve(200).toDecision(durationMs);

    assertThat(HookCallProblems.of(decision, HOOK)).hasSize(slow ? 1 : 0)
        .allSatisfy(p -> assertThat(p).contains(durationMs + " ms, over 80% of timeout_ms (1000 ms)"));
  }

  @ParameterizedTest(name = "reason {0}")
  @CsvSource({"class_full, 0", ", 1"})
  void aRejectionWithoutAReasonIsAProblem(String reason, int problems) {
    HookDecision decision = HookVerdict.reject(409, reason, null).toDecision(5);

    assertThat(HookCallProblems.of(decision, HOOK)).hasSize(problems)
        .allSatisfy(p -> assertThat(p).contains("gives no reason"));
  }
}
