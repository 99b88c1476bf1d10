package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.stripe.Stripe;
import io.tollgate.common.interop.NodeScripts;
import io.tollgate.common.interop.RunningScript;
import io.tollgate.payment.PaymentOutcome.Type;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.payment.standin.StripeStandIn;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The local Stripe stand-in and our webhook receiver checked with stripe-node, Stripe's official Node library,
 * which shares no code with stripe-java: {@code interop/stripe-api.mjs} drives the PaymentIntent calls the payment
 * worker makes, and {@code interop/stripe-webhook-endpoint.mjs} verifies the stand-in's webhooks. The flow runs
 * once; each test reads one part of what it saw.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StripeNodeInteropTest {

    private static final String API_KEY = "sk_test_node_interop";
    private static final String ACCOUNT = "acct_node_interop";
    private static final String WEBHOOK_SECRET = "whsec_node_interop_0123456789abcdef";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private StripeStandIn standIn;
    private RunningScript endpoint;
    private JsonNode flow;

    @BeforeAll
    void runTheFlow() {
        standIn = StripeStandIn.builder().webhookRetryDelays(List.of(Duration.ofMillis(50))).start();
        endpoint = NodeScripts.start("stripe-webhook-endpoint.mjs", WEBHOOK_SECRET);
        standIn.sendWebhooksTo(URI.create(endpoint.url("/stripe/webhook")), WEBHOOK_SECRET);
        flow = NodeScripts.run(Duration.ofSeconds(60), "stripe-api.mjs", standIn.apiBase(), API_KEY, ACCOUNT,
                WEBHOOK_SECRET).json();
    }

    @AfterAll
    void stop() {
        if (endpoint != null) {
            endpoint.close();
        }
        if (standIn != null) {
            standIn.close();
        }
    }

    @Test
    void stripeNodeTalksTheApiVersionStripeJavaIsPinnedTo() {
        assertThat(flow.get("api_version").asText()).isEqualTo(Stripe.API_VERSION);
    }

    @Test
    void createsAPaymentIntentOnTheConnectedAccountUnderItsIdempotencyKey() {
        JsonNode created = flow.get("created");

        assertThat(created.path("error").isMissingNode()).as(created.toString()).isTrue();
        assertThat(created.get("id").asText()).startsWith("pi_");
        assertThat(created.get("object").asText()).isEqualTo("payment_intent");
        assertThat(created.get("status").asText()).isEqualTo("requires_payment_method");
        assertThat(created.get("amount").asLong()).isEqualTo(2800);
        assertThat(created.get("currency").asText()).isEqualTo("gbp");
        assertThat(created.get("capture_method").asText()).isEqualTo("manual");
        assertThat(created.get("client_secret_prefix").asText()).isEqualTo(created.get("id").asText());
        assertThat(created.get("metadata").get("agency_id").asText()).isEqualTo("agency_node");
        assertThat(created.get("request_id").asText()).startsWith("req_");
        RecordedRequest first = standIn.requests().get(0);
        assertThat(first.method()).isEqualTo("POST");
        assertThat(first.path()).isEqualTo("/v1/payment_intents");
        assertThat(first.stripeAccount()).isEqualTo(ACCOUNT);
        assertThat(first.idempotencyKey()).startsWith("tollgate_node_").endsWith("_pi");
        assertThat(first.params()).containsEntry("metadata[session_id]", created.get("metadata").get("session_id").asText())
                .containsEntry("automatic_payment_methods[enabled]", "true")
                .containsEntry("payment_method_options[card][request_three_d_secure]", "any");
    }

    @Test
    void theSameKeyAndParametersGiveTheSameIntentAndOtherParametersAnIdempotencyError() {
        JsonNode replayed = flow.get("replayed");
        JsonNode mismatch = flow.get("other_params_same_key").get("error");

        assertThat(replayed.get("id").asText()).isEqualTo(flow.get("created").get("id").asText());
        assertThat(replayed.get("idempotent_replayed").asText()).isEqualTo("true");
        assertThat(mismatch).as(flow.get("other_params_same_key").toString()).isNotNull();
        assertThat(mismatch.get("type").asText()).isEqualTo("StripeIdempotencyError");
        assertThat(mismatch.get("raw_type").asText()).isEqualTo("idempotency_error");
        assertThat(mismatch.get("status").asInt()).isEqualTo(400);
        // created, to cancel, to decline: neither the replay nor the mismatch made an intent
        assertThat(standIn.paymentIntentCount(ACCOUNT)).isEqualTo(3);
    }

    @Test
    void retrievesConfirmsWithATestCardAndCapturesTheManualCaptureIntent() {
        String id = flow.get("created").get("id").asText();

        assertThat(flow.get("retrieved").get("id").asText()).isEqualTo(id);
        assertThat(flow.get("retrieved").get("status").asText()).isEqualTo("requires_payment_method");
        JsonNode elsewhere = flow.get("retrieved_without_account").get("error");
        assertThat(elsewhere.get("type").asText()).isEqualTo("StripeInvalidRequestError");
        assertThat(elsewhere.get("status").asInt()).isEqualTo(404);
        assertThat(elsewhere.get("code").asText()).isEqualTo("resource_missing");
        assertThat(flow.get("confirmed").get("status").asText()).as(flow.get("confirmed").toString())
                .isEqualTo("requires_capture");
        assertThat(flow.get("confirmed").get("amount_capturable").asLong()).isEqualTo(2800);
        assertThat(flow.get("captured").get("status").asText()).as(flow.get("captured").toString()).isEqualTo("succeeded");
        assertThat(flow.get("captured").get("amount_received").asLong()).isEqualTo(2800);
    }

    @Test
    void cancelsAnIntentAndReadsADeclineAsACardError() {
        JsonNode canceled = flow.get("canceled");
        JsonNode declined = flow.get("declined").get("error");

        assertThat(canceled.get("status").asText()).as(canceled.toString()).isEqualTo("canceled");
        assertThat(canceled.get("cancellation_reason").asText()).isEqualTo("abandoned");
        assertThat(declined).as(flow.get("declined").toString()).isNotNull();
        assertThat(declined.get("type").asText()).isEqualTo("StripeCardError");
        assertThat(declined.get("status").asInt()).isEqualTo(402);
        assertThat(declined.get("code").asText()).isEqualTo("card_declined");
        assertThat(declined.get("decline_code").asText()).isEqualTo("generic_decline");
        assertThat(declined.get("payment_intent_status").asText()).isEqualTo("requires_payment_method");
    }

    @Test
    void stripeNodeVerifiesEveryWebhookTheStandInSigned() {
        List<String> types = List.of("payment_intent.amount_capturable_updated", "payment_intent.succeeded",
                "payment_intent.canceled", "payment_intent.payment_failed");
        await().atMost(WAIT).until(() -> endpoint.records().size() >= standIn.events().size());

        assertThat(standIn.events()).hasSizeGreaterThanOrEqualTo(types.size());
        assertThat(endpoint.records()).as(endpoint.stderr()).allSatisfy(seen -> {
            assertThat(seen.get("verified").asBoolean()).as(seen.toString()).isTrue();
            assertThat(seen.get("api_version").asText()).isEqualTo(Stripe.API_VERSION);
            assertThat(seen.get("account").asText()).isEqualTo(ACCOUNT);
        });
        assertThat(endpoint.records()).extracting(seen -> seen.get("type").asText()).containsAll(types);
        assertThat(endpoint.records()).filteredOn(seen -> seen.get("type").asText().equals("payment_intent.succeeded"))
                .singleElement().satisfies(seen -> {
                    assertThat(seen.get("object_id").asText()).isEqualTo(flow.get("created").get("id").asText());
                    assertThat(seen.get("object_status").asText()).isEqualTo("succeeded");
                });
    }

    @Test
    void stripeNodeRefusesAWebhookSignedWithAnotherSecret() {
        try (StripeStandIn other = StripeStandIn.builder().webhookRetryDelays(List.of()).start();
                RunningScript strictEndpoint = NodeScripts.start("stripe-webhook-endpoint.mjs", WEBHOOK_SECRET)) {
            other.sendWebhooksTo(URI.create(strictEndpoint.url("/stripe/webhook")), "whsec_someone_else_0123456789");
            Created created = (Created) new StripeGateway(StripeGatewayConfig.of(API_KEY, other.apiBase()))
                    .createPaymentIntent("cs_node_other", "agency_node", "merchant_node",
                            PaymentRequests.plain("cs_node_other"));
            other.pay(created.paymentIntentId(), "pm_card_visa");

            await().atMost(WAIT).until(() -> !strictEndpoint.records().isEmpty());
            JsonNode seen = strictEndpoint.records().get(0);
            assertThat(seen.get("verified").asBoolean()).isFalse();
            assertThat(seen.get("error").asText()).startsWith("StripeSignatureVerificationError");
        }
    }

    @Test
    void ourReceiverAcceptsAnEventStripeNodeSigned() throws Exception {
        JsonNode signed = flow.get("signed_event");
        JsonNode created = flow.get("created");

        PaymentOutcome outcome = new StripeWebhookReceiver(WEBHOOK_SECRET)
                .receive(signed.get("payload").asText(), signed.get("header").asText()).orElseThrow();

        assertThat(outcome.type()).isEqualTo(Type.SUCCEEDED);
        assertThat(outcome.eventId()).startsWith("evt_node_");
        assertThat(outcome.paymentIntentId()).isEqualTo(created.get("id").asText());
        assertThat(outcome.sessionId()).isEqualTo(created.get("metadata").get("session_id").asText());
        assertThat(outcome.agencyId()).isEqualTo("agency_node");
        assertThat(outcome.merchantId()).isEqualTo("merchant_node");
        assertThat(outcome.stripeAccount()).isEqualTo(ACCOUNT);
        assertThat(outcome.amountReceivedMinor()).isEqualTo(2800);
        assertThat(outcome.status()).isEqualTo("succeeded");
    }

    @Test
    void ourReceiverRefusesStripeNodesSignatureUnderAnotherSecretOrOverOtherBytes() {
        JsonNode signed = flow.get("signed_event");
        String payload = signed.get("payload").asText();
        String header = signed.get("header").asText();
        assertThat(payload).contains("\"amount_received\":2800");

        assertThatThrownBy(() -> new StripeWebhookReceiver("whsec_someone_else_0123456789").receive(payload, header))
                .isInstanceOf(StripeWebhookRejectedException.class);
        assertThatThrownBy(() -> new StripeWebhookReceiver(WEBHOOK_SECRET)
                .receive(payload.replace("\"amount_received\":2800", "\"amount_received\":28000"), header))
                .isInstanceOf(StripeWebhookRejectedException.class);
    }
}
