package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.hook.HookCallerService;
import io.tollgate.hook.HookGuardSettings;
import io.tollgate.orchestrator.OrchestratorService;
import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.orchestrator.checkout.EventChain;
import io.tollgate.payment.PaymentWorkerService;
import io.tollgate.payment.StripeGatewayConfig;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The confirm path's bet, tested on a real broker with every service: the hook-caller, the payment
 * worker and the API act on what the fold writes before its transaction commits. Here the
 * transaction holding a whole checkout is aborted on purpose — fenced as a zombie would be, by a
 * producer taking over its transactional id — after the shopper has been answered. The fold then
 * folds the same commands again and writes the same events; nothing happens twice and the answer
 * the shopper got stands.
 */
@ExtendWith(SharedKafka.class)
class AbortedFoldTransactionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String AGENCY = "acme";
    /** Long enough that a checkout happens inside one transaction; below the Streams transaction timeout (10 s). */
    private static final long COMMIT_INTERVAL_MS = 8_000;

    private final String partnerKey = KeysNewCommand.newKey();
    private String prefix;
    private Topics topics;
    private KafkaClients kafka;
    private StripeStandIn stripe;
    private RecordingMerchantHook hook;
    private OrchestratorService orchestrator;
    private HookCallerService hookCaller;
    private PaymentWorkerService paymentWorker;
    private PartnerApi partner;

    @BeforeEach
    void start() throws Exception {
        prefix = SharedKafka.uniqueName("aborted-txn");
        // one partition: every command is folded by one task, in one transaction at a time
        topics = new Topics(new InMemorySchemaRegistry(), 1, prefix + ".");
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        kafka = new KafkaClients(SharedKafka.bootstrapServers());
        SecretBox secrets = new SecretBox(new byte[32]);
        stripe = StripeStandIn.start();
        hook = new RecordingMerchantHook();
        TollgateConfig config = TollgateConfig.builder().devMode(true).bootstrapServers(SharedKafka.bootstrapServers())
                .addDevPartnerKey(AGENCY, partnerKey).port(0).managementPort(0).partitions(1).applicationIdPrefix(prefix)
                .commitIntervalMs(COMMIT_INTERVAL_MS).build();
        hookCaller = new HookCallerService(new HookCallerService.Settings(prefix + "-hook-caller", true, 100,
                HookGuardSettings.defaults()), topics, kafka, secrets, new SimpleMeterRegistry()).start();
        paymentWorker = new PaymentWorkerService(new PaymentWorkerService.Settings(prefix + "-payment-worker",
                StripeGatewayConfig.of("sk_test_aborted", stripe.apiBase()), 4), topics, kafka, secrets, new SimpleMeterRegistry())
                .start();
        orchestrator = new OrchestratorService(config, topics, kafka, secrets, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        partner = new PartnerApi("http://127.0.0.1:" + orchestrator.start(), partnerKey, HTTP);
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {orchestrator, paymentWorker, hookCaller, hook, stripe}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Test
    void aCheckoutAnsweredFromATransactionThatAbortsIsFoldedAgainIdenticallyAndNothingHappensTwice() throws Exception {
        String merchant = "studio-" + UUID.randomUUID().toString().substring(0, 8);
        send("PUT", "/v2/agencies/" + AGENCY + "/merchants/" + merchant, "{\"display_name\":\"Studio\"}", null);
        JsonNode hookSet = send("PUT", "/v2/agencies/" + AGENCY + "/merchants/" + merchant + "/pre-confirmation",
                "{\"url\":\"" + hook.url("/approve") + "\",\"fail_mode\":\"closed\",\"timeout_ms\":3000}", UUID.randomUUID().toString());
        hook.trust(merchant, hookSet.get("secret").asText());

        // a checkout answered while the transaction holding it is still open (a commit may fall in between on a
        // slow machine: then the next session is used)
        String session = null;
        JsonNode answer = null;
        for (int tries = 0; tries < 3 && session == null; tries++) {
            String id = send("POST", "/v2/sessions", cart(merchant), UUID.randomUUID().toString()).get("id").asText();
            JsonNode confirmed = send("POST", "/v2/sessions/" + id + "/confirm", "{}", "confirm-" + id);
            if (committedJournal(id).isEmpty()) {
                session = id;
                answer = confirmed;
            }
        }
        assertThat(session).as("a checkout answered before its fold transaction committed").isNotNull();
        assertThat(answer.get("status").asText()).isEqualTo("awaiting_payment");
        String paymentIntent = answer.at("/payment_intent/id").asText();
        assertThat(hook.receivedBy(merchant)).hasSize(1);

        fenceTheFold();
        // the fold learns it was fenced on its next write: any command
        send("POST", "/v2/sessions", cart(merchant), UUID.randomUUID().toString());

        String s = session;
        // the aborted copy and the new one: the workers saw every event of the checkout twice
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Map<String, Integer> copies = countById(uncommittedJournal(s));
            return !copies.isEmpty() && copies.values().stream().allMatch(n -> n == 2);
        });
        await().atMost(Duration.ofSeconds(60)).until(() -> !committedJournal(s).isEmpty());
        List<CheckoutEvent> journal = committedJournal(s);
        assertThat(journal).extracting(CheckoutEvent::getSeq).as("each event once, in order").containsExactly(
                java.util.stream.LongStream.rangeClosed(1, journal.size()).boxed().toArray(Long[]::new));
        assertThat(EventChain.verify(journal)).isTrue();
        assertThat(countById(uncommittedJournal(s)).keySet()).as("written again identically")
                .containsExactlyInAnyOrderElementsOf(journal.stream().map(CheckoutEvent::getEventId).toList());

        assertThat(hook.receivedBy(merchant).stream().filter(r -> r.sessionId().equals(s)))
                .as("one hook call: the caller knew the event again").hasSize(1);
        assertThat(stripe.requests().stream().filter(r -> r.path().equals("/v1/payment_intents")
                && ("tollgate_" + s + "_pi").equals(r.idempotencyKey()) && !r.replayed()))
                .as("one PaymentIntent created").hasSize(1);
        JsonNode now = send("GET", "/v2/sessions/" + s, null, null);
        assertThat(now.at("/payment_intent/id").asText()).as("the answer given before the abort stands").isEqualTo(paymentIntent);

        CheckoutReplay replay = new CheckoutReplay();
        read(topics.checkoutCommands().name(), "read_committed", topics.checkoutCommands().valueSerde().deserializer())
                .forEach(r -> replay.fold(r.key(), (CheckoutCommand) r.value()));
        List<OrderEvent> orders = new ArrayList<>();
        read(topics.orderEvents().name(), "read_committed", topics.orderEvents().valueSerde().deserializer())
                .stream().filter(r -> s.equals(r.key())).forEach(r -> orders.add((OrderEvent) r.value()));
        SessionState state = null;
        for (ConsumerRecord<String, Object> r : read(topics.sessionState().name(), "read_committed",
                topics.sessionState().valueSerde().deserializer())) {
            if (s.equals(r.key())) {
                state = (SessionState) r.value();
            }
        }
        CheckoutReplay.Report report = replay.compare(Map.of(s, journal), Map.of(s, orders), Map.of(s, state));
        assertThat(report.differences()).as("folding the command log again reproduces what was committed").isEmpty();
    }

    /** Takes over the fold's transactional id, as a new instance would a zombie's: its open transaction is aborted. */
    private void fenceTheFold() throws Exception {
        String transactionalId;
        try (Admin admin = SharedKafka.admin()) {
            transactionalId = admin.listTransactions().all().get().stream()
                    .filter(t -> t.transactionalId().startsWith(prefix + "-orchestrator") && t.state() == TransactionState.ONGOING)
                    .map(TransactionListing::transactionalId).findFirst()
                    .orElseThrow(() -> new AssertionError("the fold has no open transaction"));
        }
        Properties props = new Properties();
        props.putAll(kafka.producer("fencer"));
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        try (KafkaProducer<byte[], byte[]> fencer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            fencer.initTransactions();
        }
    }

    private List<CheckoutEvent> committedJournal(String session) {
        return journal(session, "read_committed");
    }

    private List<CheckoutEvent> uncommittedJournal(String session) {
        return journal(session, "read_uncommitted");
    }

    private List<CheckoutEvent> journal(String session, String isolation) {
        List<CheckoutEvent> events = new ArrayList<>();
        read(topics.checkoutEvents().name(), isolation, topics.checkoutEvents().valueSerde().deserializer())
                .stream().filter(r -> session.equals(r.key())).forEach(r -> events.add((CheckoutEvent) r.value()));
        return events;
    }

    private static Map<String, Integer> countById(List<CheckoutEvent> events) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        events.forEach(e -> counts.merge(e.getEventId(), 1, Integer::sum));
        return counts;
    }

    /** Everything the topic holds now, as a reader of that isolation level sees it. */
    private List<ConsumerRecord<String, Object>> read(String topic, String isolation,
            org.apache.kafka.common.serialization.Deserializer<?> values) {
        Map<String, Object> config = new HashMap<>(kafka.consumer("aborted-txn-reader", null));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        @SuppressWarnings("unchecked")
        org.apache.kafka.common.serialization.Deserializer<Object> deserializer =
                (org.apache.kafka.common.serialization.Deserializer<Object>) values;
        List<ConsumerRecord<String, Object>> records = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(config,
                new org.apache.kafka.common.serialization.StringDeserializer(), deserializer)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static String cart(String merchant) {
        return "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{\"id\":\"yoga\",\"name\":\"Yoga\",\"quantity\":1,"
                + "\"unit_amount_minor\":1500}],\"total_minor\":1500,\"currency\":\"GBP\"}}";
    }

    private JsonNode send(String method, String path, String body, String idempotencyKey) throws Exception {
        HttpResponse<String> response = partner.send(method, path, body, idempotencyKey);
        assertThat(response.statusCode()).as(method + " " + path + ": " + response.body()).isBetween(200, 201);
        return JSON.readTree(response.body());
    }
}
