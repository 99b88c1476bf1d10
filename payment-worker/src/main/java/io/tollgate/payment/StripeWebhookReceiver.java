package io.tollgate.payment;

import com.stripe.Stripe;
import com.stripe.exception.EventDataObjectDeserializationException;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Event;
import com.stripe.model.PaymentIntent;
import com.stripe.model.StripeError;
import com.stripe.model.StripeObject;
import com.stripe.net.Webhook;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies Stripe's webhooks ({@code Stripe-Signature}, 5-minute tolerance) and reads the PaymentIntent
 * events Tollgate acts on as {@link PaymentOutcome}s. Pass the body exactly as received: the signature covers
 * its bytes, so a re-serialized body fails verification.
 */
public final class StripeWebhookReceiver {

    private static final Logger log = LoggerFactory.getLogger(StripeWebhookReceiver.class);

    private final String webhookSecret;
    private final Clock clock;

    public StripeWebhookReceiver(String webhookSecret) {
        this(webhookSecret, Clock.systemUTC());
    }

    /** @param clock the time signatures are checked against (tests move it to test staleness) */
    public StripeWebhookReceiver(String webhookSecret, Clock clock) {
        if (webhookSecret == null || webhookSecret.isBlank()) {
            throw new IllegalArgumentException("a Stripe webhook signing secret (whsec_...) is required");
        }
        this.webhookSecret = webhookSecret;
        this.clock = Objects.requireNonNull(clock);
    }

    /**
     * @return the outcome, or empty for a genuine event of a type Tollgate does not act on (answer it 2xx so
     *     Stripe stops resending)
     * @throws StripeWebhookRejectedException when the signature is missing, forged or stale, or the body is not
     *     a Stripe PaymentIntent event
     */
    public Optional<PaymentOutcome> receive(String payload, String signatureHeader)
            throws StripeWebhookRejectedException {
        if (signatureHeader == null || signatureHeader.isBlank()) {
            throw new StripeWebhookRejectedException("missing Stripe-Signature header");
        }
        if (payload == null) {
            throw new StripeWebhookRejectedException("empty webhook body");
        }
        Event event;
        try {
            event = Webhook.constructEvent(payload, signatureHeader, webhookSecret, Webhook.DEFAULT_TOLERANCE, clock);
        } catch (SignatureVerificationException e) {
            throw new StripeWebhookRejectedException("Stripe-Signature verification failed: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // stripe-java parses the body before checking the signature; garbage fails here
            throw new StripeWebhookRejectedException("webhook body is not a Stripe event", e);
        }
        PaymentOutcome.Type type = PaymentOutcome.Type.fromStripe(event.getType());
        if (type == null) {
            log.debug("stripe webhook ignored event_id={} event_type={}", event.getId(), event.getType());
            return Optional.empty();
        }
        PaymentIntent pi = paymentIntentOf(event);
        Map<String, String> metadata = pi.getMetadata() == null ? Map.of() : pi.getMetadata();
        StripeError lastError = pi.getLastPaymentError();
        PaymentOutcome outcome = new PaymentOutcome(type, event.getId(), pi.getId(), metadata.get("session_id"),
                metadata.get("agency_id"), metadata.get("merchant_id"), event.getAccount(), nonNull(pi.getAmount()),
                nonNull(pi.getAmountReceived()), nonNull(pi.getAmountCapturable()), pi.getCurrency(), pi.getStatus(),
                lastError == null ? null : lastError.getCode(), lastError == null ? null : lastError.getDeclineCode(),
                lastError == null ? null : lastError.getMessage(),
                event.getCreated() == null ? null : Instant.ofEpochSecond(event.getCreated()),
                Boolean.TRUE.equals(event.getLivemode()));
        log.info("stripe webhook verified event_id={} event_type={} payment_intent_id={} session_id={} status={}",
                outcome.eventId(), event.getType(), outcome.paymentIntentId(), outcome.sessionId(), outcome.status());
        return Optional.of(outcome);
    }

    private static PaymentIntent paymentIntentOf(Event event) throws StripeWebhookRejectedException {
        StripeObject object = event.getDataObjectDeserializer().getObject().orElse(null);
        if (object == null) {
            // the endpoint's API version differs from stripe-java's pinned one; PaymentIntent's fields we read are
            // stable across versions, so read it anyway rather than drop a payment
            log.warn("stripe webhook api_version mismatch event_id={} event_api_version={} expected={}",
                    event.getId(), event.getApiVersion(), Stripe.API_VERSION);
            try {
                object = event.getDataObjectDeserializer().deserializeUnsafe();
            } catch (EventDataObjectDeserializationException e) {
                throw new StripeWebhookRejectedException("cannot read the event's data object", e);
            }
        }
        if (!(object instanceof PaymentIntent pi)) {
            throw new StripeWebhookRejectedException(
                    "event " + event.getId() + " of type " + event.getType() + " does not carry a PaymentIntent");
        }
        return pi;
    }

    private static long nonNull(Long value) {
        return value == null ? 0 : value;
    }
}
