package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.webhooks.WebhookReceiver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Outbound webhooks with every service wired as {@code tollgate up} wires them: a partner registers an
 * endpoint through the API, real checkouts (merchant, session, confirm, the shopper paying at the
 * Stripe stand-in) make order events, and the dispatcher delivers them to a real receiver that checks
 * every signature with the Standard Webhooks JS library. What the partner sees — the delivery log,
 * the endpoint disabled and why, failing since when — is read back through the API. Retries are
 * shortened to fractions of a second.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhooksEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ENDPOINTS = "/v2/agencies/acme/webhook-endpoints";

    private final String acmeKey = KeysNewCommand.newKey();
    private final String globexKey = KeysNewCommand.newKey();
    private final Resources running = new Resources();
    private TollgateStack stack;
    private WebhookReceiver receiver;

    record Reply(int status, JsonNode json) {
    }

    /** An endpoint as created: its id, its secret, and the receiver's path for it. */
    record Endpoint(String id, String secret, String path) {
    }

    @BeforeAll
    void start() throws Exception {
        TollgateConfig config = SharedStackConfig.named("webhooks-e2e")
                .webhooksRetrySchedule(List.of(Duration.ofMillis(300), Duration.ofMillis(600)))
                .addDevPartnerKey("acme", acmeKey).addDevPartnerKey("globex", globexKey).build();
        stack = running.add(TollgateStack.start(config, TollgateStack.all()));
        receiver = running.add(new WebhookReceiver());
    }

    @AfterAll
    void stop() {
        running.close();
    }

    @Test
    void aPaidOrderReachesThePartnerSignedInOrderAndShowsInTheDeliveryLog() throws Exception {
        Endpoint endpoint = endpoint(acmeKey, ENDPOINTS, "[\"order.confirmed\",\"order.paid\"]", List.of());
        Endpoint elsewhere = endpoint(globexKey, "/v2/agencies/globex/webhook-endpoints", "[\"order.confirmed\",\"order.paid\"]",
                List.of());

        String session = paidSession();

        List<JsonNode> seen = await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received(endpoint.path()),
                r -> r.size() >= 2);
        assertThat(seen).extracting(s -> body(s).get("type").asText()).containsExactly("order.confirmed", "order.paid");
        assertThat(seen).allSatisfy(s -> {
            assertThat(s.get("verified").get(0).asBoolean()).as(s.toString()).isTrue();
            assertThat(body(s).at("/data/session_id").asText()).isEqualTo(session);
            assertThat(body(s).at("/data/amount_minor").asLong()).isEqualTo(2500);
        });
        assertThat(body(seen.get(1)).at("/data/payment_intent_id").asText()).startsWith("pi_");
        JsonNode deliveries = await().atMost(Duration.ofSeconds(10)).until(() -> send(acmeKey, "GET",
                ENDPOINTS + "/" + endpoint.id() + "/deliveries", null, null).json().get("data"),
                d -> d.size() == 2 && texts(d, "status").equals(List.of("succeeded", "succeeded")));
        assertThat(texts(deliveries, "event_type")).containsExactlyInAnyOrder("order.confirmed", "order.paid");
        assertThat(deliveries.get(0).get("attempts").asInt()).isEqualTo(1);
        assertThat(deliveries.get(0).get("http_status").asInt()).isEqualTo(200);
        assertThat(texts(deliveries, "webhook_id")).containsExactlyInAnyOrderElementsOf(
                seen.stream().map(s -> s.get("webhook_id").asText()).toList());
        assertThat(receiver.received(elsewhere.path())).as("another agency's endpoint").isEmpty();
    }

    @Test
    void aTestMessageIsSignedLikeADeliveryAnsweredAndListed() throws Exception {
        Endpoint endpoint = endpoint(acmeKey, ENDPOINTS, "[\"order.paid\"]", List.of());

        Reply test = send(acmeKey, "POST", ENDPOINTS + "/" + endpoint.id() + "/test", null, null);

        assertThat(test.status()).as(test.json().toString()).isEqualTo(200);
        assertThat(test.json().get("outcome").asText()).isEqualTo("delivered");
        assertThat(test.json().get("http_status").asInt()).isEqualTo(200);
        JsonNode seen = firstReceived(endpoint);
        assertThat(seen.get("verified").get(0).asBoolean()).isTrue();
        assertThat(body(seen).get("type").asText()).isEqualTo("webhook.test");
        assertThat(seen.get("webhook_id").asText()).isEqualTo(test.json().get("webhook_id").asText());
        JsonNode listed = await().atMost(Duration.ofSeconds(10)).until(() -> send(acmeKey, "GET",
                ENDPOINTS + "/" + endpoint.id() + "/deliveries", null, null).json().get("data"), d -> d.size() == 1).get(0);
        assertThat(listed.get("kind").asText()).isEqualTo("test");
        assertThat(listed.get("status").asText()).isEqualTo("succeeded");
    }

    @Test
    void aGoneEndpointIsDisabledThePartnerSeesWhyAndAReplayAfterEnablingItSendsWhatItMissed() throws Exception {
        Endpoint endpoint = endpoint(acmeKey, ENDPOINTS, "[\"order.confirmed\"]", List.of("410"));
        Instant before = Instant.now().minusSeconds(5);
        String path = ENDPOINTS + "/" + endpoint.id();

        String session = confirmedSession();

        JsonNode disabled = await().atMost(Duration.ofSeconds(20)).until(() -> send(acmeKey, "GET", path, null, null).json(),
                e -> !e.get("enabled").asBoolean());
        assertThat(disabled.get("disabled_reason").asText()).contains("410 Gone");
        assertThat(disabled.get("disabled_at").asText()).isNotEmpty();
        JsonNode gone = send(acmeKey, "GET", path + "/deliveries", null, null).json().get("data").get(0);
        assertThat(gone.get("status").asText()).isEqualTo("failed");
        assertThat(gone.get("final_reason").asText()).isEqualTo("gone");
        Reply resend = send(acmeKey, "POST", path + "/deliveries/" + gone.get("id").asText() + "/resend", null, null);
        assertThat(resend.status()).isEqualTo(409);
        assertThat(resend.json().at("/error/code").asText()).isEqualTo("endpoint_disabled");

        assertThat(send(acmeKey, "PATCH", path, "{\"enabled\":true}", null).status()).isEqualTo(200);
        Reply replay = await().atMost(Duration.ofSeconds(10)).until(() -> send(acmeKey, "POST", path + "/replay",
                "{\"since\":\"" + before + "\"}", null), r -> r.status() == 202);

        // the replay sends every order.confirmed of the agency since then that the endpoint matches: this
        // session's again, and those of other tests' sessions it never had
        List<JsonNode> seen = await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received(endpoint.path()).stream()
                .filter(s -> body(s).at("/data/session_id").asText().equals(session)).toList(), r -> r.size() >= 2);
        assertThat(seen.get(1).get("webhook_id").asText()).isEqualTo(seen.get(0).get("webhook_id").asText());
        assertThat(seen.get(1).get("answered").asText()).isEqualTo("200");
        JsonNode replayed = await().atMost(Duration.ofSeconds(10)).until(() -> StreamSupport.stream(send(acmeKey, "GET",
                path + "/deliveries", null, null).json().get("data").spliterator(), false)
                .filter(d -> d.get("session_id").asText().equals(session) && d.get("kind").asText().equals("replay")
                        && d.get("status").asText().equals("succeeded")).findFirst().orElse(null), d -> d != null);
        assertThat(replayed.get("origin").asText()).isEqualTo(replay.json().get("replay_id").asText());
        assertThat(replayed.get("webhook_id").asText()).isEqualTo(gone.get("webhook_id").asText());
    }

    @Test
    void aFailingEndpointShowsSinceWhenAndAResendOnceItIsBackIsDeliveredAndClearsIt() throws Exception {
        Endpoint endpoint = endpoint(acmeKey, ENDPOINTS, "[\"order.confirmed\"]", List.of("503", "503", "503"));
        String path = ENDPOINTS + "/" + endpoint.id();

        confirmedSession();

        JsonNode failed = await().atMost(Duration.ofSeconds(20)).until(() -> send(acmeKey, "GET", path + "/deliveries", null,
                null).json().get("data"), d -> d.size() == 1 && d.get(0).get("status").asText().equals("failed")).get(0);
        assertThat(failed.get("attempts").asInt()).isEqualTo(3);
        assertThat(failed.get("final_reason").asText()).isEqualTo("retries_exhausted");
        assertThat(failed.get("error").asText()).isEqualTo("http_503");
        JsonNode failing = await().atMost(Duration.ofSeconds(10)).until(() -> send(acmeKey, "GET", path, null, null).json(),
                e -> !e.get("failing_since").isNull());
        assertThat(failing.get("failure_detail").asText()).isEqualTo("http_503");
        assertThat(failing.get("enabled").asBoolean()).as("failing for less than a day is not disabled").isTrue();

        Reply resend = send(acmeKey, "POST", path + "/deliveries/" + failed.get("id").asText() + "/resend", null, null);
        assertThat(resend.status()).as(resend.json().toString()).isEqualTo(202);
        assertThat(resend.json().get("resend_of").asText()).isEqualTo(failed.get("id").asText());

        List<JsonNode> seen = await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received(endpoint.path()),
                r -> r.size() >= 4);
        assertThat(seen.get(3).get("answered").asText()).isEqualTo("200");
        assertThat(seen).extracting(s -> s.get("webhook_id").asText()).containsOnly(seen.get(0).get("webhook_id").asText());
        await().atMost(Duration.ofSeconds(10)).until(() -> send(acmeKey, "GET", path, null, null).json().get("failing_since")
                .isNull());
        JsonNode resent = send(acmeKey, "GET", path + "/deliveries", null, null).json().get("data").get(0);
        assertThat(resent.get("id").asText()).isEqualTo(resend.json().get("id").asText());
        assertThat(resent.get("kind").asText()).isEqualTo("resend");
    }

    @Test
    void afterARotationBothSecretsSignUntilTheGraceEnds() throws Exception {
        Endpoint endpoint = endpoint(acmeKey, ENDPOINTS, "[\"order.paid\"]", List.of());
        String path = ENDPOINTS + "/" + endpoint.id();

        Reply rotated = send(acmeKey, "POST", path + "/rotate-secret", null, "rotate-" + endpoint.id());
        String next = rotated.json().get("secret").asText();
        receiver.path(endpoint.path(), "standard", List.of(endpoint.secret(), next), endpoint.id(), List.of());
        Reply test = send(acmeKey, "POST", path + "/test", null, null);

        assertThat(rotated.status()).isEqualTo(200);
        assertThat(next).isNotEqualTo(endpoint.secret());
        assertThat(test.json().get("outcome").asText()).isEqualTo("delivered");
        JsonNode seen = firstReceived(endpoint);
        assertThat(seen.get("webhook_signature").asText().split(" ")).hasSize(2);
        assertThat(texts(seen.get("verified"))).containsExactly("true", "true");
    }

    // ---- the partner and the shopper ------------------------------------------------------------

    /** An endpoint whose URL carries a token in its query, as partners' URLs often do: the receiver is called with it. */
    private Endpoint endpoint(String key, String collection, String triggers, List<String> plan) {
        String path = "/partner-" + UUID.randomUUID().toString().substring(0, 8) + "?token=" + UUID.randomUUID();
        Reply created = send(key, "POST", collection, "{\"url\":\"" + receiver.url(path) + "\",\"triggers\":" + triggers + "}",
                null);
        assertThat(created.status()).as(created.json().toString()).isEqualTo(201);
        Endpoint endpoint = new Endpoint(created.json().get("id").asText(), created.json().get("secret").asText(), path);
        receiver.path(path, "standard", List.of(endpoint.secret()), endpoint.id(), plan);
        return endpoint;
    }

    /** What the receiver printed of the endpoint's first delivery; its line may trail the answer by a moment. */
    private JsonNode firstReceived(Endpoint endpoint) {
        return await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received(endpoint.path()), r -> !r.isEmpty()).get(0);
    }

    /**
     * A merchant without a hook (sessions confirm at once), a session, its confirm: order.confirmed. A loaded
     * machine may answer the confirm {@code 202 processing}; the session gets there all the same.
     */
    private String confirmedSession() {
        String merchant = "m_" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(send(acmeKey, "PUT", "/v2/agencies/acme/merchants/" + merchant, "{\"display_name\":\"Studio\"}", null)
                .status()).isEqualTo(200);
        Reply session = send(acmeKey, "POST", "/v2/sessions", "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{"
                + "\"name\":\"Yoga 7am\",\"quantity\":1,\"unit_amount_minor\":2500}],\"total_minor\":2500,\"currency\":\"GBP\"}}",
                null);
        assertThat(session.status()).as(session.json().toString()).isEqualTo(201);
        String id = session.json().get("id").asText();
        Reply confirm = send(acmeKey, "POST", "/v2/sessions/" + id + "/confirm", "{}", "confirm-" + id);
        assertThat(confirm.status()).as(confirm.json().toString()).isIn(200, 202);
        await().atMost(Duration.ofSeconds(30)).until(() -> send(acmeKey, "GET", "/v2/sessions/" + id, null, null).json()
                .get("status").asText().equals("awaiting_payment"));
        return id;
    }

    /** As {@link #confirmedSession}, then the shopper pays at the Stripe stand-in: order.paid. */
    private String paidSession() throws Exception {
        String id = confirmedSession();
        String paymentIntent = send(acmeKey, "GET", "/v2/sessions/" + id, null, null).json().at("/payment_intent/id").asText();
        stack.stripeStandIn().orElseThrow().pay(paymentIntent, "pm_card_visa");
        await().atMost(Duration.ofSeconds(30)).until(() -> send(acmeKey, "GET", "/v2/sessions/" + id, null, null).json()
                .get("status").asText().equals("paid"));
        return id;
    }

    /** The API as the partner holding {@code key} calls it. */
    private Reply send(String key, String method, String path, String body, String idempotencyKey) {
        try {
            HttpResponse<String> response = new PartnerApi(stack.apiUrl().orElseThrow(), key, HTTP)
                    .send(method, path, body, idempotencyKey);
            return new Reply(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode body(JsonNode seen) {
        try {
            return JSON.readTree(seen.get("body").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(JsonNode array, String field) {
        return StreamSupport.stream(array.spliterator(), false).map(n -> n.get(field).asText()).toList();
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
