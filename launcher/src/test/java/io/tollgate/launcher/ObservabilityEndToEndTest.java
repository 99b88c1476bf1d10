package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.interop.NodeScripts;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.launcher.EndToEndStack.Reply;
import io.tollgate.launcher.RecordingMerchantHook.Received;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.RequestConfirm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What an operator sees of a checkout, with every service wired as {@code tollgate up} wires them on a
 * real broker: a W3C {@code traceparent} sent with the confirm reaches the merchant's hook (a real HTTP
 * server), Stripe (the stand-in) and every command and event of the checkout; the management port's
 * {@code /metrics} holds the meters the dashboard queries and reads as Prometheus text to an
 * independent parser; the JSON log carries the checkout's fields and no secret.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObservabilityEndToEndTest {
    private static final String AGENCY = EndToEndStack.AGENCY;
    /** The trace id of the specification's example, sent by "the shop" with its requests. */
    private static final String SHOP_TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final String SHOP_PARENT = "b7ad6b7169203331";

    private final String partnerKey = e2e.key(AGENCY);
    @RegisterExtension
    static final EndToEndStack e2e = new EndToEndStack("observability-e2e", AGENCY);

    @Test
    void theShopsTraceReachesTheHookStripeAndEveryCommandAndEventOfTheCheckout() throws Exception {
        String merchant = merchantWithHook();
        String session = createSession(merchant, shopTraceparent());

        Reply confirm = confirm(session, shopTraceparent());

        assertThat(confirm.status()).as(confirm.json().toString()).isEqualTo(200);
        Received call = e2e.hooks().receivedBy(merchant).get(0);
        TraceContext atHook = TraceContext.parse(call.traceparent()).orElseThrow();
        assertThat(atHook.traceId()).isEqualTo(SHOP_TRACE);
        assertThat(atHook.parentId()).as("the hook-caller's own hop").isNotEqualTo(SHOP_PARENT);

        // the API's command, the hook-caller's report, the payment worker's report: all in the shop's trace
        List<ConsumerRecord<String, CheckoutCommand>> commands = await().atMost(Duration.ofSeconds(20))
                .until(() -> read(e2e.stack().topics().checkoutCommands(), session),
                        c -> payloads(c).containsAll(Set.of("CreateSession", "RequestConfirm", "HookDecisionReported",
                                "PaymentIntentReported")));
        for (ConsumerRecord<String, CheckoutCommand> command : commands) {
            if (Set.of("CreateSession", "RequestConfirm", "HookDecisionReported", "PaymentIntentReported")
                    .contains(command.value().getPayload().getClass().getSimpleName())) {
                assertThat(command.value().getTraceId()).as(command.value().getPayload().getClass().getSimpleName())
                        .isEqualTo(SHOP_TRACE);
                assertThat(trace(command.headers().lastHeader(TraceContext.HEADER)).traceId()).isEqualTo(SHOP_TRACE);
            }
        }
        CheckoutCommand reported = commands.stream().map(ConsumerRecord::value)
                .filter(c -> c.getPayload() instanceof HookDecisionReported).findFirst().orElseThrow();
        assertThat(reported.getTraceId()).isEqualTo(atHook.traceId());
        assertThat(commands).filteredOn(c -> c.value().getPayload() instanceof RequestConfirm).singleElement()
                .satisfies(c -> assertThat(trace(c.headers().lastHeader(TraceContext.HEADER)).parentId())
                        .as("the API's own hop").isNotEqualTo(SHOP_PARENT));
        assertThat(commands).filteredOn(c -> c.value().getPayload() instanceof PaymentIntentReported).isNotEmpty();

        // the fold copied each command's traceparent onto what it caused
        List<ConsumerRecord<String, CheckoutEvent>> events = await().atMost(Duration.ofSeconds(20))
                .until(() -> read(e2e.stack().topics().checkoutEvents(), session),
                        e -> payloads(e).containsAll(Set.of("CheckoutCommitted", "PaymentRequested", "PaymentIntentCreated")));
        assertThat(events).allSatisfy(e -> assertThat(trace(e.headers().lastHeader(TraceContext.HEADER)).traceId())
                .as(e.value().getPayload().getClass().getSimpleName()).isEqualTo(SHOP_TRACE));

        // and the payment worker sent it to Stripe, as its own hop
        List<RecordedRequest> stripe = e2e.stack().stripeStandIn().orElseThrow().requests().stream()
                .filter(r -> session.equals(r.params().get("metadata[session_id]"))).toList();
        assertThat(stripe).isNotEmpty().allSatisfy(r -> {
            TraceContext atStripe = TraceContext.parse(r.traceparent()).orElseThrow();
            assertThat(atStripe.traceId()).isEqualTo(SHOP_TRACE);
            assertThat(atStripe.parentId()).isNotIn(SHOP_PARENT, atHook.parentId());
        });
    }

    @Test
    void anInvalidTraceparentIsIgnoredAndTheCheckoutGetsATraceOfItsOwn() throws Exception {
        String merchant = merchantWithHook();
        String invalid = "00-" + "0".repeat(32) + "-" + SHOP_PARENT + "-01";
        String session = createSession(merchant, invalid);

        Reply confirm = confirm(session, invalid);

        assertThat(confirm.status()).as(confirm.json().toString()).isEqualTo(200);
        TraceContext atHook = TraceContext.parse(e2e.hooks().receivedBy(merchant).get(0).traceparent()).orElseThrow();
        assertThat(atHook.traceId()).isNotEqualTo("0".repeat(32)).isNotEqualTo(SHOP_TRACE);
        List<ConsumerRecord<String, CheckoutCommand>> commands = await().atMost(Duration.ofSeconds(20))
                .until(() -> read(e2e.stack().topics().checkoutCommands(), session), c -> payloads(c).contains("HookDecisionReported"));
        CheckoutCommand requestConfirm = commands.stream().map(ConsumerRecord::value)
                .filter(c -> c.getPayload() instanceof RequestConfirm).findFirst().orElseThrow();
        assertThat(requestConfirm.getTraceId()).isEqualTo(atHook.traceId());
    }

    @Test
    void metricsHoldWhatTheDashboardQueriesAndReadAsPrometheusTextToAnIndependentParser() throws Exception {
        String merchant = merchantWithHook();
        String session = createSession(merchant, null);
        assertThat(confirm(session, null).status()).isEqualTo(200);
        String metricsUrl = e2e.stack().managementUrl() + "/metrics";

        // the consumer groups' lag is read every few seconds, once a group has committed
        String text = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> EndToEndStack.get(metricsUrl), t -> t.contains("tollgate_consumer_group_lag{group=\""
                        + e2e.applicationIdPrefix() + "-hook-caller\"")
                        && t.contains("tollgate_consumer_group_lag{group=\"" + e2e.applicationIdPrefix() + "-orchestrator\""));

        assertThat(text).contains(
                // confirm latency: SLO buckets, by outcome
                "tollgate_api_confirm_duration_seconds_bucket{outcome=\"approved\",le=\"0.25\"}",
                "tollgate_api_confirm_duration_seconds_bucket{outcome=\"approved\",le=\"2.5\"}",
                // HTTP server metrics by route template, not by path
                "uri=\"/v2/sessions/{id}/confirm\"", "uri=\"/v2/sessions\"",
                // the Kafka clients, the Streams app, the JVM
                "kafka_producer_record_send_total{client_id=\"hook-caller-", "kafka_consumer_fetch_manager_records_lag_max{client_id=",
                "kafka_stream_thread_", "jvm_memory_used_bytes{area=\"heap\"", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
                "process_uptime_seconds", "system_cpu_count");
        assertThat(text).doesNotContain("uri=\"/v2/sessions/" + session);

        JsonNode parsed = NodeScripts.run(Duration.ofSeconds(60), "prometheus-text.mjs", metricsUrl).json();
        assertThat(parsed.get("problems")).as(parsed.get("problems").toString()).isEmpty();
        Map<String, String> types = new java.util.HashMap<>();
        parsed.get("families").forEach(f -> types.put(f.get("name").asText(), f.get("type").asText()));
        parsed.get("families").forEach(f -> assertThat(f.get("help").asText())
                .as("HELP of %s", f.get("name")).satisfiesAnyOf(help -> assertThat(help).isNotBlank(),
                        help -> assertThat(f.get("name").asText()).doesNotStartWith("tollgate_")));
        assertThat(types).containsEntry("tollgate_api_confirm_duration_seconds", "HISTOGRAM")
                .containsEntry("jetty_server_requests_seconds", "SUMMARY")
                .containsEntry("tollgate_consumer_group_lag", "GAUGE");

        // every metric the dashboard queries is served (those counting what did not happen here appear once it does)
        Set<String> onlyOnceItHappens = Set.of("tollgate_hook_fail_open_total", "tollgate_fold_rejections_total",
                "tollgate_fold_dead_letters_total", "tollgate_payment_actions_failed_for_good_total", "jvm_gc_pause_seconds_sum");
        Set<String> served = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                served.add(line.replaceFirst("[{ ].*", ""));
            }
        }
        Set<String> missing = new TreeSet<>(GrafanaDashboardTest.metricNames(GrafanaDashboardTest.DASHBOARD));
        missing.removeAll(served);
        missing.removeAll(onlyOnceItHappens);
        assertThat(missing).as("queried by the dashboard, not served").isEmpty();
    }

    @Test
    void jsonLogLinesOfACheckoutCarryItsFieldsAFormattedMessageAndNoSecret() throws Exception {
        String merchant = merchantWithHook();
        String session;
        String text;
        List<JsonNode> lines;
        Reply confirm;
        try (CapturedLog captured = CapturedLog.start("json", "DEBUG")) {
            session = createSession(merchant, shopTraceparent());
            confirm = confirm(session, shopTraceparent());
            await().atMost(Duration.ofSeconds(20)).until(() -> captured.text().contains("payment intent ready"));
            text = captured.text();
            lines = captured.jsonLines();
        }
        assertThat(confirm.status()).isEqualTo(200);

        List<JsonNode> traced = lines.stream().filter(l -> SHOP_TRACE.equals(l.path("trace_id").asText(null))).toList();
        assertThat(traced).as("lines in the shop's trace").isNotEmpty();
        assertThat(traced).anySatisfy(l -> assertThat(l.get("logger_name").asText()).endsWith("HookClient"));
        assertThat(traced).anySatisfy(l -> assertThat(l.get("logger_name").asText()).endsWith("StripeGateway"));
        // the API knows the session from the path (not yet while it creates one); the workers know the whole checkout
        assertThat(traced).allSatisfy(l -> assertThat(l.path("session_id").asText(session)).as(l.toString()).isEqualTo(session));
        assertThat(traced).filteredOn(l -> l.get("logger_name").asText().matches(".*(HookClient|StripeGateway)"))
                .allSatisfy(l -> {
                    assertThat(l.path("session_id").asText(null)).as(l.toString()).isEqualTo(session);
                    assertThat(l.path("agency_id").asText(null)).as(l.toString()).isEqualTo(AGENCY);
                    assertThat(l.path("merchant_id").asText(null)).as(l.toString()).isEqualTo(merchant);
                });
        assertThat(lines).filteredOn(l -> l.get("logger_name").asText().startsWith("io.tollgate"))
                .allSatisfy(l -> assertThat(l.get("message").asText()).as("formatted").doesNotContain("{}"));

        String clientSecret = confirm.json().at("/payment_intent/client_secret").asText();
        assertThat(clientSecret).contains("_secret_");
        assertThat(text).doesNotContain(partnerKey).doesNotContain(clientSecret).doesNotContain(TollgateStack.STAND_IN_KEY);
        e2e.hookSecrets().forEach(secret -> assertThat(text).doesNotContain(secret).doesNotContain(secret.substring("whsec_".length())));
    }

    // ---- harness -------------------------------------------------------------------------------

    private static String shopTraceparent() {
        return "00-" + SHOP_TRACE + "-" + SHOP_PARENT + "-01";
    }

    private static TraceContext trace(Header header) {
        assertThat(header).as("a traceparent header").isNotNull();
        return TraceContext.parse(new String(header.value(), StandardCharsets.UTF_8)).orElseThrow();
    }

    private static <V> Set<String> payloads(List<ConsumerRecord<String, V>> records) {
        Set<String> types = new TreeSet<>();
        for (ConsumerRecord<String, V> record : records) {
            Object value = record.value();
            types.add((value instanceof CheckoutCommand c ? c.getPayload() : ((CheckoutEvent) value).getPayload())
                    .getClass().getSimpleName());
        }
        return types;
    }

    /** Every record of the topic under the session's key, headers included. */
    private <V> List<ConsumerRecord<String, V>> read(Topic<String, V> topic, String session) {
        List<ConsumerRecord<String, V>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(e2e.stack().kafka().consumer("obs-e2e-" + UUID.randomUUID(), null),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (session.equals(r.key()) && r.value() != null) {
                        V value = topic.valueSerde().deserializer().deserialize(r.topic(), r.value());
                        found.add(new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                                r.serializedKeySize(), r.serializedValueSize(), r.key(), value, r.headers(), r.leaderEpoch()));
                    }
                }
            }
        }
        return found;
    }

    private String merchantWithHook() {
        return e2e.merchantWithHook(partnerKey, e2e.hooks().url("/approve"));
    }

    private String createSession(String merchant, String traceparent) {
        Reply session = send("POST", "/v2/sessions", "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{"
                + "\"name\":\"Spin 6pm\",\"quantity\":1,\"unit_amount_minor\":2500}],\"total_minor\":2500,\"currency\":\"GBP\"}}",
                null, traceparent);
        assertThat(session.status()).as(session.json().toString()).isEqualTo(201);
        return session.json().get("id").asText();
    }

    private Reply confirm(String session, String traceparent) {
        return send("POST", "/v2/sessions/" + session + "/confirm", "{}", "confirm-" + session, traceparent);
    }

    private Reply send(String method, String path, String body, String idempotencyKey, String traceparent) {
        Map<String, String> headers = new java.util.HashMap<>();
        if (idempotencyKey != null) {
            headers.put("Idempotency-Key", idempotencyKey);
        }
        if (traceparent != null) {
            headers.put(TraceContext.HEADER, traceparent);
        }
        return e2e.sendWithHeaders(partnerKey, method, path, body, headers);
    }
}
