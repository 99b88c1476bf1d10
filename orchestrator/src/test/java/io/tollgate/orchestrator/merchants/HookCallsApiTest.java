package io.tollgate.orchestrator.merchants;

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
import io.tollgate.common.merchants.HookTester;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.OrchestratorService;
import io.tollgate.orchestrator.merchants.PartnerClient.Reply;
import io.tollgate.schema.Cart;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hook-call routes of the orchestrator over real HTTP on the shared broker. The hook-caller's
 * part is played: its test caller by {@link PlayedTester}, its call log by records this test
 * appends to merchants.hook-calls.v1. Real test calls to a real hook are tested with both services
 * in the launcher's HookCallsEndToEndTest.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HookCallsApiTest {
    static final String ACME_KEY = "tg_test_acme_hook_calls";
    static final String GLOBEX_KEY = "tg_test_globex_hook_calls";
    static final String HOOK_URL = "http://127.0.0.1:9/hooks/pre-confirm";
    static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    private final PlayedTester tester = new PlayedTester();
    private Topics topics;
    private OrchestratorService orchestrator;
    private KafkaProducer<String, HookCall> callLog;
    private PartnerClient acme;
    private PartnerClient globex;

    @BeforeAll
    void start() throws Exception {
        String prefix = SharedKafka.uniqueName("hook-calls-api");
        TollgateConfig config = TollgateConfig.builder().devMode(true).bootstrapServers(SharedKafka.bootstrapServers())
                .addDevPartnerKey("acme", ACME_KEY).addDevPartnerKey("globex", GLOBEX_KEY)
                .port(0).managementPort(0).partitions(2).applicationIdPrefix(prefix).commitIntervalMs(10).build();
        topics = new Topics(new InMemorySchemaRegistry(), 2, prefix + ".");
        try (var admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
        orchestrator = new OrchestratorService(config, topics, kafka,
                new SecretBox(Base64.getDecoder().decode(SecretBox.newMasterKeyBase64())),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List.of(), tester, null);
        int port = orchestrator.start();
        callLog = new KafkaProducer<>(kafka.producer(prefix + "-call-log"), topics.hookCalls().keySerde().serializer(),
                topics.hookCalls().valueSerde().serializer());
        acme = new PartnerClient(path -> URI.create("http://127.0.0.1:" + port + path), "Bearer " + ACME_KEY);
        globex = new PartnerClient(path -> URI.create("http://127.0.0.1:" + port + path), "Bearer " + GLOBEX_KEY);
    }

    @AfterAll
    void stop() {
        callLog.close();
        orchestrator.close();
    }

    // ---- POST …/pre-confirmation/test -----------------------------------------------------------

    @Test
    void aTestAnswersWhatTheCallCameToAndIsSignedWithTheHooksSecret() {
        String m = merchant();
        String secret = putHook(m);
        tester.decision = HookDecision.newBuilder().setOutcome(HookOutcome.REJECTED).setReason("class_full")
                .setMessage("That class is full").setHttpStatus(409).setDurationMs(42).build();
        tester.problems = List.of("a problem");

        Reply reply = acme.post(test(m), null, null);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(fieldNames(reply.json())).containsExactly("webhook_id", "url", "http_status", "latency_ms", "outcome",
                "parsed", "reason", "message", "problems");
        assertThat(reply.text("/webhook_id")).isEqualTo("msg_" + m);
        assertThat(reply.text("/url")).isEqualTo(HOOK_URL);
        assertThat(reply.json().get("http_status").asInt()).isEqualTo(409);
        assertThat(reply.json().get("latency_ms").asLong()).isEqualTo(42);
        assertThat(reply.text("/outcome")).isEqualTo("rejected");
        assertThat(reply.json().get("parsed").asBoolean()).isTrue();
        assertThat(reply.text("/reason")).isEqualTo("class_full");
        assertThat(reply.text("/message")).isEqualTo("That class is full");
        assertThat(reply.json().get("problems")).extracting(JsonNode::asText).containsExactly("a problem");

        PlayedTester.Asked asked = tester.askedFor(m).get(0);
        assertThat(asked.agency()).isEqualTo("acme");
        assertThat(asked.hook().getUrl()).isEqualTo(HOOK_URL);
        assertThat(asked.secrets()).containsExactly(secret);
        assertThat(asked.cart()).as("no body: the tester sends its sample").isNull();
    }

    /** The query is stored sealed and shown redacted; the call itself goes to the URL the merchant gave. */
    @Test
    void aTestCallGoesToTheUrlWithItsQueryInClear() {
        String m = merchant();
        assertThat(acme.put(merchantPath(m), null, "{\"display_name\":\"Studio\"}").status()).isEqualTo(200);
        Reply put = acme.put(merchantPath(m) + "/pre-confirmation", "hook-q-" + m,
                "{\"url\":\"" + HOOK_URL + "?token=tk_live_0123&region=eu\",\"fail_mode\":\"closed\"}");
        assertThat(put.text("/url")).isEqualTo(HOOK_URL + "?token=redacted&region=redacted");
        tester.decision = HookDecision.newBuilder().setOutcome(HookOutcome.APPROVED).setHttpStatus(200).setDurationMs(5).build();
        tester.problems = List.of();

        assertThat(acme.post(test(m), null, null).status()).isEqualTo(200);

        assertThat(tester.askedFor(m).get(0).hook().getUrl()).isEqualTo(HOOK_URL + "?token=tk_live_0123&region=eu");
    }

    @Test
    void anUnavailableHookIsAnAnswerNotAnError() {
        String m = merchant();
        putHook(m);
        tester.decision = HookDecision.newBuilder().setOutcome(HookOutcome.UNAVAILABLE).setReason("connection_refused")
                .setDurationMs(3).build();

        Reply reply = acme.post(test(m), null, "{}");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text("/outcome")).isEqualTo("unavailable");
        assertThat(reply.json().get("parsed").asBoolean()).isFalse();
        assertThat(reply.json().get("http_status").isNull()).isTrue();
        assertThat(reply.text("/reason")).isEqualTo("connection_refused");
    }

    @Test
    void aCartInTheBodyIsValidatedLikeASessionCartAndSent() {
        String m = merchant();
        putHook(m);

        Reply sent = acme.post(test(m), null, "{\"cart\":{\"items\":[{\"id\":\"cls_1\",\"name\":\"Yoga 7am\",\"quantity\":2,"
                + "\"unit_amount_minor\":1250,\"metadata\":{\"class_schedule_id\":\"cls_1\"}}],\"total_minor\":2500,"
                + "\"currency\":\"GBP\"}}");
        Reply badCurrency = acme.post(test(m), null,
                "{\"cart\":{\"items\":[{\"name\":\"Yoga\",\"quantity\":1,\"unit_amount_minor\":1}],\"total_minor\":1,"
                        + "\"currency\":\"gbp\"}}");
        Reply unknownField = acme.post(test(m), null, "{\"carts\":{}}");
        Reply tooLarge = acme.post(test(m), null, "{\"cart\":{\"items\":[{\"name\":\"" + "x".repeat(70 * 1024) + "\"}]}}");

        assertThat(sent.status()).as(sent.toString()).isEqualTo(200);
        Cart cart = tester.askedFor(m).get(0).cart();
        assertThat(cart.getTotalMinor()).isEqualTo(2500);
        assertThat(cart.getItems().get(0).getMetadata()).containsEntry("class_schedule_id", "cls_1");
        assertThat(badCurrency.status()).isEqualTo(400);
        assertThat(badCurrency.text("/error/meta/field")).isEqualTo("cart.currency");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.text("/error/meta/field")).isEqualTo("carts");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tester.askedFor(m)).hasSize(1);
    }

    @Test
    void oneTestAtATimePerMerchant() throws Exception {
        String m = merchant();
        String other = merchant();
        putHook(m);
        putHook(other);
        CompletableFuture<Void> release = tester.hold();

        CompletableFuture<Reply> first = acme.postAsync(test(m), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> tester.askedFor(m).size() == 1);
        Reply second = acme.post(test(m), null, null);
        tester.release();
        Reply otherMerchant = acme.post(test(other), null, null);
        release.complete(null);

        assertThat(second.status()).isEqualTo(429);
        assertThat(second.errorCode()).isEqualTo("test_in_progress");
        assertThat(otherMerchant.status()).isEqualTo(200);
        assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        assertThat(acme.post(test(m), null, null).status()).isEqualTo(200);
        assertThat(tester.askedFor(m)).hasSize(2);
    }

    @Test
    void aFewTestsPerMinuteAndNoMore() {
        String m = merchant();
        putHook(m);

        for (int i = 0; i < HookCallsApi.Settings.defaults().testsPerMinute(); i++) {
            assertThat(acme.post(test(m), null, null).status()).isEqualTo(200);
        }
        Reply limited = acme.post(test(m), null, null);

        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.errorCode()).isEqualTo("test_rate_limited");
        assertThat(limited.json().at("/error/meta/retry_after_seconds").asLong()).isBetween(1L, 60L);
        assertThat(tester.askedFor(m)).hasSize(HookCallsApi.Settings.defaults().testsPerMinute());
    }

    // ---- who may ask ----------------------------------------------------------------------------

    @Test
    void anotherAgencysKeyFindsNeitherRouteAndNothingIsCalled() {
        String m = merchant();
        putHook(m);

        Reply test = globex.post(test(m), null, null);
        Reply calls = globex.get(calls(m));
        Reply ownAgencyPath = globex.post("/v2/agencies/globex/merchants/" + m + "/pre-confirmation/test", null, null);

        assertThat(test.status()).isEqualTo(404);
        assertThat(calls.status()).isEqualTo(404);
        assertThat(ownAgencyPath.status()).as("globex has no merchant of that id").isEqualTo(404);
        assertThat(tester.askedFor(m)).isEmpty();
    }

    @Test
    void aMerchantWithoutAHookIs404HookNotFound() {
        String m = merchant();
        assertThat(acme.put(merchantPath(m), null, "{\"display_name\":\"No hook\"}").status()).isEqualTo(200);

        Reply test = acme.post(test(m), null, null);
        Reply calls = acme.get(calls(m));
        Reply unknown = acme.get(calls("nobody_" + m));

        assertThat(test.status()).isEqualTo(404);
        assertThat(test.errorCode()).isEqualTo("hook_not_found");
        assertThat(calls.status()).isEqualTo(404);
        assertThat(calls.errorCode()).isEqualTo("hook_not_found");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("not_found");
        assertThat(tester.askedFor(m)).isEmpty();
    }

    // ---- GET …/pre-confirmation/calls -----------------------------------------------------------

    @Test
    void callsAreListedNewestFirstWithTheirOutcome() throws Exception {
        String m = merchant();
        putHook(m);
        append("acme", m, call(m, "sess_a", 1, false, T0, HookOutcome.APPROVED, null, 200, 35));
        append("acme", m, call(m, "sess_b", 2, false, T0.plusSeconds(20), HookOutcome.UNAVAILABLE, "timeout", null, 5000));
        // finished after sess_b but started before it
        append("acme", m, call(m, "test_1", 0, true, T0.plusSeconds(10), HookOutcome.REJECTED, "class_full", 409, 12));
        // the same merchant id under another agency is another merchant
        append("globex", m, call(m, "sess_globex", 1, false, T0.plusSeconds(30), HookOutcome.APPROVED, null, 200, 1));

        await().atMost(Duration.ofSeconds(10)).until(() -> acme.get(calls(m)).json().get("data").size() == 3);
        Reply all = acme.get(calls(m));
        Reply two = acme.get(calls(m) + "?limit=2");

        assertThat(all.json().get("data")).extracting(c -> c.get("session_id").asText())
                .containsExactly("sess_b", "test_1", "sess_a");
        assertThat(all.json().get("has_more").asBoolean()).isFalse();
        JsonNode timedOut = all.json().get("data").get(0);
        assertThat(fieldNames(timedOut)).containsExactly("webhook_id", "session_id", "attempt", "test", "called_at",
                "outcome", "reason", "http_status", "latency_ms", "timed_out", "problems");
        assertThat(timedOut.get("webhook_id").asText()).isEqualTo("msg_sess_b");
        assertThat(timedOut.get("attempt").asInt()).isEqualTo(2);
        assertThat(timedOut.get("test").asBoolean()).isFalse();
        assertThat(timedOut.get("called_at").asText()).isEqualTo(T0.plusSeconds(20).toString());
        assertThat(timedOut.get("outcome").asText()).isEqualTo("unavailable");
        assertThat(timedOut.get("reason").asText()).isEqualTo("timeout");
        assertThat(timedOut.get("http_status").isNull()).isTrue();
        assertThat(timedOut.get("latency_ms").asLong()).isEqualTo(5000);
        assertThat(timedOut.get("timed_out").asBoolean()).isTrue();
        JsonNode test = all.json().get("data").get(1);
        assertThat(test.get("test").asBoolean()).isTrue();
        assertThat(test.get("attempt").asInt()).isZero();
        assertThat(test.get("http_status").asInt()).isEqualTo(409);

        assertThat(two.json().get("data")).extracting(c -> c.get("session_id").asText()).containsExactly("sess_b", "test_1");
        assertThat(two.json().get("has_more").asBoolean()).isTrue();
    }

    @Test
    void aHookNeverCalledHasAnEmptyList() {
        String m = merchant();
        putHook(m);

        Reply reply = acme.get(calls(m));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().get("data")).isEmpty();
        assertThat(reply.json().get("has_more").asBoolean()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "101", "-1", "ten", "2.5", ""})
    void aLimitOutsideOneToAHundredIs400(String limit) {
        String m = merchant();
        putHook(m);

        Reply reply = acme.get(calls(m) + "?limit=" + limit);

        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("invalid_request");
        assertThat(reply.text("/error/meta/field")).isEqualTo("limit");
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** Plays the hook-caller's test caller: answers as told, remembers what it was asked. */
    static final class PlayedTester implements HookTester {
        record Asked(String agency, String merchant, HookSnapshot hook, List<String> secrets, Cart cart) {
        }

        final List<Asked> asked = new CopyOnWriteArrayList<>();
        volatile HookDecision decision = HookDecision.newBuilder().setOutcome(HookOutcome.APPROVED).setHttpStatus(200)
                .setDurationMs(10).build();
        volatile List<String> problems = List.of();
        private volatile CompletableFuture<Void> held;

        /** Answers from now on only once the returned future completes. */
        CompletableFuture<Void> hold() {
            held = new CompletableFuture<>();
            return held;
        }

        /** Later tests answer at once again; those already held wait for their release. */
        void release() {
            held = null;
        }

        List<Asked> askedFor(String merchant) {
            return asked.stream().filter(a -> a.merchant().equals(merchant)).toList();
        }

        @Override
        public CompletableFuture<HookCall> test(String agencyId, String merchantId, HookSnapshot hook,
                List<String> signingSecrets, Cart cart) {
            asked.add(new Asked(agencyId, merchantId, hook, signingSecrets, cart));
            HookCall call = HookCall.newBuilder().setCallId("msg_" + merchantId).setAgencyId(agencyId)
                    .setMerchantId(merchantId).setSessionId("test_" + merchantId).setAttempt(0).setTest(true)
                    .setCalledAt(Instant.now()).setUrl(hook.getUrl()).setHookVersion(hook.getVersion())
                    .setDecision(decision).setProblems(problems).build();
            CompletableFuture<Void> gate = held;
            return gate == null ? CompletableFuture.completedFuture(call) : gate.thenApply(v -> call);
        }
    }

    private String putHook(String m) {
        Reply merchant = acme.put(merchantPath(m), null, "{\"display_name\":\"Studio " + m + "\"}");
        assertThat(merchant.status()).as(merchant.toString()).isEqualTo(200);
        Reply hook = acme.put(merchantPath(m) + "/pre-confirmation", "hook-" + m,
                "{\"url\":\"" + HOOK_URL + "\",\"fail_mode\":\"closed\",\"timeout_ms\":2000}");
        assertThat(hook.status()).as(hook.toString()).isEqualTo(200);
        return hook.text("/secret");
    }

    private void append(String agency, String merchant, HookCall call) throws Exception {
        call.setAgencyId(agency);
        callLog.send(new ProducerRecord<>(topics.hookCalls().name(), MerchantDirectory.key(agency, merchant), call)).get();
    }

    private static HookCall call(String merchant, String sessionId, int attempt, boolean test, Instant at,
            HookOutcome outcome, String reason, Integer status, long latencyMs) {
        return HookCall.newBuilder().setCallId("msg_" + sessionId).setAgencyId("acme").setMerchantId(merchant)
                .setSessionId(sessionId).setAttempt(attempt).setTest(test).setCalledAt(at).setUrl(HOOK_URL).setHookVersion(2)
                .setDecision(HookDecision.newBuilder().setOutcome(outcome).setReason(reason).setHttpStatus(status)
                        .setDurationMs(latencyMs).setTimedOut("timeout".equals(reason)).build())
                .setProblems(new ArrayList<>())
                .build();
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String merchant() {
        return "m_" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String merchantPath(String m) {
        return "/v2/agencies/acme/merchants/" + m;
    }

    private static String test(String m) {
        return merchantPath(m) + "/pre-confirmation/test";
    }

    private static String calls(String m) {
        return merchantPath(m) + "/pre-confirmation/calls";
    }
}
