package io.tollgate.orchestrator.checkout;

import static io.tollgate.orchestrator.checkout.CartRequest.required;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.DisplayText;
import java.util.regex.Pattern;

/** Request bodies of the session routes, with their validation (every 400 names its field). */
final class SessionRequests {
    static final int MAX_JSON_FIELD = 32 * 1024;
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private SessionRequests() {
    }

    record CreateSession(String merchantId, CartRequest cart, JsonNode extensions, JsonNode customer) {
        void validate() {
            required("merchant_id", merchantId);
            if (!ID.matcher(merchantId).matches()) {
                throw ApiError.invalid("merchant_id", "must match [A-Za-z0-9_-]{1,64}");
            }
            required("cart", cart);
            cart.validate("cart");
            jsonObject("extensions", extensions);
            jsonObject("customer", customer);
        }
    }

    record PartnerCancel(String reason, String message) {
        void validate() {
            if (reason != null && (reason.length() > 100)) {
                throw ApiError.invalid("reason", "at most 100 characters");
            }
            if (message != null && message.length() > 1000) {
                throw ApiError.invalid("message", "at most 1000 characters");
            }
            DisplayText.require("reason", reason);
        }
    }

    private static void jsonObject(String field, JsonNode node) {
        if (node == null || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw ApiError.invalid(field, "must be a JSON object");
        }
        if (node.toString().length() > MAX_JSON_FIELD) {
            throw ApiError.invalid(field, "must be at most " + MAX_JSON_FIELD / 1024 + " KiB");
        }
    }
}
