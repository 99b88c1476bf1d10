package io.tollgate.payment.standin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * One PaymentIntent held by the stand-in, with the part of Stripe's state machine Tollgate uses:
 * requires_payment_method → (confirm) succeeded | requires_capture → (capture) succeeded, and cancel from
 * any non-final state. Each transition returns the Stripe event types it causes.
 */
final class StandInPaymentIntent {

    /**
     * What a transition caused: the events to send, and, for a decline, the 402 to answer after the
     * state change (Stripe records the failed attempt on the intent and still answers with an error).
     */
    record Transition(List<String> events, StripeApiError answer) {
        static Transition of(String event) {
            return new Transition(List.of(event), null);
        }
    }

    static final Set<String> CREATE_PARAMS = Set.of("amount", "currency", "capture_method", "metadata",
            "payment_method_options", "automatic_payment_methods", "payment_method_types", "payment_method",
            "confirm", "description", "customer", "receipt_email", "statement_descriptor",
            "statement_descriptor_suffix", "setup_future_usage", "on_behalf_of", "transfer_data",
            "application_fee_amount", "expand", "return_url", "confirmation_method", "off_session", "shipping",
            "error_on_requires_action", "use_stripe_sdk", "mandate_data", "transfer_group", "payment_method_data",
            "payment_method_configuration");
    static final Set<String> CONFIRM_PARAMS = Set.of("payment_method", "return_url", "expand", "capture_method",
            "off_session", "payment_method_options", "error_on_requires_action", "use_stripe_sdk", "mandate_data",
            "receipt_email", "setup_future_usage", "shipping", "payment_method_data", "client_secret");
    static final Set<String> CAPTURE_PARAMS = Set.of("amount_to_capture", "expand", "metadata",
            "statement_descriptor", "statement_descriptor_suffix", "final_capture", "application_fee_amount");
    static final Set<String> CANCEL_PARAMS = Set.of("cancellation_reason", "expand");

    private static final Set<String> SUCCEEDING_CARDS = Set.of("pm_card_visa", "pm_card_mastercard", "pm_card_amex");
    private static final Map<String, String> DECLINING_CARDS = Map.of(
            "pm_card_chargeDeclined", "generic_decline",
            "pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds");
    private static final Set<String> CANCELABLE = Set.of("requires_payment_method", "requires_confirmation",
            "requires_action", "processing", "requires_capture");
    private static final Set<String> CONFIRMABLE = Set.of("requires_payment_method", "requires_confirmation",
            "requires_action");
    private static final Set<String> CANCELLATION_REASONS = Set.of("duplicate", "fraudulent",
            "requested_by_customer", "abandoned");

    final String id;
    /** Connected account it lives on; null for the platform. */
    final String account;
    private final String clientSecret;
    private final long amount;
    private final String currency;
    private final String captureMethod;
    private final Map<String, String> metadata;
    private final String requestThreeDSecure;
    private final boolean automaticPaymentMethods;
    private final List<String> paymentMethodTypes;
    private final String description;
    private final long created;

    private String status = "requires_payment_method";
    private String paymentMethod;
    private long amountCapturable;
    private long amountReceived;
    private long amountRefunded;
    private String latestCharge;
    private Map<String, Object> lastPaymentError;
    private Long canceledAt;
    private String cancellationReason;

    private StandInPaymentIntent(String id, String clientSecret, String account, FormParams p, long created) {
        this.id = id;
        this.clientSecret = clientSecret;
        this.account = account;
        this.created = created;
        this.amount = positiveAmount(p.get("amount"), "amount");
        String cur = p.get("currency");
        if (cur == null || cur.isBlank()) {
            throw StripeApiError.missing("currency");
        }
        if (!cur.matches("[A-Za-z]{3}")) {
            throw StripeApiError.invalidRequest("parameter_invalid_string", "Invalid currency: " + cur, "currency");
        }
        this.currency = cur.toLowerCase(Locale.ROOT);
        String cm = p.get("capture_method");
        if (cm != null && !Set.of("automatic", "automatic_async", "manual").contains(cm)) {
            throw StripeApiError.invalidRequest("parameter_invalid_string",
                    "Invalid capture_method: must be one of automatic, automatic_async, or manual", "capture_method");
        }
        this.captureMethod = cm == null ? "automatic_async" : cm;
        this.metadata = p.children("metadata");
        if (metadata.size() > 50) {
            throw StripeApiError.invalidRequest("parameter_invalid_string", "Metadata can have at most 50 keys.",
                    "metadata");
        }
        String tds = p.get("payment_method_options[card][request_three_d_secure]");
        if (tds != null && !Set.of("any", "automatic", "challenge").contains(tds)) {
            throw StripeApiError.invalidRequest("parameter_invalid_string",
                    "Invalid request_three_d_secure: must be one of any, automatic, or challenge",
                    "payment_method_options[card][request_three_d_secure]");
        }
        this.requestThreeDSecure = tds == null ? "automatic" : tds;
        this.automaticPaymentMethods = "true".equals(p.get("automatic_payment_methods[enabled]"));
        List<String> types = p.list("payment_method_types");
        if (automaticPaymentMethods && !types.isEmpty()) {
            throw StripeApiError.invalidRequest("parameter_invalid_string",
                    "You may only specify one of these parameters: automatic_payment_methods, payment_method_types.",
                    "payment_method_types");
        }
        this.paymentMethodTypes = types.isEmpty() ? List.of("card") : List.copyOf(types);
        this.description = p.get("description");
    }

