package io.tollgate.orchestrator.checkout;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.orchestrator.api.ApiError;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Request bodies of the session routes, with their validation (every 400 names its field). */
final class SessionRequests {
    static final int MAX_ITEMS = 100;
    static final int MAX_NAME = 200;
    static final int MAX_QUANTITY = 10_000;
    static final long MAX_AMOUNT_MINOR = 99_999_999L;
    static final int MAX_JSON_FIELD = 32 * 1024;
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    private SessionRequests() {
    }

    record Item(String id, String name, Integer quantity, Long unitAmountMinor, Map<String, String> metadata) {
    }

    record Cart(List<Item> items, Long totalMinor, String currency) {
    }

    record CreateSession(String merchantId, Cart cart, JsonNode extensions, JsonNode customer) {
        void validate() {
            required("merchant_id", merchantId);
            if (!ID.matcher(merchantId).matches()) {
                throw ApiError.invalid("merchant_id", "must match [A-Za-z0-9_-]{1,64}");
            }
            required("cart", cart);
            required("cart.items", cart.items());
            if (cart.items().isEmpty() || cart.items().size() > MAX_ITEMS) {
                throw ApiError.invalid("cart.items", "must have 1 to " + MAX_ITEMS + " items");
            }
            for (int i = 0; i < cart.items().size(); i++) {
                Item item = cart.items().get(i);
                String at = "cart.items[" + i + "]";
                required(at, item);
                required(at + ".name", item.name());
                if (item.name().isBlank() || item.name().length() > MAX_NAME) {
                    throw ApiError.invalid(at + ".name", "must be 1 to " + MAX_NAME + " characters");
                }
                if (item.id() != null && item.id().length() > MAX_NAME) {
                    throw ApiError.invalid(at + ".id", "must be at most " + MAX_NAME + " characters");
                }
                required(at + ".quantity", item.quantity());
                if (item.quantity() < 1 || item.quantity() > MAX_QUANTITY) {
                    throw ApiError.invalid(at + ".quantity", "must be 1 to " + MAX_QUANTITY);
                }
                required(at + ".unit_amount_minor", item.unitAmountMinor());
                if (item.unitAmountMinor() < 0 || item.unitAmountMinor() > MAX_AMOUNT_MINOR) {
                    throw ApiError.invalid(at + ".unit_amount_minor", "must be 0 to " + MAX_AMOUNT_MINOR);
                }
                if (item.metadata() != null && item.metadata().size() > 50) {
                    throw ApiError.invalid(at + ".metadata", "at most 50 keys");
                }
            }
            required("cart.total_minor", cart.totalMinor());
            if (cart.totalMinor() < 1 || cart.totalMinor() > MAX_AMOUNT_MINOR) {
                throw ApiError.invalid("cart.total_minor", "must be 1 to " + MAX_AMOUNT_MINOR + " minor units");
            }
            required("cart.currency", cart.currency());
            if (!CURRENCY.matcher(cart.currency()).matches() || !isIso4217(cart.currency())) {
                throw ApiError.invalid("cart.currency", "must be an ISO 4217 code in upper case, e.g. GBP");
            }
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
        }
    }

    static boolean isIso4217(String code) {
        try {
            return Currency.getInstance(code) != null;
        } catch (IllegalArgumentException e) {
            return false;
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

    static void required(String field, Object value) {
        if (value == null) {
            throw ApiError.invalid(field, "is required");
        }
    }
}
