package io.tollgate.orchestrator.checkout;

import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.DisplayText;
import io.tollgate.schema.Cart;
import io.tollgate.schema.LineItem;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A cart as a partner sends it: in a new session, and in a hook test call. Validated the same
 * way in both, so a test call carries only carts a real session could.
 */
public record CartRequest(List<Item> items, Long totalMinor, String currency) {
    static final int MAX_ITEMS = 100;
    static final int MAX_NAME = 200;
    static final int MAX_QUANTITY = 10_000;
    public static final long MAX_AMOUNT_MINOR = 99_999_999L;
    static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");

    public record Item(String id, String name, Integer quantity, Long unitAmountMinor, Map<String, String> metadata) {
    }

    /** Refuses (400) a cart that is incomplete or out of range, naming the field under {@code field}. */
    public void validate(String field) {
        required(field + ".items", items);
        if (items.isEmpty() || items.size() > MAX_ITEMS) {
            throw ApiError.invalid(field + ".items", "must have 1 to " + MAX_ITEMS + " items");
        }
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            String at = field + ".items[" + i + "]";
            required(at, item);
            required(at + ".name", item.name());
            if (item.name().isBlank() || item.name().length() > MAX_NAME) {
                throw ApiError.invalid(at + ".name", "must be 1 to " + MAX_NAME + " characters");
            }
            DisplayText.require(at + ".name", item.name());
            if (item.id() != null && item.id().length() > MAX_NAME) {
                throw ApiError.invalid(at + ".id", "must be at most " + MAX_NAME + " characters");
            }
            DisplayText.require(at + ".id", item.id());
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
        required(field + ".total_minor", totalMinor);
        if (totalMinor < 1 || totalMinor > MAX_AMOUNT_MINOR) {
            throw ApiError.invalid(field + ".total_minor", "must be 1 to " + MAX_AMOUNT_MINOR + " minor units");
        }
        long sum = itemsSum(field);
        if (sum != totalMinor) {
            throw new ApiError(400, "invalid_request", field + ".total_minor: must equal the sum of quantity x "
                    + "unit_amount_minor over the items, " + sum + ", got " + totalMinor,
                    Map.of("field", field + ".total_minor", "items_sum", sum));
        }
        required(field + ".currency", currency);
        if (!CURRENCY.matcher(currency).matches() || !StripeCurrencies.contains(currency)) {
            throw ApiError.invalid(field + ".currency", "must be an ISO 4217 code Stripe can charge, in upper case, e.g. GBP");
        }
    }

    /** The items' total, refused (400) where a line or the sum would leave the amount range. */
    private long itemsSum(String field) {
        long sum = 0;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            try {
                sum = Math.addExact(sum, Math.multiplyExact((long) item.quantity(), item.unitAmountMinor()));
            } catch (ArithmeticException overflow) {
                sum = Long.MAX_VALUE;
            }
            if (sum > MAX_AMOUNT_MINOR) {
                throw ApiError.invalid(field + ".items[" + i + "]", "the items add up to more than " + MAX_AMOUNT_MINOR
                        + " minor units");
            }
        }
        return sum;
    }

    /** The cart as the contracts carry it; call after {@link #validate}. */
    public Cart toCart() {
        List<LineItem> lines = items.stream().map(i -> LineItem.newBuilder()
                .setId(i.id()).setName(i.name()).setQuantity(i.quantity()).setUnitAmountMinor(i.unitAmountMinor())
                .setMetadata(i.metadata() == null ? Map.of() : Map.copyOf(i.metadata())).build()).toList();
        return Cart.newBuilder().setItems(lines).setTotalMinor(totalMinor).setCurrency(currency).build();
    }

    static void required(String field, Object value) {
        if (value == null) {
            throw ApiError.invalid(field, "is required");
        }
    }
}
