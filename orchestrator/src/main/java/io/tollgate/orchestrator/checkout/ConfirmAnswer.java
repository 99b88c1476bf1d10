package io.tollgate.orchestrator.checkout;

import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.schema.Attempt;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a confirm request answers, read off the session's state for the attempt its
 * Idempotency-Key started — the same answer however often the key is repeated, from any instance.
 * Empty while the attempt is still in progress.
 */
public final class ConfirmAnswer {
    /** A 2xx answer; errors are thrown as {@link ApiError}. */
    public record Success(int status, Map<String, Object> body) {
    }

    public interface ClientSecrets {
        String open(SessionState state);
    }

    private ConfirmAnswer() {
    }

    public static Optional<Attempt> attempt(SessionState s, String idempotencyKey) {
        return s.getAttempts().stream().filter(a -> a.getIdempotencyKey().equals(idempotencyKey)).findFirst();
    }

    /** The answer for the attempt with this key, or for the command rejected; empty = not yet. */
    public static Optional<Success> of(SessionState s, String idempotencyKey, String commandId, ClientSecrets secrets,
            String statusUrl) {
        Optional<Attempt> found = attempt(s, idempotencyKey);
        if (found.isEmpty()) {
            if (s.getLastRejection() != null && s.getLastRejection().getCommandId().equals(commandId)) {
                throw rejection(s, s.getLastRejection().getCode(), s.getLastRejection().getMessage());
            }
            return Optional.empty();
        }
        Attempt a = found.get();
        if (a.getDecision() == null) {
            return Optional.empty();
        }
        boolean current = a.getNumber() == s.getAttempts().size();
        switch (a.getDecision()) {
            case REJECTED -> throw new ApiError(409, "pre_confirmation_rejected", "the merchant declined this checkout",
                    meta("reason", a.getObserved().getReason(), "message", a.getObserved().getMessage()));
            case UNAVAILABLE -> throw new ApiError(503, "pre_confirmation_unavailable",
                    "the merchant could not confirm availability; try again",
                    meta("reason", a.getObserved() == null ? null : a.getObserved().getReason(),
                            "session_status", status(s), "attempts_left", Math.max(0, s.getMaxAttempts() - s.getAttempts().size())));
            case DEFERRED -> {
                if (current && s.getStatus() == SessionStatus.AWAITING_PARTNER) {
                    // The shopper authorizes the held payment now, so the answer waits for its PaymentIntent.
                    if (s.getPaymentIntentId() == null) {
                        return Optional.empty();
                    }
                    Map<String, Object> body = body("awaiting_partner", statusUrl);
                    body.put("payment_intent", paymentIntent(s, secrets));
                    return Optional.of(new Success(202, body));
                }
                return afterApproval(s, current, secrets, statusUrl);
            }
            case APPROVED -> {
                return afterApproval(s, current, secrets, statusUrl);
            }
            default -> throw new IllegalStateException("unknown decision " + a.getDecision());
        }
    }

    private static Optional<Success> afterApproval(SessionState s, boolean current, ClientSecrets secrets, String statusUrl) {
        if (!current) {
            throw closed(s);
        }
        return switch (s.getStatus()) {
            case AWAITING_PAYMENT, PAID -> {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("status", status(s));
                body.put("payment_intent", paymentIntent(s, secrets));
                Attempt a = s.getAttempts().get(s.getAttempts().size() - 1);
                if (a.getDefaultActionUsed()) {
                    body.put("warning", "pre_confirmation_unavailable: approved by fail_mode open");
                }
                yield Optional.of(new Success(200, body));
            }
            case AWAITING_PARTNER -> Optional.of(new Success(202, body("awaiting_partner", statusUrl)));
            case PAYMENT_PENDING -> Optional.empty();
            case FAILED, CANCELED -> throw closed(s);
            default -> Optional.empty();
        };
    }

    private static Map<String, Object> paymentIntent(SessionState s, ClientSecrets secrets) {
        return Map.of("id", s.getPaymentIntentId(), "client_secret", secrets.open(s));
    }

    /** The error a confirm on a terminal session gets. */
    public static ApiError closed(SessionState s) {
        if (s.getStatus() == SessionStatus.FAILED && s.getFailure() != null) {
            return new ApiError(409, "session_failed", "the session failed: " + s.getFailure().getCode(),
                    meta("code", s.getFailure().getCode(), "reason", s.getFailure().getReason(), "message", s.getFailure().getMessage()));
        }
        return new ApiError(409, "session_closed", "the session is " + status(s),
                meta("reason", s.getCancellation() == null ? null : s.getCancellation().getReason(), "session_status", status(s)));
    }

    static ApiError rejection(SessionState s, String code, String message) {
        return switch (code) {
            case "session_failed", "session_closed" -> closed(s);
            case "confirm_in_progress" -> new ApiError(409, "confirm_in_progress", message, meta("session_status", status(s)));
            case "attempts_exhausted" -> new ApiError(409, "attempts_exhausted", message, Map.of());
            default -> new ApiError(409, code, message, Map.of());
        };
    }

    public static Map<String, Object> body(String status, String statusUrl) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", status);
        body.put("status_url", statusUrl);
        return body;
    }

    public static String status(SessionState s) {
        return SessionLifecycle.name(s.getStatus());
    }

    static Map<String, Object> meta(Object... pairs) {
        Map<String, Object> meta = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                meta.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return meta;
    }
}
