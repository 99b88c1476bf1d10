package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.tollgate.common.http.ChunkedUpload;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.payment.standin.WebhookDelivery;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.PaymentSucceededReported;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code POST /v2/stripe/webhook} over real HTTP, with its commands on a real broker: the stand-in plays Stripe,
 * paying an intent and sending the signed event; the test also posts events itself, signed well or badly.
 */
@ExtendWith(SharedKafka.class)
class StripeWebhookEndpointTest {

    private static final String SECRET = "whsec_tollgate_endpoint_secret_0123456789";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private StripeStandIn standIn;
    private StripeGateway gateway;
    private CommandLog<CheckoutCommand> commandLog;
    private CommandTail commands;
    private Javalin app;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
        gateway = new StripeGateway(StripeGatewayConfig.of("sk_test_tollgate_endpoint", standIn.apiBase()));
        String prefix = SharedKafka.uniqueName("stripe-webhook");
        // one partition: a command appended before another is read before it
        Topics topics = new Topics(new InMemorySchemaRegistry(), 1, prefix + ".");
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, List.of(topics.checkoutCommands().spec()));
        }
        commandLog = new CommandLog<>(topics.checkoutCommands(),
                new KafkaClients(SharedKafka.bootstrapServers()).producer(prefix + "-webhooks"));
        commands = new CommandTail(topics.checkoutCommands());
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        new StripeWebhookEndpoint(new StripeWebhookReceiver(SECRET), commandLog, Clock.systemUTC()).addTo(app);
        app.start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        app.stop();
        commands.close();
        commandLog.close();
        standIn.close();
    }

    /** A chunked body has no length to check first: it is cut off while it streams, not buffered whole. */
    @Test
    void aChunkedBodyIsCutOffAtTheLimitWhileItStreams() throws Exception {
        ChunkedUpload.Answer answer = ChunkedUpload.post(app.port(), StripeWebhookEndpoint.PATH,
                Map.of("Content-Type", "application/json", "Stripe-Signature", "t=1,v1=00"), 1L << 20);
        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(json.readTree(answer.body()).at("/error/code").asText()).isEqualTo("payload_too_large");
        assertThat(answer.beforeBodyEnded()).as("answered while the body was still streaming").isTrue();
    }

    @Test
    void aBodyThatIsNotJsonIs415() throws Exception {
        String body = paidEvent("sess_form");
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Stripe-Signature", signedNow(SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(415);
        assertThat(errorCode(response)).isEqualTo("unsupported_media_type");
    }

    private URI endpoint() {
        return URI.create("http://127.0.0.1:" + app.port() + StripeWebhookEndpoint.PATH);
    }

    /** The session's intent, paid by the shopper: the stand-in makes the payment_intent.succeeded event. */
    private String paidEvent(String sessionId) {
        Created created = (Created) gateway.createPaymentIntent(sessionId, "ag_w", "m_w",
                PaymentRequests.plain(sessionId));
        standIn.pay(created.paymentIntentId(), "pm_card_visa");
        return standIn.events().stream().filter(e -> e.contains("\"type\":\"payment_intent.succeeded\""))
                .filter(e -> e.contains(created.paymentIntentId())).findFirst().orElseThrow();
    }

    private HttpResponse<String> post(String body, String signature) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint()).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("Stripe-Signature", signature);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String signedNow(String secret, String body) {
        return StripeStandIn.signatureHeader(secret, body, Instant.now().getEpochSecond());
    }

    private String errorCode(HttpResponse<String> response) throws Exception {
        JsonNode error = json.readTree(response.body()).get("error");
        assertThat(error.has("message")).isTrue();
        assertThat(error.has("meta")).isTrue();
        return error.get("code").asText();
    }

    private String eventId(String event) throws Exception {
        return json.readTree(event).get("id").asText();
    }

    @Test
    void aPaymentStripeSaysSucceededBecomesACommandKeyedByTheStripeEvent() throws Exception {
        standIn.sendWebhooksTo(endpoint(), SECRET);

        String event = paidEvent("s_w1");

        List<CheckoutCommand> appended = commands.awaitAtLeast(1);
        String eventId = eventId(event);
        assertThat(appended).singleElement().satisfies(c -> {
            assertThat(c.getCommandId()).isEqualTo("stripe_" + eventId);
            assertThat(c.getSessionId()).isEqualTo("s_w1");
            assertThat(c.getAgencyId()).isEqualTo("ag_w");
            assertThat(c.getMerchantId()).isEqualTo("m_w");
            assertThat(c.getActor()).isEqualTo("stripe");
            assertThat(c.getPayload()).isInstanceOfSatisfying(PaymentSucceededReported.class, p -> {
                assertThat(p.getPaymentIntentId()).startsWith("pi_");
                assertThat(p.getStripeEventId()).isEqualTo(eventId);
                assertThat(p.getAmountReceivedMinor()).isEqualTo(2500);
            });
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> standIn.webhookDeliveries().stream()
                .anyMatch(d -> d.eventId().equals(eventId) && d.status() == 200));

        // Stripe redelivers: the same command id, which the fold drops as a duplicate
        assertThat(post(event, signedNow(SECRET, event)).statusCode()).isEqualTo(200);
        assertThat(commands.awaitAtLeast(2)).extracting(CheckoutCommand::getCommandId)
                .containsExactly("stripe_" + eventId, "stripe_" + eventId);
        assertThat(standIn.webhookDeliveries()).extracting(WebhookDelivery::eventId).containsOnlyOnce(eventId);
    }

    @Test
    void eventsNotSignedWithTheSecretNowAreRefusedAndNothingIsAppended() throws Exception {
        String event = paidEvent("s_w2");
        String genuine = signedNow(SECRET, event);
        String forged = genuine.substring(0, genuine.length() - 1) + (genuine.endsWith("0") ? "1" : "0");
        String stale = StripeStandIn.signatureHeader(SECRET, event,
                Instant.now().minus(Duration.ofMinutes(10)).getEpochSecond());

        for (String signature : new String[] {forged, signedNow("whsec_someone_else", event), stale, null}) {
            HttpResponse<String> refused = post(event, signature);
            assertThat(refused.statusCode()).as("signature %s", signature).isEqualTo(400);
            assertThat(errorCode(refused)).isEqualTo("invalid_signature");
        }
        String oversized = event.substring(0, event.length() - 1) + ",\"padding\":\"" + "x".repeat(300 * 1024) + "\"}";
        HttpResponse<String> tooLarge = post(oversized, signedNow(SECRET, oversized));
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(errorCode(tooLarge)).isEqualTo("payload_too_large");

        // the genuine delivery, after the refused ones on the same partition, is the only command
        assertThat(post(event, genuine).statusCode()).isEqualTo(200);
        commands.awaitAtLeast(1);
        assertThat(commands.commands()).extracting(CheckoutCommand::getCommandId)
                .containsExactly("stripe_" + eventId(event));
    }
}