    static StandInPaymentIntent create(String id, String clientSecret, String account, FormParams params,
            long created) {
        return new StandInPaymentIntent(id, clientSecret, account, params, created);
    }

    private static long positiveAmount(String raw, String param) {
        if (raw == null) {
            throw StripeApiError.missing(param);
        }
        try {
            long value = Long.parseLong(raw);
            if (value < 1) {
                throw StripeApiError.invalidRequest("parameter_invalid_integer",
                        "This value must be greater than or equal to 1.", param);
            }
            return value;
        } catch (NumberFormatException e) {
            throw StripeApiError.invalidRequest("parameter_invalid_integer", "Invalid integer: " + raw, param);
        }
    }

    synchronized String status() {
        return status;
    }

    synchronized Map<String, String> metadata() {
        return metadata;
    }

    synchronized String requestThreeDSecure() {
        return requestThreeDSecure;
    }

    /**
     * The shopper (or the merchant's server) confirms with a payment method. A declining card leaves the
     * intent in requires_payment_method with last_payment_error.
     */
    synchronized Transition confirm(String paymentMethodToken, Supplier<String> newId) {
        if (!CONFIRMABLE.contains(status)) {
            throw StripeApiError.unexpectedState("You cannot confirm this PaymentIntent because it has a status of "
                    + status + ".", toJson());
        }
        if (paymentMethodToken == null) {
            throw StripeApiError.missing("payment_method");
        }
        if (DECLINING_CARDS.containsKey(paymentMethodToken)) {
            String declineCode = DECLINING_CARDS.get(paymentMethodToken);
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("code", "card_declined");
            error.put("decline_code", declineCode);
            error.put("doc_url", "https://stripe.com/docs/error-codes/card-declined");
            error.put("message", "insufficient_funds".equals(declineCode)
                    ? "Your card has insufficient funds." : "Your card was declined.");
            error.put("type", "card_error");
            lastPaymentError = error;
            paymentMethod = null;
            status = "requires_payment_method";
            latestCharge = "ch_" + newId.get();
            return new Transition(List.of("payment_intent.payment_failed"),
                    StripeApiError.cardDeclined(declineCode, (String) error.get("message"), toJson()));
        }
        if (!SUCCEEDING_CARDS.contains(paymentMethodToken)) {
            throw StripeApiError.invalidRequest("resource_missing",
                    "No such PaymentMethod: '" + paymentMethodToken + "'", "payment_method");
        }
        paymentMethod = "pm_" + newId.get();
        latestCharge = "ch_" + newId.get();
        lastPaymentError = null;
        if ("manual".equals(captureMethod)) {
            status = "requires_capture";
            amountCapturable = amount;
            return Transition.of("payment_intent.amount_capturable_updated");
        }
        status = "succeeded";
        amountReceived = amount;
        return Transition.of("payment_intent.succeeded");
    }

    synchronized Transition capture(String amountToCapture) {
        if (!"requires_capture".equals(status)) {
            throw StripeApiError.unexpectedState("This PaymentIntent could not be captured because it has a status of "
                    + status + ". Only a PaymentIntent with one of the following statuses may be captured: "
                    + "requires_capture.", toJson());
        }
        long captured = amountToCapture == null
                ? amountCapturable : positiveAmount(amountToCapture, "amount_to_capture");
        if (captured > amountCapturable) {
            throw StripeApiError.invalidRequest("amount_too_large",
                    "The amount to capture must be less than or equal to the amount capturable.",
                    "amount_to_capture");
        }
        status = "succeeded";
        amountReceived = captured;
        amountCapturable = 0;
        return Transition.of("payment_intent.succeeded");
    }

