package io.tollgate.payment.standin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.Stripe;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The stand-in's wire behaviour, seen with a plain HTTP client: what any Stripe client would get. */
class StripeStandInTest {

    private static final String KEY = "Bearer sk_test_standin";
    private static final String BODY = "amount=1200&currency=EUR&metadata%5Bsession_id%5D=s_raw"
            + "&payment_method_options%5Bcard%5D%5Brequest_three_d_secure%5D=any";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private StripeStandIn standIn;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
    }

    @AfterEach
    void stop() {
        standIn.close();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(standIn.apiBase() + path)).timeout(Duration.ofSeconds(5));
    }

    private HttpResponse<String> post(String path, String body, String auth, String key, String account)
            throws Exception {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        if (account != null) {
            b.header("Stripe-Account", account);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String account) throws Exception {
        HttpRequest.Builder b = request(path).header("Authorization", KEY).GET();
        if (account != null) {
            b.header("Stripe-Account", account);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode error(HttpResponse<String> response) throws Exception {
        return json.readTree(response.body()).get("error");
    }

    @Test
    void createsAPaymentIntentShapedLikeStripes() throws Exception {
        HttpResponse<String> response = post("/v1/payment_intents", BODY, KEY, "k1", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Request-Id"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        JsonNode pi = json.readTree(response.body());
        assertThat(pi.get("id").asText()).startsWith("pi_");
        assertThat(pi.get("object").asText()).isEqualTo("payment_intent");
        assertThat(pi.get("amount").asLong()).isEqualTo(1200);
        assertThat(pi.get("currency").asText()).isEqualTo("eur");
        assertThat(pi.get("status").asText()).isEqualTo("requires_payment_method");
        assertThat(pi.get("client_secret").asText()).startsWith(pi.get("id").asText() + "_secret_");
        assertThat(pi.get("capture_method").asText()).isEqualTo("automatic_async");
        assertThat(pi.get("livemode").asBoolean()).isFalse();
        assertThat(pi.get("created").asLong()).isPositive();
        assertThat(pi.at("/metadata/session_id").asText()).isEqualTo("s_raw");
        assertThat(pi.at("/payment_method_options/card/request_three_d_secure").asText()).isEqualTo("any");
    }

    @Test
    void aRepeatedKeyReplaysTheSavedAnswer() throws Exception {
        HttpResponse<String> first = post("/v1/payment_intents", BODY, KEY, "k2", null);
        HttpResponse<String> second = post("/v1/payment_intents", BODY, KEY, "k2", null);

        assertThat(second.body()).isEqualTo(first.body());
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(second.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void aKeyReusedWithOtherParametersOrOnAnotherEndpointIsAnIdempotencyError() throws Exception {
        post("/v1/payment_intents", BODY, KEY, "k3", null);

        HttpResponse<String> other = post("/v1/payment_intents", BODY.replace("1200", "1300"), KEY, "k3", null);
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(error(other).get("type").asText()).isEqualTo("idempotency_error");
        assertThat(error(other).get("message").asText()).contains("k3");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void keysAreScopedToTheAccount() throws Exception {
        post("/v1/payment_intents", BODY, KEY, "k4", null);
        HttpResponse<String> onAccount = post("/v1/payment_intents", BODY, KEY, "k4", "acct_other");

        assertThat(onAccount.statusCode()).isEqualTo(200);
        assertThat(onAccount.headers().firstValue("Idempotent-Replayed")).isEmpty();
        String id = json.readTree(onAccount.body()).get("id").asText();
        assertThat(get("/v1/payment_intents/" + id, "acct_other").statusCode()).isEqualTo(200);
        HttpResponse<String> fromPlatform = get("/v1/payment_intents/" + id, null);
        assertThat(fromPlatform.statusCode()).isEqualTo(404);
        assertThat(error(fromPlatform).get("code").asText()).isEqualTo("resource_missing");
    }

    @Test
    void aConcurrentRequestWithTheKeyInFlightGets409() throws Exception {
        standIn.latency(Duration.ofMillis(800));
        CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
            try {
                return post("/v1/payment_intents", BODY, KEY, "k5", null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> standIn.requestsInFlight() == 1);

        HttpResponse<String> second = post("/v1/payment_intents", BODY, KEY, "k5", null);

        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(error(second).get("type").asText()).isEqualTo("idempotency_error");
        assertThat(error(second).get("code").asText()).isEqualTo("idempotency_key_in_use");
        assertThat(second.headers().firstValue("Stripe-Should-Retry")).hasValue("true");
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void aRequestThatFailedValidationSavesNothingUnderItsKey() throws Exception {
        HttpResponse<String> invalid = post("/v1/payment_intents", "amount=abc&currency=eur", KEY, "k6", null);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(error(invalid).get("code").asText()).isEqualTo("parameter_invalid_integer");
        assertThat(error(invalid).get("param").asText()).isEqualTo("amount");

        assertThat(post("/v1/payment_intents", BODY, KEY, "k6", null).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownParametersAndUrlsAreRefusedLikeStripe() throws Exception {
        HttpResponse<String> unknown = post("/v1/payment_intents", BODY + "&colour=red", KEY, null, null);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(error(unknown).get("code").asText()).isEqualTo("parameter_unknown");

        HttpResponse<String> url = post("/v1/charges", "amount=1", KEY, null, null);
        assertThat(url.statusCode()).isEqualTo(404);
        assertThat(error(url).get("message").asText()).contains("Unrecognized request URL");
    }

    @Test
    void requestsNeedATestModeSecretKey() throws Exception {
        HttpResponse<String> none = post("/v1/payment_intents", BODY, null, null, null);
        HttpResponse<String> live = post("/v1/payment_intents", BODY, "Bearer sk_live_abcdefghijkl", null, null);

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(error(none).get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(live.statusCode()).isEqualTo(401);
        assertThat(live.body()).doesNotContain("abcdefghijkl");
        assertThat(standIn.paymentIntentCount()).isZero();
    }

    @Test
    void confirmingWithADecliningCardAnswers402AndRecordsTheError() throws Exception {
        String id = json.readTree(post("/v1/payment_intents", BODY, KEY, null, null).body()).get("id").asText();

        HttpResponse<String> declined = post("/v1/payment_intents/" + id + "/confirm",
                "payment_method=pm_card_chargeDeclined", KEY, null, null);

        assertThat(declined.statusCode()).isEqualTo(402);
        assertThat(error(declined).get("type").asText()).isEqualTo("card_error");
        assertThat(error(declined).get("code").asText()).isEqualTo("card_declined");
        JsonNode pi = json.readTree(get("/v1/payment_intents/" + id, null).body());
        assertThat(pi.get("status").asText()).isEqualTo("requires_payment_method");
        assertThat(pi.at("/last_payment_error/code").asText()).isEqualTo("card_declined");

        HttpResponse<String> paid = post("/v1/payment_intents/" + id + "/confirm", "payment_method=pm_card_visa",
                KEY, null, null);
        assertThat(json.readTree(paid.body()).get("status").asText()).isEqualTo("succeeded");
        assertThat(json.readTree(paid.body()).get("amount_received").asLong()).isEqualTo(1200);
    }

    @Test
    void eventsCarryStripeJavasPinnedApiVersion() throws Exception {
        String id = json.readTree(post("/v1/payment_intents", BODY, KEY, null, null).body()).get("id").asText();
        standIn.pay(id, "pm_card_visa");

        assertThat(standIn.events()).singleElement().satisfies(e -> {
            JsonNode event = json.readTree(e);
            assertThat(event.get("type").asText()).isEqualTo("payment_intent.succeeded");
            assertThat(event.get("api_version").asText()).isEqualTo(Stripe.API_VERSION);
            assertThat(event.at("/data/object/id").asText()).isEqualTo(id);
        });
    }

    @Test
    void theRequestLogRecordsWhatArrived() throws Exception {
        post("/v1/payment_intents", BODY, KEY, "k7", "acct_log");

        assertThat(standIn.requests()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.path()).isEqualTo("/v1/payment_intents");
            assertThat(r.idempotencyKey()).isEqualTo("k7");
            assertThat(r.stripeAccount()).isEqualTo("acct_log");
            assertThat(r.params()).containsEntry("metadata[session_id]", "s_raw")
                    .containsEntry("payment_method_options[card][request_three_d_secure]", "any");
            assertThat(r.status()).isEqualTo(200);
        });
    }
}
