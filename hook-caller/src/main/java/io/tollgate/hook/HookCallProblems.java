package io.tollgate.hook;

import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * What a merchant should fix about its hook, read from one call's decision, in plain words: why it was unavailable,
 * an answer close to the timeout, a rejection without a reason. Shown by the test route and kept with every recorded
 * call.
 */
final class HookCallProblems {

  /** An answer slower than this share of {@code timeout_ms} is one bad day away from timing out. */
  static final double SLOW_SHARE = 0.8;

  private HookCallProblems() {
  }

  static List<String> of(HookDecision decision, HookSnapshot hook) {
    List<String> problems = new ArrayList<>();
    if (decision.getOutcome() == HookOutcome.UNAVAILABLE) {
      problems.add(unavailable(decision, hook));
    }
    if (decision.getOutcome() == HookOutcome.REJECTED && HookVerdict.DEFAULT_REJECT_REASON.equals(decision.getReason())) {
      problems.add("the rejection gives no reason: add \"reason\" (e.g. \"class_full\") so the session and order.failed"
          + " say why");
    }
    boolean answered = decision.getHttpStatus() != null;
    if (answered && !decision.getTimedOut() && decision.getDurationMs() > SLOW_SHARE * hook.getTimeoutMs()) {
      problems.add("the answer took " + decision.getDurationMs() + " ms, over " + Math.round(SLOW_SHARE * 100)
          + "% of timeout_ms (" + hook.getTimeoutMs() + " ms): a little slower and it times out");
    }
    return problems;
  }

  private static String unavailable(HookDecision decision, HookSnapshot hook) {
    String reason = decision.getReason() == null ? "" : decision.getReason();
    Integer status = decision.getHttpStatus();
    return switch (reason) {
      case "timeout" -> "no complete answer within timeout_ms (" + hook.getTimeoutMs() + " ms)";
      case "http_5xx" -> "the hook answered HTTP " + status + ", a server error: it counts as unavailable";
      case "http_status" -> "the hook answered HTTP " + status + ", which is neither a decision nor a rejection:"
          + " answer 2xx to decide, or 400, 403, 409, 410 or 422 to reject";
      case "redirect" -> "the hook answered with a redirect (HTTP " + status + "); redirects are not followed:"
          + " configure the final URL";
      case "bad_response" -> "the hook answered HTTP " + status + " but the body is not a decision: send JSON such as"
          + " {\"available\": true} or {\"available\": false, \"reason\": \"...\"}, or an empty 200 or 204 to approve";
      case "body_too_large" -> "the answer is larger than 64 KiB and was not read";
      case "connection_refused" -> "the connection was refused: nothing listens at that host and port";
      case "tls_error" -> "the TLS handshake failed: check the certificate (chain, host name, expiry) and the protocol";
      case "dns_error" -> "the host name does not resolve";
      case "forbidden_address" -> "the URL is not allowed: hooks must be https to a public address (no private, "
          + "loopback, link-local or metadata addresses)";
      case "io_error" -> "the connection broke before a complete answer";
      case "circuit_open" -> "no call was made: too many recent calls failed, so calls pause for a while (circuit open)";
      case "bulkhead_full" -> "no call was made: too many calls to this hook were already in flight";
      case "deadline_exceeded" -> "no call was made: the attempt's deadline had passed before the call could start";
      default -> "no call was made: the hook configuration could not be used (" + reason + ")";
    };
  }
}