    /** Refunds part or all of what was received; returns the amount refunded now. */
    synchronized long refund(String amountParam) {
        if (!"succeeded".equals(status)) {
            throw StripeApiError.invalidRequest("charge_not_refundable", "This PaymentIntent (" + id
                    + ") does not have a successful charge to refund.", "payment_intent");
        }
        long refundable = amountReceived - amountRefunded;
        long refund = amountParam == null ? refundable : positiveAmount(amountParam, "amount");
        if (refundable == 0) {
            throw StripeApiError.invalidRequest("charge_already_refunded", "Charge for this PaymentIntent (" + id
                    + ") has already been refunded.", null);
        }
        if (refund > refundable) {
            throw StripeApiError.invalidRequest("amount_too_large", "Refund amount (" + refund
                    + ") is greater than unrefunded amount on charge (" + refundable + ")", "amount");
        }
        amountRefunded += refund;
        return refund;
    }

    /** What the shopper is out of now: received and not refunded, plus authorized and not yet captured or released. */
    synchronized long amountHeld() {
        return amountReceived - amountRefunded + amountCapturable;
    }

    synchronized long amountRefunded() {
        return amountRefunded;
    }

    synchronized String currency() {
        return currency;
    }

    synchronized Transition cancel(String reason, long now) {
        if (reason != null && !CANCELLATION_REASONS.contains(reason)) {
            throw StripeApiError.invalidRequest("parameter_invalid_string",
                    "Invalid cancellation_reason: must be one of duplicate, fraudulent, requested_by_customer, "
                            + "or abandoned", "cancellation_reason");
        }
        if (!CANCELABLE.contains(status)) {
            throw StripeApiError.unexpectedState("You cannot cancel this PaymentIntent because it has a status of "
                    + status + ". Only a PaymentIntent with one of the following statuses may be canceled: "
                    + "requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.",
                    toJson());
        }
        status = "canceled";
        canceledAt = now;
        cancellationReason = reason;
        amountCapturable = 0;
        return Transition.of("payment_intent.canceled");
    }

    /** The object as Stripe renders it (API version basil), nulls included, so stripe-java deserializes it. */
    synchronized Map<String, Object> toJson() {
        Map<String, Object> pi = new LinkedHashMap<>();
        pi.put("id", id);
        pi.put("object", "payment_intent");
        pi.put("amount", amount);
        pi.put("amount_capturable", amountCapturable);
        pi.put("amount_details", Map.of("tip", Map.of()));
        pi.put("amount_received", amountReceived);
        pi.put("application", null);
        pi.put("application_fee_amount", null);
        if (automaticPaymentMethods) {
            pi.put("automatic_payment_methods", Map.of("allow_redirects", "always", "enabled", true));
        } else {
            pi.put("automatic_payment_methods", null);
        }
        pi.put("canceled_at", canceledAt);
        pi.put("cancellation_reason", cancellationReason);
        pi.put("capture_method", captureMethod);
        pi.put("client_secret", clientSecret);
        pi.put("confirmation_method", "automatic");
        pi.put("created", created);
        pi.put("currency", currency);
        pi.put("customer", null);
        pi.put("description", description);
        pi.put("last_payment_error", lastPaymentError);
        pi.put("latest_charge", latestCharge);
        pi.put("livemode", false);
        pi.put("metadata", new LinkedHashMap<>(metadata));
        pi.put("next_action", null);
        pi.put("on_behalf_of", null);
        pi.put("payment_method", paymentMethod);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("installments", null);
        card.put("mandate_options", null);
        card.put("network", null);
        card.put("request_three_d_secure", requestThreeDSecure);
        pi.put("payment_method_options", Map.of("card", card));
        pi.put("payment_method_types", paymentMethodTypes);
        pi.put("processing", null);
        pi.put("receipt_email", null);
        pi.put("review", null);
        pi.put("setup_future_usage", null);
        pi.put("shipping", null);
        pi.put("source", null);
        pi.put("statement_descriptor", null);
        pi.put("statement_descriptor_suffix", null);
        pi.put("status", status);
        pi.put("transfer_data", null);
        pi.put("transfer_group", null);
        return pi;
    }
}
