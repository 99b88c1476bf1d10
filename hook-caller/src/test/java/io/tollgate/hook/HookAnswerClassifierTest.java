package io.tollgate.hook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import java.nio.charset.StandardCharsets;
import okhttp3.Headers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HookAnswerClassifierTest {

  private static final Headers JSON = Headers.of("Content-Type", "application/json");

  private static HookVerdict sync(int status, String body) {
    return HookAnswerClassifier.classify(status, JSON, body.getBytes(StandardCharsets.UTF_8), HookMode.SYNC);
  }

  private static HookVerdict deferred(int status, String body) {
    return HookAnswerClassifier.classify(status, JSON, body.getBytes(StandardCharsets.UTF_8), HookMode.DEFERRED);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "200 | {\"available\": true}",
      "201 | {\"available\": true}",
      "200 | {\"reject\": false}",
      "200 | ''",
      "204 | ''",
      "200 | '  \n'",
      "200 | {\"available\": true, \"note\": \"extra fields are fine\"}"})
  void approves(int status, String body) {
    HookVerdict verdict = sync(status, body);

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(verdict.httpStatus()).isEqualTo(status);
    assertThat(verdict.scaForce()).isFalse();
    assertThat(verdict.exemptions()).isEmpty();
  }

  @Test
  void approvalMayAskForScaInOurShape() {
    HookVerdict verdict = sync(200, "{\"available\":true,\"update\":{\"sca\":\"force\",\"exemptions\":[\"TRA\"]}}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(verdict.scaForce()).isTrue();
    assertThat(verdict.exemptions()).containsExactly("TRA");
  }

  @Test
  void approvalMayAskForScaInEpaysShape() {
    HookVerdict verdict = sync(200, "{\"reject\":false,\"update\":{\"scaMode\":\"FORCE\",\"exemptions\":[\"TRA\",\"LVP\"]}}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(verdict.scaForce()).isTrue();
    assertThat(verdict.exemptions()).containsExactly("TRA", "LVP");
  }

  @Test
  void epaysOtherScaModesDoNotForce() {
    HookVerdict verdict = sync(200, "{\"reject\":false,\"update\":{\"scaMode\":\"SKIP\",\"exemptions\":[\"TRA\"]}}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.APPROVED);
    assertThat(verdict.scaForce()).isFalse();
    assertThat(verdict.exemptions()).containsExactly("TRA");
  }

  @Test
  void swftRejectionCarriesItsReason() {
    HookVerdict verdict = sync(200, "{\"available\": false, \"reason\": \"class_full\"}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(verdict.reason()).isEqualTo("class_full");
    assertThat(verdict.message()).isNull();
  }

  @Test
  void rejectionCarriesTheShoppersMessage() {
    HookVerdict verdict = sync(200,
        "{\"available\": false, \"reason\": \"class_full\", \"message\": \"Sorry, Tuesday's class is full.\"}");

    assertThat(verdict.reason()).isEqualTo("class_full");
    assertThat(verdict.message()).isEqualTo("Sorry, Tuesday's class is full.");
  }

  @Test
  void epayRejectionGetsTheDefaultReason() {
    HookVerdict verdict = sync(200, "{\"reject\": true}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(verdict.reason()).isEqualTo("rejected");
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 403, 409, 410, 422})
  void hiEventsStyleFourHundredsRejectWithOptionalDetails(int status) {
    HookVerdict bare = sync(status, "");
    HookVerdict detailed = sync(status, "{\"reason\":\"not_on_guest_list\",\"message\":\"Members only.\"}");

    assertThat(bare.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(bare.reason()).isEqualTo("rejected");
    assertThat(bare.httpStatus()).isEqualTo(status);
    assertThat(detailed.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(detailed.reason()).isEqualTo("not_on_guest_list");
    assertThat(detailed.message()).isEqualTo("Members only.");
  }

  @Test
  void aPlainTextFourHundredIsTheShoppersMessageButAnHtmlPageIsNot() {
    byte[] text = "Only invited guests can buy tickets.".getBytes(StandardCharsets.UTF_8);
    byte[] html = "<html><body>Forbidden</body></html>".getBytes(StandardCharsets.UTF_8);

    HookVerdict plain = HookAnswerClassifier.classify(403, Headers.of("Content-Type", "text/plain; charset=utf-8"),
        text, HookMode.SYNC);
    HookVerdict page = HookAnswerClassifier.classify(403, Headers.of("Content-Type", "text/html"), html, HookMode.SYNC);

    assertThat(plain.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(plain.message()).isEqualTo("Only invited guests can buy tickets.");
    assertThat(page.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(page.message()).isNull();
  }

  @Test
  void aClearRejectionStaysARejectionEvenWithBadlyTypedDetails() {
    HookVerdict verdict = sync(200, "{\"available\": false, \"reason\": 42, \"message\": {\"text\": \"x\"}}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.REJECTED);
    assertThat(verdict.reason()).isEqualTo("rejected");
    assertThat(verdict.message()).isNull();
  }

  @Test
  void anyNoWinsOverAYes() {
    assertThat(sync(200, "{\"available\": true, \"reject\": true}").outcome()).isEqualTo(HookOutcome.REJECTED);
  }

  @Test
  void reasonAndMessageAreCappedAndStrippedOfControlCharacters() {
    String longReason = "r".repeat(1000);
    String message = "Sold\u0000 out\n\u202Eevil\u001b[31m " + "m".repeat(2000);

    HookVerdict verdict = sync(200,
        "{\"available\":false,\"reason\":\"" + longReason + "\",\"message\":\""
            + message.replace("\u0000", "\\u0000").replace("\n", "\\n").replace("\u202E", "\\u202e")
            .replace("\u001b", "\\u001b") + "\"}");

    assertThat(verdict.reason()).hasSize(HookAnswerClassifier.MAX_REASON_CHARS);
    assertThat(verdict.message()).hasSizeLessThanOrEqualTo(HookAnswerClassifier.MAX_MESSAGE_CHARS)
        .startsWith("Sold out evil[31m m")
        .doesNotContain("\u0000", "\n", "\u202E", "\u001b");
  }

  @Test
  void deferredAnswerDefersInAnyMode() {
    assertThat(sync(202, "{\"status\": \"deferred\"}").outcome()).isEqualTo(HookOutcome.DEFERRED);
    assertThat(deferred(202, "{\"status\": \"deferred\"}").outcome()).isEqualTo(HookOutcome.DEFERRED);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "200 | {\"available\": true}",
      "200 | {\"reject\": false}",
      "200 | ''",
      "204 | ''",
      "202 | ''",
      "200 | {}",
      "200 | not json at all"})
  void inDeferredModeEveryNonRejectingSuccessDefers(int status, String body) {
    HookVerdict verdict = deferred(status, body);

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.DEFERRED);
    assertThat(verdict.httpStatus()).isEqualTo(status);
  }

  @Test
  void inDeferredModeARejectionStillRejects() {
    assertThat(deferred(200, "{\"available\": false, \"reason\": \"sold_out\"}").outcome())
        .isEqualTo(HookOutcome.REJECTED);
    assertThat(deferred(409, "").outcome()).isEqualTo(HookOutcome.REJECTED);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "500, http_5xx", "502, http_5xx", "503, http_5xx", "504, http_5xx",
      "401, http_status", "404, http_status", "405, http_status", "408, http_status", "429, http_status",
      "402, http_status", "418, http_status",
      "301, redirect", "302, redirect", "303, redirect", "307, redirect", "308, redirect", "304, redirect"})
  void statusesThatMeanTheHookIsUnavailable(int status, String reason) {
    HookVerdict verdict = sync(status, "{\"available\": true}");

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(verdict.reason()).isEqualTo(reason);
    assertThat(verdict.httpStatus()).isEqualTo(status);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "200 | <html>OK</html>",
      "200 | garbage",
      "200 | true",
      "200 | [{\"available\": true}]",
      "200 | {\"available\": \"yes\"}",
      "200 | {\"available\": 1}",
      "200 | {\"available\": null}",
      "200 | {\"reject\": \"false\"}",
      "200 | {\"available\": true, \"reject\": \"no\"}",
      "200 | {}",
      "200 | {\"ok\": true}",
      "200 | {\"available\": true} trailing",
      "200 | {\"available\": false, \"available\": true}",
      "200 | {\"available\": true,",
      "200 | {\"available\": true, \"update\": \"force\"}",
      "200 | {\"available\": true, \"update\": {\"sca\": true}}",
      "200 | {\"available\": true, \"update\": {\"exemptions\": \"TRA\"}}",
      "200 | {\"available\": true, \"update\": {\"exemptions\": [1]}}",
      "201 | ''",
      "202 | ''"})
  void anythingElseIsABadResponse(int status, String body) {
    HookVerdict verdict = sync(status, body);

    assertThat(verdict.outcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(verdict.reason()).isEqualTo("bad_response");
  }

  @Test
  void onlyStatusesWhoseBodyMattersAreRead() {
    assertThat(HookAnswerClassifier.readsBody(200)).isTrue();
    assertThat(HookAnswerClassifier.readsBody(422)).isTrue();
    assertThat(HookAnswerClassifier.readsBody(500)).isFalse();
    assertThat(HookAnswerClassifier.readsBody(301)).isFalse();
    assertThat(HookAnswerClassifier.readsBody(404)).isFalse();
  }

  @Test
  void decisionCarriesTimingAndMarksTimeouts() {
    assertThat(HookVerdict.unavailable(UnavailableCause.TIMEOUT).toDecision(312).getTimedOut()).isTrue();
    assertThat(HookVerdict.unavailable(UnavailableCause.HTTP_5XX, 503).toDecision(5).getTimedOut()).isFalse();
    assertThat(sync(200, "{\"available\":true}").toDecision(17).getDurationMs()).isEqualTo(17);
  }
}
