package io.tollgate.orchestrator.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.orchestrator.OrchestratorService;
import io.tollgate.orchestrator.merchants.PartnerClient;
import io.tollgate.orchestrator.merchants.PartnerClient.Reply;
import io.tollgate.orchestrator.merchants.TopicBytes;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The webhook endpoint routes over real HTTP against the endpoint fold on the shared broker, outside
 * dev mode (so endpoint URLs must be public https). Deliveries themselves are the dispatcher's, tested
 * in its module and end to end in the launcher; here: the endpoint's life, validation, idempotency,
 * secrets shown once, and agency isolation.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookEndpointApiTest {
    static final String ACME_KEY = "tg_test_acme_webhooks";
    static final String GLOBEX_KEY = "tg_test_globex_webhooks";
    static final String ENDPOINTS = "/v2/agencies/acme/webhook-endpoints";
    static final String URL = "https://partner.example.com/tollgate/orders";

    private OrchestratorService orchestrator;
    private Topics topics;
    private PartnerClient acme;
    private PartnerClient globex;
    private PartnerClient anonymous;

    @BeforeAll
    void start() throws Exception {
        String prefix = SharedKafka.uniqueName("webhook-api");
        byte[] masterKey = java.util.Base64.getDecoder().decode(SecretBox.newMasterKeyBase64());
        TollgateConfig config = TollgateConfig.builder().devMode(false).masterKey(masterKey)
                .bootstrapServers(SharedKafka.bootstrapServers())
                .addPartnerKeyHash("acme", TollgateConfig.partnerKeyHash(ACME_KEY))
                .addPartnerKeyHash("globex", TollgateConfig.partnerKeyHash(GLOBEX_KEY))
                .port(0).partitions(2).applicationIdPrefix(prefix).commitIntervalMs(10).build();
        topics = new Topics(new InMemorySchemaRegistry(), 2, prefix + ".");
        try (var admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        orchestrator = new OrchestratorService(config, topics, new KafkaClients(SharedKafka.bootstrapServers()),
                new SecretBox(masterKey), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        int port = orchestrator.start();
        acme = new PartnerClient(path -> URI.create("http://127.0.0.1:" + port + path), "Bearer " + ACME_KEY);
        globex = new PartnerClient(path -> URI.create("http://127.0.0.1:" + port + path), "Bearer " + GLOBEX_KEY);
        anonymous = new PartnerClient(path -> URI.create("http://127.0.0.1:" + port + path), null);
    }

    @AfterAll
    void stop() {
        orchestrator.close();
    }

    @Test
    void creatingAnEndpointShowsItsSecretOnceWithTheDefaults() {
        Reply created = acme.post(ENDPOINTS, null, "{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\",\"order.confirmed\"]}");

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.text("/id");
        assertThat(id).matches("we_[0-9a-f]{24}");
        assertThat(created.text("/secret")).startsWith("whsec_").hasSize(6 + 44);
        assertThat(created.text("/signing")).isEqualTo("standard_webhooks");
        assertThat(created.json().get("enabled").asBoolean()).isTrue();
        // triggers come back in the order a session meets them, whatever order they were given in
        assertThat(texts(created.json().get("triggers"))).containsExactly("order.confirmed", "order.paid");
        assertThat(created.json().at("/conditions/merchant_ids")).isEmpty();
        assertThat(created.json().get("version").asLong()).isEqualTo(1);

        Reply read = acme.get(ENDPOINTS + "/" + id);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().has("secret")).isFalse();
        assertThat(read.text("/url")).isEqualTo(URL);
        assertThat(acme.get(ENDPOINTS).json().get("data").findValues("id").stream().map(JsonNode::asText)).contains(id);
    }

    @Test
    void aTokenInTheUrlsQueryIsSealedShownRedactedAndInNoTopicInClear() {
        String token = "tok_" + UUID.randomUUID().toString().replace("-", "");
        Reply created = acme.post(ENDPOINTS, null, "{\"url\":\"" + URL + "?token=" + token + "&v=2\","
                + "\"triggers\":[\"order.paid\"]}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.text("/id");
        Reply patched = acme.patch(ENDPOINTS + "/" + id, null, "{\"url\":\"" + URL + "?token=" + token + "-next\"}");

        assertThat(created.text("/url")).isEqualTo(URL + "?token=redacted&v=redacted");
        assertThat(patched.text("/url")).isEqualTo(URL + "?token=redacted");
        assertThat(acme.get(ENDPOINTS + "/" + id).text("/url")).isEqualTo(URL + "?token=redacted");
        byte[] clear = token.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                TopicBytes.values(topics.webhookEndpoints().name())).isNotEmpty().noneMatch(b -> TopicBytes.contains(b, clear)));
        assertThat(TopicBytes.values(topics.webhookCommands().name())).isNotEmpty()
                .noneMatch(bytes -> TopicBytes.contains(bytes, clear));
    }

    @Test
    void conditionsSigningAndDescriptionAreKeptAsGiven() {
        Reply created = acme.post(ENDPOINTS, null, "{\"url\":\"" + URL + "\",\"triggers\":[\"order.failed\"],"
                + "\"signing\":\"jwt\",\"description\":\"refunds desk\",\"enabled\":false,\"conditions\":{"
                + "\"merchant_ids\":[\"studio\",\"gym\"],\"currencies\":[\"GBP\"],\"amount_minor_over\":1000,"
                + "\"amount_minor_under\":500000,\"decisions\":[\"rejected\"]}}");

        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.text("/signing")).isEqualTo("jwt");
        assertThat(created.text("/description")).isEqualTo("refunds desk");
        assertThat(created.json().get("enabled").asBoolean()).isFalse();
        assertThat(created.text("/disabled_reason")).isEqualTo("created disabled by the partner");
        assertThat(texts(created.json().at("/conditions/merchant_ids"))).containsExactly("gym", "studio");
        assertThat(created.json().at("/conditions/amount_minor_over").asLong()).isEqualTo(1000);
        assertThat(created.json().at("/conditions/amount_minor_under").asLong()).isEqualTo(500000);
        assertThat(texts(created.json().at("/conditions/decisions"))).containsExactly("rejected");
    }

    @Test
    void theSameIdempotencyKeyGivesTheSameEndpointAndSecretAndAnotherBodyIs422() {
        String key = "create-" + UUID.randomUUID();
        String body = "{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}";

        Reply first = acme.post(ENDPOINTS, key, body);
        Reply again = acme.post(ENDPOINTS, key, body);
        Reply other = acme.post(ENDPOINTS, key, "{\"url\":\"" + URL + "\",\"triggers\":[\"order.failed\"]}");

        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.text("/id")).isEqualTo(first.text("/id"));
        assertThat(again.text("/secret")).isEqualTo(first.text("/secret"));
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.errorCode()).isEqualTo("idempotency_key_reused");
        // the same key at another agency is another endpoint
        Reply elsewhere = globex.post("/v2/agencies/globex/webhook-endpoints", key, body);
        assertThat(elsewhere.status()).isEqualTo(201);
        assertThat(elsewhere.text("/id")).isNotEqualTo(first.text("/id"));
    }

    @Test
    void patchChangesOnlyWhatItNamesAndNullClearsConditions() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"],\"description\":\"d\","
                + "\"conditions\":{\"currencies\":[\"EUR\"]}}");

        Reply patched = acme.patch(ENDPOINTS + "/" + id, null, "{\"triggers\":[\"order.canceled\"],\"enabled\":false}");
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(texts(patched.json().get("triggers"))).containsExactly("order.canceled");
        assertThat(patched.json().get("enabled").asBoolean()).isFalse();
        assertThat(patched.text("/disabled_reason")).isEqualTo("disabled by the partner");
        assertThat(texts(patched.json().at("/conditions/currencies"))).containsExactly("EUR");
        assertThat(patched.text("/description")).isEqualTo("d");
        assertThat(patched.json().has("secret")).isFalse();

        Reply cleared = acme.patch(ENDPOINTS + "/" + id, null, "{\"conditions\":null,\"description\":null,\"enabled\":true}");
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().at("/conditions/currencies")).isEmpty();
        assertThat(cleared.json().get("description").isNull()).isTrue();
        assertThat(cleared.json().get("enabled").asBoolean()).isTrue();
        assertThat(cleared.json().get("disabled_reason").isNull()).isTrue();
    }

    @Test
    void rotatingShowsANewSecretOnceAndNeedsAKey() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}");

        Reply noKey = acme.post(ENDPOINTS + "/" + id + "/rotate-secret", null, null);
        String key = "rotate-" + UUID.randomUUID();
        Reply rotated = acme.post(ENDPOINTS + "/" + id + "/rotate-secret", key, null);
        Reply replayed = acme.post(ENDPOINTS + "/" + id + "/rotate-secret", key, null);

        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.errorCode()).isEqualTo("idempotency_key_required");
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        assertThat(rotated.text("/secret")).startsWith("whsec_");
        assertThat(replayed.text("/secret")).isEqualTo(rotated.text("/secret"));
        assertThat(acme.get(ENDPOINTS + "/" + id).json().has("secret")).isFalse();
    }

    @Test
    void aDeletedEndpointIsGoneFromReadsAndListsAndARepeatedDeleteWithItsKeyAnswersTheSame() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}");
        String key = "delete-" + UUID.randomUUID();

        Reply deleted = acme.delete(ENDPOINTS + "/" + id, key);
        Reply again = acme.delete(ENDPOINTS + "/" + id, key);
        Reply withoutKey = acme.delete(ENDPOINTS + "/" + id, null);

        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json().get("version").asLong()).isEqualTo(deleted.json().get("version").asLong());
        assertThat(withoutKey.status()).isEqualTo(404);
        assertThat(acme.get(ENDPOINTS + "/" + id).status()).isEqualTo(404);
        assertThat(acme.get(ENDPOINTS).json().get("data").findValues("id").stream().map(JsonNode::asText)).doesNotContain(id);
        assertThat(acme.patch(ENDPOINTS + "/" + id, null, "{\"enabled\":true}").status()).isEqualTo(404);
    }

    @Test
    void anotherAgencysEndpointIsNotFoundOnEveryRoute() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}");
        String theirs = "/v2/agencies/globex/webhook-endpoints/" + id;
        String ours = ENDPOINTS + "/" + id;

        assertThat(globex.get(ours).status()).as("acme's path with globex's key").isEqualTo(404);
        assertThat(globex.patch(ours, null, "{\"enabled\":false}").status()).isEqualTo(404);
        assertThat(globex.delete(ours, null).status()).isEqualTo(404);
        assertThat(globex.get(theirs).status()).as("acme's id under globex").isEqualTo(404);
        assertThat(globex.patch(theirs, null, "{\"enabled\":false}").status()).isEqualTo(404);
        assertThat(globex.post(theirs + "/rotate-secret", "k-" + id, null).status()).isEqualTo(404);
        assertThat(globex.post(theirs + "/test", null, null).status()).isEqualTo(404);
        assertThat(globex.get(theirs + "/deliveries").status()).isEqualTo(404);
        assertThat(globex.post(theirs + "/deliveries/dlv_x/resend", null, null).status()).isEqualTo(404);
        assertThat(globex.post(theirs + "/replay", null, "{\"since\":\"" + Instant.now().minusSeconds(60) + "\"}").status())
                .isEqualTo(404);
        assertThat(globex.get(ENDPOINTS).status()).isEqualTo(404);
        assertThat(globex.get("/v2/agencies/globex/webhook-endpoints").json().get("data").findValues("id").stream()
                .map(JsonNode::asText)).doesNotContain(id);
        assertThat(acme.get(ours).json().get("enabled").asBoolean()).as("unchanged").isTrue();
        assertThat(anonymous.get(ours).status()).isEqualTo(401);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{\"triggers\":[\"order.paid\"]}                                              | url",
        "{\"url\":\"http://partner.example.com/h\",\"triggers\":[\"order.paid\"]}      | url",
        "{\"url\":\"https://10.0.0.7/h\",\"triggers\":[\"order.paid\"]}               | url",
        "{\"url\":\"https://partner.example.com/h\"}                                  | triggers",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[]}                  | triggers",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.shipped\"]} | triggers[0]",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":\"order.paid\"}      | triggers",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"signing\":\"rsa\"}   | signing",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"enabled\":\"yes\"}  | enabled",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"surprise\":1}      | surprise",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"currencies\":[\"gbp\"]}}       | conditions.currencies[0]",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"currencies\":[\"XYZ\"]}}       | conditions.currencies[0]",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"amount_minor_over\":-1}}      | conditions.amount_minor_over",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"amount_minor_over\":1.5}}     | conditions.amount_minor_over",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"amount_minor_over\":10,\"amount_minor_under\":11}} | conditions.amount_minor_under",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"merchant_ids\":[\"a b\"]}}    | conditions.merchant_ids[0]",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"decisions\":[\"maybe\"]}}     | conditions.decisions[0]",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":{\"country\":\"GB\"}}            | conditions.country",
        "{\"url\":\"https://partner.example.com/h\",\"triggers\":[\"order.paid\"],\"conditions\":[]}                              | conditions"})
    void anInvalidCreateIs400NamingTheField(String body, String field) {
        Reply reply = acme.post(ENDPOINTS, null, body);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("invalid_request");
        assertThat(reply.text("/error/meta/field")).isEqualTo(field);
        assertThat(reply.json().get("error").has("message")).isTrue();
    }

    @Test
    void otherRequestsThatCannotBeAnsweredAreStructuredErrors() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}");
        String path = ENDPOINTS + "/" + id;

        assertThat(acme.patch(path, null, "{}").status()).isEqualTo(400);
        assertThat(acme.patch(path, null, "{\"url\":null}").text("/error/meta/field")).isEqualTo("url");
        assertThat(acme.post(ENDPOINTS, null, "not json").errorCode()).isEqualTo("invalid_json");
        assertThat(acme.post(ENDPOINTS, null, "{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"],\"description\":\""
                + "x".repeat(70_000) + "\"}").status()).isEqualTo(413);
        assertThat(acme.get(path + "/deliveries?limit=0").text("/error/meta/field")).isEqualTo("limit");
        assertThat(acme.get(path + "/deliveries?limit=abc").status()).isEqualTo(400);
        assertThat(acme.get(path + "/deliveries").json().get("data")).isEmpty();
        assertThat(acme.post(path + "/replay", null, "{}").text("/error/meta/field")).isEqualTo("since");
        assertThat(acme.post(path + "/replay", null, "{\"since\":\"yesterday\"}").text("/error/meta/field")).isEqualTo("since");
        assertThat(acme.post(path + "/replay", null, "{\"since\":\"" + Instant.now().plus(Duration.ofHours(1)) + "\"}")
                .text("/error/message")).contains("future");
        assertThat(acme.post(path + "/replay", null, "{\"since\":\"" + Instant.now().minus(Duration.ofDays(31)) + "\"}")
                .text("/error/message")).contains("30 days");
        assertThat(acme.post(path + "/deliveries/dlv_unknown/resend", null, null).text("/error/meta/reason"))
                .isEqualTo("delivery_not_found");
        assertThat(acme.post(path + "/test", null, null).status()).as("no tester in this process").isEqualTo(503);
        assertThat(acme.get(ENDPOINTS + "/we_not_there").status()).isEqualTo(404);
        assertThat(acme.get(ENDPOINTS + "/bad%20id").text("/error/meta/field")).isEqualTo("endpoint_id");
        assertThat(acme.put(path, null, "{}").status()).isEqualTo(405);
    }

    @Test
    void aReplayOfAnEnabledEndpointIsAcceptedAndOfADisabledOneRefused() {
        String id = create("{\"url\":\"" + URL + "\",\"triggers\":[\"order.paid\"]}");
        String path = ENDPOINTS + "/" + id;
        Instant since = Instant.now().minus(Duration.ofHours(2));

        Reply accepted = acme.post(path + "/replay", null, "{\"since\":\"" + since + "\"}");
        acme.patch(path, null, "{\"enabled\":false}");
        Reply refused = await().atMost(Duration.ofSeconds(10)).until(
                () -> acme.post(path + "/replay", null, "{\"since\":\"" + since + "\"}"), r -> r.status() == 409);

        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        assertThat(accepted.text("/replay_id")).startsWith("wrq_");
        assertThat(accepted.text("/since")).isEqualTo(since.toString());
        assertThat(refused.errorCode()).isEqualTo("endpoint_disabled");
    }

    private String create(String body) {
        Reply created = acme.post(ENDPOINTS, null, body);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return created.text("/id");
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
