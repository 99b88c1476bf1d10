package io.tollgate.payment.standin;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error the stand-in answers in Stripe's shape {@code {"error":{type, code, message, param}}}.
 * {@code saved} follows Stripe's idempotency rule: a result is saved under the key only once the
 * endpoint began executing; a request that failed validation saves nothing, so a corrected retry
 * with the same key is still possible.
 */
final class StripeApiError extends RuntimeException {

    final int status;
    final String type;
    final String code;
    final String param;
    final boolean saved;
    final Map<String, Object> extra;

    private StripeApiError(int status, String type, String code, String message, String param,
            boolean saved, Map<String, Object> extra) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.saved = saved;
        this.extra = extra;
    }

    static StripeApiError invalidRequest(String code, String message, String param) {
        return new StripeApiError(400, "invalid_request_error", code, message, param, false, Map.of());
    }

    static StripeApiError missing(String param) {
        return invalidRequest("parameter_missing", "Missing required param: " + param + ".", param);
    }

    static StripeApiError unknownParameter(String param) {
        return invalidRequest("parameter_unknown", "Received unknown parameter: " + param, param);
    }

    static StripeApiError noSuchPaymentIntent(String id) {
        return new StripeApiError(404, "invalid_request_error", "resource_missing",
                "No such payment_intent: '" + id + "'", "intent", false, Map.of());
    }

    /** The PaymentIntent is in a state that does not allow the action; the error carries the intent. */
    static StripeApiError unexpectedState(String message, Map<String, Object> paymentIntent) {
        return new StripeApiError(400, "invalid_request_error", "payment_intent_unexpected_state",
                message, null, true, Map.of("payment_intent", paymentIntent));
    }

    static StripeApiError cardDeclined(String declineCode, String message, Map<String, Object> paymentIntent) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("decline_code", declineCode);
        extra.put("doc_url", "https://stripe.com/docs/error-codes/card-declined");
        extra.put("payment_intent", paymentIntent);
        return new StripeApiError(402, "card_error", "card_declined", message, null, true, extra);
    }

    static StripeApiError unauthenticated(String message) {
        return new StripeApiError(401, "invalid_request_error", null, message, null, false, Map.of());
    }

    static StripeApiError idempotencyMismatch(String key) {
        return new StripeApiError(400, "idempotency_error", null,
                "Keys for idempotent requests can only be used with the same parameters they were first used with. "
                        + "Try using a key other than '" + key + "' if you meant to execute a different request.",
                null, false, Map.of());
    }

    static StripeApiError idempotencyKeyInUse(String key) {
        return new StripeApiError(409, "idempotency_error", "idempotency_key_in_use",
                "There is currently another in-progress request using this idempotent key (that probably means "
                        + "you submitted twice, and the other request is still going through): " + key
                        + ". Please try again later.",
                null, false, Map.of());
    }

    static StripeApiError unrecognizedUrl(String method, String path) {
        return new StripeApiError(404, "invalid_request_error", null,
                "Unrecognized request URL (" + method + ": " + path + ").", null, false, Map.of());
    }

    Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        if (code != null) {
            error.put("code", code);
        }
        error.putAll(extra);
        error.put("message", getMessage());
        if (param != null) {
            error.put("param", param);
        }
        error.put("type", type);
        return Map.of("error", error);
    }
}
