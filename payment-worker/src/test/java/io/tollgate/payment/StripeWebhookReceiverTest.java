package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.stripe.Stripe;
import io.tollgate.payment.PaymentOutcome.Type;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.payment.standin.WebhookDelivery;
import io.tollgate.schema.CaptureMethod;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stand-in's signed webhooks, delivered over HTTP, verified and read by StripeWebhookReceiver. */
class StripeWebhookReceiverTest {

    private static final String SECRET = "whsec_tollgate_test_secret_0123456789";
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final StripeWebhookReceiver receiver = new StripeWebhookReceiver(SECRET);
    private WebhookInbox inbox;
    private StripeStandIn standIn;
    private StripeGateway gateway;

    @BeforeEach
    void start() {
        inbox = new WebhookInbox();
        standIn = StripeStandIn.builder().webhookRetryDelays(List.of(Duration.ofMillis(20), Duration.ofMillis(20)))
                .start();
        standIn.sendWebhooksTo(inbox.url(), SECRET);
        gateway = new StripeGateway(StripeGatewayConfig.of("sk_test_webhooks", standIn.apiBase()));
    }

    @AfterEach
    void stop() {
        standIn.close();
        inbox.close();
    }

    private WebhookInbox.Received awaitEvent(String type) {
        await().atMost(WAIT).until(() -> !inbox.ofType(type).isEmpty());
        return inbox.ofType(type).get(0);
    }

    private Created create(String sessionId, CaptureMethod capture, String account) {
        return (Created) gateway.createPaymentIntent(sessionId, "ag_w", "m_w", PaymentRequests.forSession(sessionId)
                .setCaptureMethod(capture).setStripeAccount(account).build());
    }

    @Test
    void aPaymentThatSucceededIsVerifiedAndRead() throws Exception {
        Created created = create("s_w1", CaptureMethod.AUTOMATIC, null);
        standIn.pay(created.paymentIntentId(), "pm_card_visa");

        WebhookInbox.Received hook = awaitEvent("payment_intent.succeeded");
        PaymentOutcome outcome = receiver.receive(hook.body(), hook.signature()).orElseThrow();

        assertThat(outcome.type()).isEqualTo(Type.SUCCEEDED);
        assertThat(outcome.eventId()).startsWith("evt_");
        assertThat(outcome.paymentIntentId()).isEqualTo(created.paymentIntentId());
        assertThat(outcome.sessionId()).isEqualTo("s_w1");
        assertThat(outcome.agencyId()).isEqualTo("ag_w");
        assertThat(outcome.merchantId()).isEqualTo("m_w");
        assertThat(outcome.amountMinor()).isEqualTo(2500);
        assertThat(outcome.amountReceivedMinor()).isEqualTo(2500);
        assertThat(outcome.currency()).isEqualTo("gbp");
        assertThat(outcome.status()).isEqualTo("succeeded");
        assertThat(outcome.failureCode()).isNull();
        assertThat(outcome.livemode()).isFalse();
        assertThat(outcome.stripeAccount()).isNull();
        assertThat(hook.signature()).matches("t=\\d+,v1=[0-9a-f]{64}");
    }

    @Test
    void aDeclinedPaymentCarriesTheFailureCode() throws Exception {
        Created created = create("s_w2", CaptureMethod.AUTOMATIC, "acct_w2");
        assertThat(standIn.pay(created.paymentIntentId(), "pm_card_chargeDeclined"))
                .isEqualTo("requires_payment_method");

        WebhookInbox.Received hook = awaitEvent("payment_intent.payment_failed");
        PaymentOutcome outcome = receiver.receive(hook.body(), hook.signature()).orElseThrow();

        assertThat(outcome.type()).isEqualTo(Type.PAYMENT_FAILED);
        assertThat(outcome.sessionId()).isEqualTo("s_w2");
        assertThat(outcome.failureCode()).isEqualTo("card_declined");
        assertThat(outcome.declineCode()).isEqualTo("generic_decline");
        assertThat(outcome.failureMessage()).isEqualTo("Your card was declined.");
        assertThat(outcome.stripeAccount()).isEqualTo("acct_w2");
    }

    @Test
    void aHeldPaymentAndItsCaptureAreRead() throws Exception {
        Created created = create("s_w3", CaptureMethod.MANUAL, null);
        standIn.pay(created.paymentIntentId(), "pm_card_visa");

        WebhookInbox.Received held = awaitEvent("payment_intent.amount_capturable_updated");
        PaymentOutcome heldOutcome = receiver.receive(held.body(), held.signature()).orElseThrow();
        assertThat(heldOutcome.type()).isEqualTo(Type.AMOUNT_CAPTURABLE_UPDATED);
        assertThat(heldOutcome.amountCapturableMinor()).isEqualTo(2500);
        assertThat(heldOutcome.status()).isEqualTo("requires_capture");

        gateway.capture("s_w3", created.paymentIntentId(), null);
        WebhookInbox.Received paid = awaitEvent("payment_intent.succeeded");
        assertThat(receiver.receive(paid.body(), paid.signature()).orElseThrow().amountReceivedMinor())
                .isEqualTo(2500);
    }

