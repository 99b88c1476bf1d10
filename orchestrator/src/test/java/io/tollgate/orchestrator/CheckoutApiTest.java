package io.tollgate.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.http.ChunkedUpload;
import io.tollgate.common.http.RawHttp;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.management.ManagementServer;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.orchestrator.checkout.ConfirmMetrics;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.PaymentSucceededReported;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The session API end to end on a real broker: HTTP → command log → exactly-once fold → state topic
 * → the waiting request. The hook-caller and payment worker are played by this test, writing the
 * report commands they would write; two orchestrator instances share the topics.
 */
@ExtendWith(SharedKafka.class)
class CheckoutApiTest {
    static final String AGENCY = "acme";
    static final String KEY = "tg_test_key_acme";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static Topics topics;
    static KafkaClients kafka;
    static SecretBox secrets;
    static PrometheusMeterRegistry firstMetrics;
    static OrchestratorService first;
    static OrchestratorService second;
    static PlayedWorkers workers;
    static final List<OrderEvent> orders = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws Exception {
        String prefix = SharedKafka.uniqueName("checkout-api");
        TollgateConfig config = TollgateConfig.builder()
                .devMode(true)
                .bootstrapServers(SharedKafka.bootstrapServers())
                .addDevPartnerKey(AGENCY, KEY)
                .addDevPartnerKey("other", "tg_test_key_other")
                .port(0).managementPort(0).partitions(3).applicationIdPrefix(prefix).commitIntervalMs(10)
                .build();
        topics = new Topics(new InMemorySchemaRegistry(), 3, prefix + ".");
        try (var admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        kafka = new KafkaClients(SharedKafka.bootstrapServers());
        secrets = new SecretBox(new byte[32]);
        firstMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        first = new OrchestratorService(config, topics, kafka, secrets, firstMetrics);
        second = new OrchestratorService(config, topics, kafka, secrets, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        first.start();
        second.start();
        workers = new PlayedWorkers().start();
        putMerchant("m1", null);
        putMerchant("m-hook", hook(FailMode.CLOSED, 300));
        putMerchant("m-open", hook(FailMode.OPEN, 300));
        putMerchant("m-defer", hook(FailMode.CLOSED, 300));
    }

    @AfterAll
    static void stop() {
        workers.close();
        second.close();
        first.close();
    }

    @Test
    void approvedConfirmAnswersWithThePaymentIntentAndSessionEndsPaid() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.APPROVED);
        JsonNode session = createSession("m-hook", null);
        String id = session.get("id").asText();
        assertThat(session.get("status").asText()).isEqualTo("open");

        HttpResponse<String> confirm = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "confirm-1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(confirm.body());
        assertThat(body.get("status").asText()).isEqualTo("awaiting_payment");
        assertThat(body.at("/payment_intent/id").asText()).isEqualTo("pi_" + id);
        assertThat(body.at("/payment_intent/client_secret").asText()).isEqualTo("pi_" + id + "_secret_x");

        // Same key on the other instance: the same answer, nothing done twice.
        HttpResponse<String> again = post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "confirm-1");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(again.body()).at("/payment_intent/id").asText()).isEqualTo("pi_" + id);
        assertThat(workers.paymentRequests(id)).isEqualTo(1);

        workers.pay(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> status(id).equals("paid"));
        await().atMost(Duration.ofSeconds(10)).until(() -> orderTypes(id).contains("order.paid"));
        assertThat(orderTypes(id)).containsExactly("order.confirmed", "order.paid");
    }

    @Test
    void rejectionIs409WithTheMerchantsReasonAndOrderFailed() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.REJECTED);
        String id = createSession("m-hook", null).get("id").asText();
        HttpResponse<String> confirm = post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(409);
        JsonNode error = JSON.readTree(confirm.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("pre_confirmation_rejected");
        assertThat(error.at("/meta/reason").asText()).isEqualTo("class_full");
        assertThat(error.at("/meta/message").asText()).isEqualTo("That class is full");
        await().atMost(Duration.ofSeconds(10)).until(() -> orderTypes(id).contains("order.failed"));
        assertThat(orders.stream().filter(o -> o.getSessionId().equals(id)).findFirst().orElseThrow().getReason()).isEqualTo("class_full");
        HttpResponse<String> closed = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k2");
        assertThat(JSON.readTree(closed.body()).at("/error/code").asText()).isEqualTo("session_failed");
        assertThat(workers.paymentRequests(id)).isZero();
    }

    /** Each confirm's latency is tagged with what the client was told; request metrics name the route, not the path. */
    @Test
    void confirmLatencyIsRecordedByOutcomeAndRequestsByRouteTemplate() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.REJECTED);
        String rejected = createSession("m-hook", null).get("id").asText();
        String approved = createSession("m1", null).get("id").asText();
        // other tests of this class confirm on the same instance too
        long rejectedBefore = confirmCount("pre_confirmation_rejected");
        long approvedBefore = confirmCount("approved");

        assertThat(post(first, "/v2/sessions/" + rejected + "/confirm", "{}", KEY, "latency-1").statusCode()).isEqualTo(409);
        assertThat(post(first, "/v2/sessions/" + approved + "/confirm", "{}", KEY, "latency-2").statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(confirmCount("pre_confirmation_rejected")).isEqualTo(rejectedBefore + 1);
            assertThat(confirmCount("approved")).isEqualTo(approvedBefore + 1);
        });
        assertThat(confirmTimer("approved").takeSnapshot().histogramCounts())
                .extracting(bucket -> bucket.bucket(TimeUnit.MILLISECONDS))
                .containsExactly(25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0);
        assertThat(firstMetrics.find("jetty.server.requests").tags("uri", "/v2/sessions/{id}/confirm", "method", "POST",
                "status", "409").timer()).isNotNull();
        assertThat(firstMetrics.find("jetty.server.requests").tag("uri", "/v2/sessions/" + rejected + "/confirm").timer()).isNull();
    }

    private static long confirmCount(String outcome) {
        Timer timer = confirmTimer(outcome);
        return timer == null ? 0 : timer.count();
    }

    private static Timer confirmTimer(String outcome) {
        return firstMetrics.find(ConfirmMetrics.METRIC).tag("outcome", outcome).timer();
    }

    @Test
    void unavailableFailClosedIs503AndTheSessionStaysOpen() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.UNAVAILABLE);
        String id = createSession("m-hook", null).get("id").asText();
        HttpResponse<String> confirm = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(503);
        assertThat(JSON.readTree(confirm.body()).at("/error/code").asText()).isEqualTo("pre_confirmation_unavailable");
        assertThat(status(id)).isEqualTo("open");
        assertThat(workers.paymentRequests(id)).isZero();
    }

    @Test
    void unavailableFailOpenApprovesWithAWarning() throws Exception {
        workers.hookAnswers.put("m-open", HookOutcome.UNAVAILABLE);
        String id = createSession("m-open", null).get("id").asText();
        HttpResponse<String> confirm = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
        assertThat(JSON.readTree(confirm.body()).get("warning").asText()).contains("fail_mode open");
        JsonNode view = JSON.readTree(get(first, "/v2/sessions/" + id, KEY).body());
        assertThat(view.at("/attempts/0/default_action_used").asBoolean()).isTrue();
    }

    @Test
    void noAnswerWithinTheBudgetIs202Processing() throws Exception {
        workers.hookAnswers.remove("m-hook"); // the "hook-caller" stays silent
        String id = createSession("m-hook", null).get("id").asText();
        HttpResponse<String> confirm = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(202);
        JsonNode body = JSON.readTree(confirm.body());
        assertThat(body.get("status").asText()).isEqualTo("processing");
        assertThat(body.get("status_url").asText()).isEqualTo("/v2/sessions/" + id);
    }

    /** The request used to answer from the state it found first, before the fold had refused its command. */
    @Test
    void partnerConfirmOnACanceledSessionIs409NotAwaitingPartner() throws Exception {
        workers.hookAnswers.put("m-defer", HookOutcome.DEFERRED);
        String id = createSession("m-defer", null).get("id").asText();
        HttpResponse<String> confirm = post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(202);
        HttpResponse<String> cancel = post(first, "/v2/sessions/" + id + "/partner-cancel", "", KEY, null);
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertThat(JSON.readTree(cancel.body()).get("status").asText()).isEqualTo("canceled");

        HttpResponse<String> late = post(second, "/v2/sessions/" + id + "/partner-confirm", "", KEY, null);
        assertThat(late.statusCode()).as(late.body()).isEqualTo(409);
        assertThat(JSON.readTree(late.body()).at("/error/code").asText()).isEqualTo("not_awaiting_partner");
        assertThat(JSON.readTree(late.body()).at("/error/meta/session_status").asText()).isEqualTo("canceled");
        HttpResponse<String> again = post(second, "/v2/sessions/" + id + "/partner-cancel", "", KEY, null);
        assertThat(again.statusCode()).as("a repeated cancel is the same answer").isEqualTo(200);

        String open = createSession("m1", null).get("id").asText();
        HttpResponse<String> notDeferred = post(first, "/v2/sessions/" + open + "/partner-confirm", "", KEY, null);
        assertThat(notDeferred.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(notDeferred.body()).at("/error/code").asText()).isEqualTo("not_awaiting_partner");
    }

    @Test
    void sessionWithoutHookConfirmsAutomatically() throws Exception {
        String id = createSession("m1", null).get("id").asText();
        HttpResponse<String> confirm = post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1");
        assertThat(confirm.statusCode()).as(confirm.body()).isEqualTo(200);
    }

    /** Kafka Streams' default would stop the fold thread on it, and every replacement thread again. */
    @Test
    void aCommandThatDoesNotDecodeIsDeadLetteredAndTheFoldGoesOn() throws Exception {
        byte[] garbage = {0, 0, 0, 0, 42, 1, 2, 3};
        String key = "sess_garbage_" + UUID.randomUUID();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("garbage"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.checkoutCommands().name(), key, garbage)).get();
        }

        List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer("dlq-reader", null),
                new org.apache.kafka.common.serialization.StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var partition = new org.apache.kafka.common.TopicPartition(topics.checkoutCommandsDlq().name(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (key.equals(r.key())) {
                        dead.add(r);
                    }
                });
                return !dead.isEmpty();
            });
        }
        assertThat(dead.get(0).value()).isEqualTo(garbage);
        assertThat(new String(dead.get(0).headers().lastHeader("tollgate.source.topic").value()))
                .isEqualTo(topics.checkoutCommands().name());
        assertThat(new String(dead.get(0).headers().lastHeader("tollgate.error").value())).startsWith("undecodable");
        // every partition still folds: a session on each of them is created and confirmed
        for (int i = 0; i < 6; i++) {
            String id = createSession("m1", null).get("id").asText();
            assertThat(post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "k1").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void sameIdempotencyKeyOnTwoInstancesConcurrentlyGivesOneAttempt() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.APPROVED);
        String id = createSession("m-hook", null).get("id").asText();
        var a = java.util.concurrent.CompletableFuture.supplyAsync(() -> post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "same"));
        var b = java.util.concurrent.CompletableFuture.supplyAsync(() -> post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "same"));
        assertThat(a.get().statusCode()).as(a.get().body()).isEqualTo(200);
        assertThat(b.get().statusCode()).as(b.get().body()).isEqualTo(200);
        JsonNode view = JSON.readTree(get(first, "/v2/sessions/" + id, KEY).body());
        assertThat(view.get("attempts")).hasSize(1);
        assertThat(workers.paymentRequests(id)).isEqualTo(1);
    }

    @Test
    void createWithIdempotencyKeyReplaysAndRefusesAnotherBody() throws Exception {
        String key = "create-" + UUID.randomUUID();
        HttpResponse<String> one = post(first, "/v2/sessions", sessionBody("m1", 2500), KEY, key);
        HttpResponse<String> two = post(second, "/v2/sessions", sessionBody("m1", 2500), KEY, key);
        assertThat(one.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(two.body()).get("id")).isEqualTo(JSON.readTree(one.body()).get("id"));
        HttpResponse<String> other = post(first, "/v2/sessions", sessionBody("m1", 9900), KEY, key);
        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(other.body()).at("/error/code").asText()).isEqualTo("idempotency_key_reused");
    }

    @Test
    void clientTokenSeesOnlyItsSessionAndAnotherAgencySeesNothing() throws Exception {
        JsonNode a = createSession("m1", null);
        JsonNode b = createSession("m1", null);
        String token = a.get("client_token").asText();
        HttpResponse<String> own = get(first, "/v2/sessions/" + a.get("id").asText(), token);
        assertThat(own.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(own.body()).has("timeline")).isFalse();
        assertThat(get(first, "/v2/sessions/" + b.get("id").asText(), token).statusCode()).isEqualTo(404);
        assertThat(get(first, "/v2/sessions/" + a.get("id").asText(), "tg_test_key_other").statusCode()).isEqualTo(404);
        assertThat(get(first, "/v2/sessions/" + a.get("id").asText(), "wrong").statusCode()).isEqualTo(401);
    }

    @Test
    void invalidBodiesAreStructured400sNamingTheField() throws Exception {
        HttpResponse<String> badCurrency = post(first, "/v2/sessions",
                "{\"merchant_id\":\"m1\",\"cart\":{\"items\":[{\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":2500}],\"total_minor\":2500,\"currency\":\"XYZ\"}}",
                KEY, null);
        assertThat(badCurrency.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badCurrency.body()).at("/error/meta/field").asText()).isEqualTo("cart.currency");
        HttpResponse<String> unknownField = post(first, "/v2/sessions", "{\"merchant_id\":\"m1\",\"surprise\":1}", KEY, null);
        assertThat(JSON.readTree(unknownField.body()).at("/error/meta/field").asText()).isEqualTo("surprise");
        HttpResponse<String> wrongType = post(first, "/v2/sessions",
                "{\"merchant_id\":\"m1\",\"cart\":{\"items\":[],\"total_minor\":\"lots\",\"currency\":\"GBP\"}}", KEY, null);
        assertThat(JSON.readTree(wrongType.body()).at("/error/meta/field").asText()).isEqualTo("cart.total_minor");
        HttpResponse<String> unknownMerchant = post(first, "/v2/sessions", sessionBody("nobody", 100), KEY, null);
        assertThat(unknownMerchant.statusCode()).isEqualTo(404);
        HttpResponse<String> huge = post(first, "/v2/sessions", "{\"merchant_id\":\"" + "x".repeat(300_000) + "\"}", KEY, null);
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(huge.body()).at("/error/code").asText()).isEqualTo("payload_too_large");
        HttpResponse<String> wrongMethod = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port() + "/v2/sessions"))
                .DELETE().header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(JSON.readTree(wrongMethod.body()).at("/error/code").asText()).isEqualTo("method_not_allowed");
        HttpResponse<String> noRoute = get(first, "/v2/nothing-here", KEY);
        assertThat(noRoute.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(noRoute.body()).at("/error/code").asText()).isEqualTo("not_found");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "quantity a string          | {\"name\":\"Yoga\",\"quantity\":\"1\",\"unit_amount_minor\":1000}  | 1000     | GBP | cart.items[0].quantity",
            "quantity a boolean         | {\"name\":\"Yoga\",\"quantity\":true,\"unit_amount_minor\":1000}   | 1000     | GBP | cart.items[0].quantity",
            "unit amount a string       | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":\"1000\"}  | 1000     | GBP | cart.items[0].unit_amount_minor",
            "total a string             | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | \"1000\" | GBP | cart.total_minor",
            "name a number              | {\"name\":5,\"quantity\":1,\"unit_amount_minor\":1000}           | 1000     | GBP | cart.items[0].name",
            "metadata value a number    | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000,\"metadata\":{\"seat\":1}} | 1000 | GBP | cart.items[0].metadata.seat",
            "total not the items' sum   | {\"name\":\"Yoga\",\"quantity\":2,\"unit_amount_minor\":1000}      | 1000     | GBP | cart.total_minor",
            "line over the amount range | {\"name\":\"Yoga\",\"quantity\":10000,\"unit_amount_minor\":99999999} | 99999999 | GBP | cart.items[0]",
            "name with a control char   | {\"name\":\"Yoga\\u0007\",\"quantity\":1,\"unit_amount_minor\":1000} | 1000     | GBP | cart.items[0].name",
            "name with a bidi override  | {\"name\":\"Yoga\\u202egpj.exe\",\"quantity\":1,\"unit_amount_minor\":1000} | 1000 | GBP | cart.items[0].name",
            "id with a line break       | {\"id\":\"a\\nb\",\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000} | 1000 | GBP | cart.items[0].id",
            "test currency XTS          | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | 1000     | XTS | cart.currency",
            "no currency XXX            | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | 1000     | XXX | cart.currency",
            "gold XAU                   | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | 1000     | XAU | cart.currency",
            "withdrawn VEF              | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | 1000     | VEF | cart.currency",
            "fund code BOV              | {\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1000}      | 1000     | BOV | cart.currency",
    })
    void sessionBodiesAreAsStrictAsMerchantBodies(String name, String item, String total, String currency, String field)
            throws Exception {
        HttpResponse<String> response = post(first, "/v2/sessions", "{\"merchant_id\":\"m1\",\"cart\":{\"items\":[" + item
                + "],\"total_minor\":" + total + ",\"currency\":\"" + currency + "\"}}", KEY, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(JSON.readTree(response.body()).at("/error/meta/field").asText()).isEqualTo(field);
    }

    @Test
    void sessionRoutesRefuseCoercedTypesDuplicateKeysAndOtherMediaTypes() throws Exception {
        HttpResponse<String> merchantNumber = post(first, "/v2/sessions", sessionBody("m1", 2500)
                .replace("\"merchant_id\":\"m1\"", "\"merchant_id\":123"), KEY, null);
        assertThat(merchantNumber.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(merchantNumber.body()).at("/error/meta/field").asText()).isEqualTo("merchant_id");

        HttpResponse<String> duplicate = post(first, "/v2/sessions", sessionBody("m1", 2500)
                .replace("{\"merchant_id\":\"m1\"", "{\"merchant_id\":\"m1\",\"merchant_id\":\"m-hook\""), KEY, null);
        assertThat(duplicate.statusCode()).as(duplicate.body()).isEqualTo(400);
        assertThat(duplicate.body()).contains("Duplicate field 'merchant_id'");

        HttpResponse<String> form = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.port() + "/v2/sessions"))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(sessionBody("m1", 2500))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        assertThat(JSON.readTree(form.body()).at("/error/code").asText()).isEqualTo("unsupported_media_type");

        String id = createSession("m1", null).get("id").asText();
        HttpResponse<String> reasonNumber = post(first, "/v2/sessions/" + id + "/partner-cancel", "{\"reason\":1}", KEY, null);
        assertThat(reasonNumber.statusCode()).as(reasonNumber.body()).isEqualTo(400);
        assertThat(JSON.readTree(reasonNumber.body()).at("/error/meta/field").asText()).isEqualTo("reason");

        HttpResponse<String> twoItems = post(first, "/v2/sessions", "{\"merchant_id\":\"m1\",\"cart\":{\"items\":["
                + "{\"name\":\"Yoga\",\"quantity\":2,\"unit_amount_minor\":1250},{\"name\":\"Mat\",\"quantity\":1,"
                + "\"unit_amount_minor\":0}],\"total_minor\":2500,\"currency\":\"JPY\"}}", KEY, null);
        assertThat(twoItems.statusCode()).as("a total that is the items' sum").isEqualTo(201);
    }

    /** Jetty answered these with its own HTML pages before any route ran. */
    @Test
    void requestsJettyRefusesAnswerInTheErrorShape() throws Exception {
        RawHttp.Answer garbled = RawHttp.exchange(first.port(), "GARBAGE\r\n\r\n");
        RawHttp.Answer longUri = RawHttp.exchange(first.port(), "GET /v2/sessions/" + "a".repeat(20_000)
                + " HTTP/1.1\r\nHost: x\r\n\r\n");
        RawHttp.Answer bigHeaders = RawHttp.exchange(first.port(), "GET /v2/sessions/x HTTP/1.1\r\nHost: x\r\nX-Big: "
                + "b".repeat(20_000) + "\r\n\r\n");

        assertThat(List.of(garbled, longUri, bigHeaders)).extracting(RawHttp.Answer::status).containsExactly(400, 414, 431);
        assertThat(List.of(garbled, longUri, bigHeaders)).allSatisfy(answer -> {
            assertThat(answer.contentType()).startsWith("application/json");
            JsonNode error = JSON.readTree(answer.body()).get("error");
            assertThat(error.get("code").asText()).isNotBlank();
            assertThat(error.get("message").asText()).isNotBlank();
            assertThat(error.get("meta").isObject()).isTrue();
        });
        assertThat(JSON.readTree(longUri.body()).at("/error/code").asText()).isEqualTo("uri_too_long");
        assertThat(JSON.readTree(bigHeaders.body()).at("/error/code").asText()).isEqualTo("headers_too_large");
    }

    /** Javalin checks only Content-Length: a chunked body used to be buffered whole (1 GiB bodies ran the heap out). */
    @Test
    void aChunkedBodyIsCutOffAtTheLimitWhileItStreams() throws Exception {
        ChunkedUpload.Answer answer = ChunkedUpload.post(first.port(), "/v2/sessions",
                Map.of("Authorization", "Bearer " + KEY, "Content-Type", "application/json"), 1L << 20);
        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(JSON.readTree(answer.body()).at("/error/code").asText()).isEqualTo("payload_too_large");
        assertThat(answer.beforeBodyEnded()).as("answered while the body was still streaming").isTrue();
    }

    @Test
    void partnerCancelChecksTheKeyBeforeReadingTheBody() throws Exception {
        String id = createSession("m1", null).get("id").asText();
        HttpResponse<String> noKey = post(first, "/v2/sessions/" + id + "/partner-cancel",
                "{\"reason\":\"" + "x".repeat(300_000) + "\"}", null, null);
        assertThat(noKey.statusCode()).as(noKey.body()).isEqualTo(401);
        ChunkedUpload.Answer chunked = ChunkedUpload.post(first.port(), "/v2/sessions/" + id + "/partner-cancel",
                Map.of("Content-Type", "application/json"), 1L << 20);
        assertThat(chunked.status()).isEqualTo(401);
        assertThat(chunked.beforeBodyEnded()).as("answered without reading the body").isTrue();
    }

    /** Metrics name every agency's merchants: they are on the management port, never on the public API. */
    @Test
    void metricsAndHealthAreOnTheManagementPortNotTheApi() throws Exception {
        for (String path : List.of("/metrics", "/health")) {
            HttpResponse<String> onApi = get(first, path, KEY);
            assertThat(onApi.statusCode()).as(path + " on the API port").isEqualTo(404);
            assertThat(JSON.readTree(onApi.body()).at("/error/code").asText()).isEqualTo("not_found");
        }
        try (ManagementServer management = ManagementServer.start("127.0.0.1", 0, firstMetrics, first::isReady)) {
            HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management.port()
                    + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("tollgate_api_waiting_requests");
            HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management.port()
                    + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.body()).contains("\"up\"");
        }
    }

    @Test
    void aSessionCreatedOnOneInstanceIsFoundOnTheOtherAtOnce() throws Exception {
        for (int i = 0; i < 20; i++) {
            String id = createSession("m1", null).get("id").asText();

            HttpResponse<String> read = get(second, "/v2/sessions/" + id, KEY);

            assertThat(read.statusCode()).as("read %d on the other instance: %s", i, read.body()).isEqualTo(200);
        }
    }

    @Test
    void aConfirmRightAfterTheHookWasSetElsewhereGoesThroughTheHook() throws Exception {
        for (int i = 0; i < 10; i++) {
            String merchant = "m-new-hook-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            putMerchant(merchant, null);
            String id = createSession(merchant, null).get("id").asText();
            workers.hookAnswers.put(merchant, HookOutcome.REJECTED);
            // the hook arrives through the merchant topic; the other instance confirms at once
            putMerchant(merchant, hook(FailMode.CLOSED, 300));

            HttpResponse<String> confirm = post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "confirm-new-hook");

            assertThat(confirm.statusCode()).as("the hook was asked (and said no), not skipped: %s", confirm.body())
                    .isEqualTo(409);
            assertThat(JSON.readTree(confirm.body()).at("/error/code").asText()).isEqualTo("pre_confirmation_rejected");
        }
    }

    @Test
    void aConfirmOnAnEndedSessionIsAnsweredFromItsStateAndAppendsNothing() throws Exception {
        workers.hookAnswers.put("m-hook", HookOutcome.REJECTED);
        String id = createSession("m-hook", null).get("id").asText();
        assertThat(post(first, "/v2/sessions/" + id + "/confirm", "{}", KEY, "first").statusCode()).isEqualTo(409);
        long commandsBefore = commandCount(id);

        for (int i = 0; i < 5; i++) {
            HttpResponse<String> again = post(second, "/v2/sessions/" + id + "/confirm", "{}", KEY, "new-key-" + i);
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(again.body()).at("/error/code").asText()).isEqualTo("session_failed");
        }

        assertThat(commandCount(id)).as("nothing appended for answers the state decides").isEqualTo(commandsBefore);
    }

    // ---- harness -------------------------------------------------------------------------------

    /** How many commands the session has on the command log. */
    static long commandCount(String sessionId) {
        Map<String, Object> config = new java.util.HashMap<>(kafka.consumer("count-commands", null));
        try (var consumer = new KafkaConsumer<>(config, topics.checkoutCommands().keySerde().deserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topics.checkoutCommands().name()).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long count = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (sessionId.equals(record.key())) {
                        count++;
                    }
                }
            }
            return count;
        }
    }

    static HookSnapshot hook(FailMode failMode, int timeoutMs) {
        return HookSnapshot.newBuilder().setVersion(1).setUrl("http://127.0.0.1:9/hook").setFailMode(failMode)
                .setTimeoutMs(timeoutMs).setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build();
    }

    static void putMerchant(String merchant, HookSnapshot hook) throws Exception {
        MerchantConfig config = MerchantConfig.newBuilder().setAgencyId(AGENCY).setMerchantId(merchant).setDisplayName(merchant)
                .setCreatedAt(Instant.now()).setUpdatedAt(Instant.now()).setVersion(1)
                .setHook(hook == null ? null : HookConfig.newBuilder().setSnapshot(hook).setSecrets(List.of()).build())
                .build();
        try (KafkaProducer<String, MerchantConfig> producer = new KafkaProducer<>(kafka.producer("test-merchants"),
                topics.merchants().keySerde().serializer(), topics.merchants().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.merchants().name(), AGENCY + "/" + merchant, config)).get();
        }
    }

    static String sessionBody(String merchant, long total) {
        return "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{\"id\":\"cls_1\",\"name\":\"Yoga 7am\",\"quantity\":1,"
                + "\"unit_amount_minor\":" + total + ",\"metadata\":{\"class_schedule_id\":\"cls_1\"}}],\"total_minor\":" + total
                + ",\"currency\":\"GBP\"},\"extensions\":{\"booking\":{\"class_schedule_id\":\"cls_1\"}}}";
    }

    static JsonNode createSession(String merchant, String key) throws Exception {
        HttpResponse<String> response = post(first, "/v2/sessions", sessionBody(merchant, 2500), KEY, key);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body());
    }

    static String status(String id) throws Exception {
        return JSON.readTree(get(first, "/v2/sessions/" + id, KEY).body()).get("status").asText();
    }

    static List<String> orderTypes(String id) {
        synchronized (orders) {
            return orders.stream().filter(o -> o.getSessionId().equals(id)).map(OrderEvent::getType).toList();
        }
    }

    static HttpResponse<String> post(OrchestratorService service, String path, String body, String bearer, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(OrchestratorService service, String path, String bearer) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.port() + path))
                .header("Authorization", "Bearer " + bearer).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Plays the hook-caller and the payment worker by writing the commands they would write. */
    static final class PlayedWorkers implements AutoCloseable {
        final Map<String, HookOutcome> hookAnswers = new ConcurrentHashMap<>();
        final Map<String, Integer> paymentRequested = new ConcurrentHashMap<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final CommandLog<CheckoutCommand> commands = new CommandLog<>(topics.checkoutCommands(), kafka.producer("played-workers"));
        Thread thread;

        PlayedWorkers start() {
            thread = new Thread(this::run, "played-workers");
            thread.start();
            return this;
        }

        int paymentRequests(String sessionId) {
            return paymentRequested.getOrDefault(sessionId, 0);
        }

        void pay(String sessionId) {
            report(sessionId, "m", PaymentSucceededReported.newBuilder().setPaymentIntentId("pi_" + sessionId)
                    .setStripeEventId("evt_" + sessionId).setAmountReceivedMinor(2500).build());
        }

        void run() {
            Map<String, Object> config = kafka.consumer("played-workers-" + UUID.randomUUID(), "played-" + UUID.randomUUID());
            try (var events = new KafkaConsumer<>(config, topics.checkoutEvents().keySerde().deserializer(),
                    topics.checkoutEvents().valueSerde().deserializer());
                 var orderConsumer = new KafkaConsumer<>(kafka.consumer("played-orders", "played-orders-" + UUID.randomUUID()),
                         topics.orderEvents().keySerde().deserializer(), topics.orderEvents().valueSerde().deserializer())) {
                events.subscribe(List.of(topics.checkoutEvents().name()));
                orderConsumer.subscribe(List.of(topics.orderEvents().name()));
                while (running.get()) {
                    for (var record : events.poll(Duration.ofMillis(20))) {
                        react(record.value());
                    }
                    for (var record : orderConsumer.poll(Duration.ofMillis(1))) {
                        orders.add(record.value());
                    }
                }
            }
        }

        void react(CheckoutEvent event) {
            if (event.getPayload() instanceof CheckoutCommitted committed && committed.getHook() != null) {
                HookOutcome outcome = hookAnswers.get(event.getMerchantId());
                if (outcome == null) {
                    return;
                }
                HookDecision decision = HookDecision.newBuilder().setOutcome(outcome)
                        .setReason(outcome == HookOutcome.REJECTED ? "class_full" : outcome == HookOutcome.UNAVAILABLE ? "timeout" : null)
                        .setMessage(outcome == HookOutcome.REJECTED ? "That class is full" : null)
                        .setHttpStatus(200).setDurationMs(12).setTimedOut(outcome == HookOutcome.UNAVAILABLE).build();
                report(event.getSessionId(), event.getMerchantId(), HookDecisionReported.newBuilder().setAttempt(committed.getAttempt())
                        .setWebhookId("msg_" + event.getSessionId()).setDecision(decision).build());
            } else if (event.getPayload() instanceof PaymentRequested) {
                paymentRequested.merge(event.getSessionId(), 1, Integer::sum);
                String pi = "pi_" + event.getSessionId();
                report(event.getSessionId(), event.getMerchantId(), PaymentIntentReported.newBuilder().setPaymentIntentId(pi)
                        .setClientSecret(secrets.seal(pi + "_secret_x", SealedFor.clientSecret(event.getSessionId())))
                        .setStatus("requires_payment_method").build());
            }
        }

        void report(String sessionId, String merchant, Object payload) {
            commands.append(sessionId, CheckoutCommand.newBuilder().setCommandId("played_" + UUID.randomUUID())
                    .setSessionId(sessionId).setAgencyId(AGENCY).setMerchantId(merchant).setIssuedAt(Instant.now())
                    .setActor("played-worker").setPayload(payload).build());
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            commands.close();
        }
    }
}
