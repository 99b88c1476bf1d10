package io.tollgate.payment;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.http.BoundedBody;
import io.tollgate.common.http.RequestBodies;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.trace.RequestTrace;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.PaymentAuthorizedReported;
import io.tollgate.schema.PaymentCanceledReported;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.PaymentSucceededReported;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v2/stripe/webhook}: verifies {@code Stripe-Signature}, turns the payment intent's
 * outcome into a command on the session's log, and answers 200 once the command is durable — so
 * Stripe redelivers anything we did not record. Command ids derive from Stripe's event id, so a
 * redelivered event is a duplicate the fold drops.
 */
public final class StripeWebhookEndpoint {
    public static final String PATH = "/v2/stripe/webhook";
    private static final Logger log = LoggerFactory.getLogger(StripeWebhookEndpoint.class);
    private static final int LIMIT = 256 * 1024;

    private final StripeWebhookReceiver receiver;
    private final CommandLog<CheckoutCommand> commands;
    private final Clock clock;

    public StripeWebhookEndpoint(StripeWebhookReceiver receiver, CommandLog<CheckoutCommand> commands, Clock clock) {
        this.receiver = receiver;
        this.commands = commands;
        this.clock = clock;
    }

    public void addTo(Javalin app) {
        app.post(PATH, this::receive);
    }

    private void receive(Context ctx) {
        byte[] body;
        try {
            // capped while it streams in: a chunked body has no length to check first
            body = RequestBodies.read(ctx, LIMIT);
        } catch (BoundedBody.TooLargeException e) {
            error(ctx, 413, "payload_too_large", "the body is larger than 256 KiB");
            return;
        }
        if (!RequestBodies.isJson(ctx)) {
            error(ctx, 415, "unsupported_media_type", "the body must be JSON: Content-Type: application/json");
            return;
        }
        Optional<PaymentOutcome> outcome;
        try {
            outcome = receiver.receive(new String(body, StandardCharsets.UTF_8), ctx.header("Stripe-Signature"));
        } catch (StripeWebhookRejectedException e) {
            log.warn("stripe webhook refused reason={}", e.getMessage());
            error(ctx, 400, "invalid_signature", e.getMessage());
            return;
        }
        if (outcome.isEmpty() || outcome.get().sessionId() == null) {
            ctx.json(Map.of("received", true, "used", false));
            return;
        }
        PaymentOutcome o = outcome.get();
        TraceContext trace = RequestTrace.of(ctx);
        CheckoutCommand command = CheckoutCommand.newBuilder()
                .setCommandId("stripe_" + o.eventId())
                .setSessionId(o.sessionId()).setAgencyId(nonNull(o.agencyId())).setMerchantId(nonNull(o.merchantId()))
                .setIssuedAt(clock.instant()).setActor("stripe").setTraceId(trace.traceId())
                .setPayload(payload(o)).build();
        log.info("stripe event session_id={} type={} event_id={} payment_intent={}", o.sessionId(), o.type(), o.eventId(), o.paymentIntentId());
        ctx.future(() -> commands.append(o.sessionId(), command, trace)
                .thenAccept(m -> ctx.json(Map.of("received", true, "used", true)))
                .exceptionally(e -> {
                    log.error("stripe event not recorded session_id={} event_id={}", o.sessionId(), o.eventId(), e);
                    error(ctx, 503, "not_recorded", "try again");
                    return null;
                }));
    }

    private static Object payload(PaymentOutcome o) {
        return switch (o.type()) {
            case SUCCEEDED -> PaymentSucceededReported.newBuilder().setPaymentIntentId(o.paymentIntentId())
                    .setStripeEventId(o.eventId()).setAmountReceivedMinor(o.amountReceivedMinor()).build();
            case PAYMENT_FAILED -> PaymentFailureReported.newBuilder().setStage(PaymentStage.CONFIRM)
                    .setCode(o.declineCode() != null ? o.declineCode() : o.failureCode() != null ? o.failureCode() : "payment_failed")
                    .setMessage(o.failureMessage()).setPaymentIntentId(o.paymentIntentId()).setStripeEventId(o.eventId()).build();
            case CANCELED -> PaymentCanceledReported.newBuilder().setPaymentIntentId(o.paymentIntentId()).setStripeEventId(o.eventId()).build();
            case AMOUNT_CAPTURABLE_UPDATED -> PaymentAuthorizedReported.newBuilder().setPaymentIntentId(o.paymentIntentId())
                    .setStripeEventId(o.eventId()).setAmountCapturableMinor(o.amountCapturableMinor()).build();
        };
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }

    private static void error(Context ctx, int status, String code, String message) {
        // the API's error shape, fields in its order (code, message, meta)
        Map<String, Object> error = new java.util.LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("meta", Map.of());
        ctx.status(status).json(Map.of("error", error));
    }
}