    @Test
    void aCancelIsRead() throws Exception {
        Created created = create("s_w4", CaptureMethod.AUTOMATIC, null);
        gateway.cancel("s_w4", created.paymentIntentId(), null);

        WebhookInbox.Received hook = awaitEvent("payment_intent.canceled");
        PaymentOutcome outcome = receiver.receive(hook.body(), hook.signature()).orElseThrow();

        assertThat(outcome.type()).isEqualTo(Type.CANCELED);
        assertThat(outcome.paymentIntentId()).isEqualTo(created.paymentIntentId());
        assertThat(outcome.sessionId()).isEqualTo("s_w4");
    }

    @Test
    void aForgedSignatureATamperedBodyAndAMissingHeaderAreRefused() {
        Created created = create("s_w5", CaptureMethod.AUTOMATIC, null);
        standIn.pay(created.paymentIntentId(), "pm_card_visa");
        WebhookInbox.Received hook = awaitEvent("payment_intent.succeeded");

        StripeWebhookReceiver otherSecret = new StripeWebhookReceiver("whsec_someone_else");
        assertThatThrownBy(() -> otherSecret.receive(hook.body(), hook.signature()))
                .isInstanceOf(StripeWebhookRejectedException.class)
                .hasMessageContaining("Stripe-Signature verification failed");
        String tampered = hook.body().replace("\"amount\":2500", "\"amount\":1");
        assertThat(tampered).isNotEqualTo(hook.body());
        assertThatThrownBy(() -> receiver.receive(tampered, hook.signature()))
                .isInstanceOf(StripeWebhookRejectedException.class);
        assertThatThrownBy(() -> receiver.receive(hook.body(), null))
                .isInstanceOf(StripeWebhookRejectedException.class)
                .hasMessageContaining("missing Stripe-Signature");
        assertThatThrownBy(() -> receiver.receive("not json", sign("not json", Instant.now())))
                .isInstanceOf(StripeWebhookRejectedException.class);
    }

    @Test
    void aStaleSignatureIsRefused() throws Exception {
        StripeStandIn behind = StripeStandIn.builder()
                .clock(Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10))).start();
        try {
            behind.sendWebhooksTo(inbox.url(), SECRET);
            StripeGateway g = new StripeGateway(StripeGatewayConfig.of("sk_test_webhooks", behind.apiBase()));
            Created created = (Created) g.createPaymentIntent("s_w6", "ag", "m", PaymentRequests.plain("s_w6"));
            behind.pay(created.paymentIntentId(), "pm_card_visa");
            WebhookInbox.Received hook = awaitEvent("payment_intent.succeeded");

            assertThatThrownBy(() -> receiver.receive(hook.body(), hook.signature()))
                    .isInstanceOf(StripeWebhookRejectedException.class)
                    .hasMessageContaining("tolerance");
            // the same delivery is fine for a receiver whose clock agrees with the sender's
            StripeWebhookReceiver alsoBehind = new StripeWebhookReceiver(SECRET,
                    Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)));
            assertThat(alsoBehind.receive(hook.body(), hook.signature())).isPresent();
        } finally {
            behind.close();
        }
    }

    @Test
    void eventsTollgateDoesNotActOnAreIgnored() throws Exception {
        String payload = "{\"id\":\"evt_other\",\"object\":\"event\",\"api_version\":\"" + Stripe.API_VERSION
                + "\",\"created\":1700000000,\"data\":{\"object\":{\"id\":\"ch_1\",\"object\":\"charge\"}},"
                + "\"livemode\":false,\"pending_webhooks\":1,\"type\":\"charge.succeeded\"}";

        assertThat(receiver.receive(payload, sign(payload, Instant.now()))).isEmpty();
    }

    @Test
    void aFailedDeliveryIsRetriedAndSignedAgain() {
        inbox.answerNext(500);
        Created created = create("s_w7", CaptureMethod.AUTOMATIC, null);
        standIn.pay(created.paymentIntentId(), "pm_card_visa");

        await().atMost(WAIT).until(() -> inbox.ofType("payment_intent.succeeded").size() == 2);
        assertThat(standIn.webhookDeliveries()).filteredOn(d -> d.eventType().equals("payment_intent.succeeded"))
                .extracting(WebhookDelivery::attempt, WebhookDelivery::status)
                .containsExactly(tuple(1, 500), tuple(2, 200));
        WebhookInbox.Received second = inbox.ofType("payment_intent.succeeded").get(1);
        assertThat(inbox.ofType("payment_intent.succeeded").get(0).body()).isEqualTo(second.body());
    }

    private static String sign(String payload, Instant at) {
        return StripeStandIn.signatureHeader(SECRET, payload, at.getEpochSecond());
    }
}
