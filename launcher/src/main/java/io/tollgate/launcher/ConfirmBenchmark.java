package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.hook.HookClient;
import io.tollgate.hook.HookClientSettings;
import io.tollgate.hook.HookGuardSettings;
import io.tollgate.hook.HookGuards;
import io.tollgate.hook.HookMetrics;
import io.tollgate.hook.HookRequest;
import io.tollgate.hook.MerchantKey;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The confirm path under load, open loop: checkouts (create, then a blocking confirm through a real
 * signed hook call, an approval and a Stripe PaymentIntent) start on a fixed schedule whatever the
 * answers do, so a slow system is not flattered by sending less (no coordinated omission). Latency
 * counts from the scheduled start. The baselines are measured in the same run on the same broker
 * and machine: a plain Kafka hop and a bare call to the same hook, so the ratios say what Tollgate
 * adds on top of the parts it cannot avoid.
 */
final class ConfirmBenchmark {
    /** What to run: the rate in checkouts per second, the warm-up and the measured time. */
    record Plan(int ratePerSecond, Duration warmup, Duration duration) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MERCHANT = "bench-studio";

    private final TollgateStack stack;
    private final SampleCapacityHook hook;
    private final PrintWriter out;
    private final ExecutorService callers = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "bench-caller");
        t.setDaemon(true);
        return t;
    });
    private final PartnerApi partner;
    private String hookSecret;

    ConfirmBenchmark(TollgateStack stack, String partnerKey, SampleCapacityHook hook, PrintWriter out) {
        this.stack = stack;
        this.partner = new PartnerApi(stack.apiUrl().orElseThrow(), partnerKey,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).executor(callers).build());
        this.hook = hook;
        this.out = out;
    }

    /** Runs the baselines and the load; returns the number of checkouts that did not end in 200. */
    long run(Plan plan) throws Exception {
        registerMerchant();
        out.printf("baselines (same run, same broker): %n");
        Histogram kafkaHop = kafkaHop(2_000);
        Histogram hookCall = hookCall(1_000);
        print("kafka plain hop (produce -> consume)", kafkaHop);
        print("hook call (hook-caller's client, no Kafka)", hookCall);

        out.printf("warm-up: %d checkouts/s for %d s%n", plan.ratePerSecond(), plan.warmup().toSeconds());
        out.flush();
        load(plan.ratePerSecond(), plan.warmup());
        out.printf("measured: %d checkouts/s for %d s%n", plan.ratePerSecond(), plan.duration().toSeconds());
        out.flush();
        Load measured = load(plan.ratePerSecond(), plan.duration());
        print("confirm (POST .../confirm -> 200)", measured.confirm());
        print("checkout (create + confirm, from schedule)", measured.checkout());
        out.println("  where a confirm's time went (from the session's timeline):");
        Stages stages = stagesOf(measured.answered());
        print("  commit -> decision reported (fold, hook)", stages.toDecision());
        print("  decision -> intent reported (fold, Stripe)", stages.toPaymentIntent());
        print("  intent reported -> answer (fold, view)", stages.toAnswer());
        out.printf("  confirms answered (status=count, 0 = failed before an answer): %s; completed %.1f/s%n",
                measured.answers(), measured.checkout().getTotalCount() / (double) plan.duration().toSeconds());
        out.println("ratios (confirm / baseline):");
        ratio("p50", measured.confirm(), kafkaHop, hookCall, 50);
        ratio("p99", measured.confirm(), kafkaHop, hookCall, 99);
        out.printf("  orchestration overhead (confirm - hook call): p50 %.1f ms, p99 %.1f ms%n",
                ms(measured.confirm().getValueAtPercentile(50) - hookCall.getValueAtPercentile(50)),
                ms(measured.confirm().getValueAtPercentile(99) - hookCall.getValueAtPercentile(99)));
        out.flush();
        return measured.errors();
    }

    /**
     * Where a confirm's time went, from the session's timeline (each entry's time is when its command
     * was issued; one JVM, one clock): commit to the hook-caller's report (fold pass, journal read,
     * hook call), to the payment worker's report (fold pass, journal read, Stripe call), and from
     * there to the answer (fold pass, state topic, the API's view).
     */
    private record Stages(Histogram toDecision, Histogram toPaymentIntent, Histogram toAnswer) {
        Stages() {
            this(new ConcurrentHistogram(3), new ConcurrentHistogram(3), new ConcurrentHistogram(3));
        }
    }

    /** A confirm answered 200: the session, and when the answer came. */
    private record Answered(String sessionId, Instant at) {
    }

    /**
     * @param answers how many confirms answered each status (0 = no answer: an exception)
     * @param answered the confirms answered 200, whose timelines are read once the load is over
     */
    private record Load(Histogram confirm, Histogram checkout, Map<Integer, Long> answers, Queue<Answered> answered) {
        long errors() {
            return answers.entrySet().stream().filter(e -> e.getKey() != 200).mapToLong(Map.Entry::getValue).sum();
        }
    }

    private Load load(int rate, Duration duration) throws Exception {
        Histogram confirm = new ConcurrentHistogram(3);
        Histogram checkout = new ConcurrentHistogram(3);
        Map<Integer, Long> answers = new ConcurrentSkipListMap<>();
        Queue<Answered> answered = new ConcurrentLinkedQueue<>();
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        for (long scheduled = start; scheduled < end; scheduled += intervalNanos) {
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            started.add(checkout(scheduled, confirm, checkout, answers, answered));
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        return new Load(confirm, checkout, answers, answered);
    }

    private CompletableFuture<Void> checkout(long intended, Histogram confirm, Histogram checkout, Map<Integer, Long> answers,
            Queue<Answered> answered) {
        String body = "{\"merchant_id\":\"" + MERCHANT + "\",\"cart\":{\"items\":[{\"id\":\"slot\",\"name\":\"Slot\",\"quantity\":1,"
                + "\"unit_amount_minor\":1500}],\"total_minor\":1500,\"currency\":\"GBP\"}}";
        return partner.sendAsync("POST", "/v2/sessions", body, UUID.randomUUID().toString())
                .thenCompose(created -> {
                    if (created.statusCode() != 201) {
                        throw new IllegalStateException("create answered " + created.statusCode());
                    }
                    String id = read(created.body()).path("id").asText();
                    long confirmStart = System.nanoTime();
                    return partner.sendAsync("POST", "/v2/sessions/" + id + "/confirm", "{}", "confirm-" + id)
                            .thenAccept(answer -> {
                                long now = System.nanoTime();
                                answers.merge(answer.statusCode(), 1L, Long::sum);
                                if (answer.statusCode() == 200) {
                                    confirm.recordValue(now - confirmStart);
                                    checkout.recordValue(now - intended);
                                    answered.add(new Answered(id, Instant.now()));
                                }
                            });
                })
                .exceptionally(e -> {
                    answers.merge(0, 1L, Long::sum);
                    return null;
                });
    }

    /** Read after the load, so that reading the timelines adds nothing to what is measured. */
    private Stages stagesOf(Queue<Answered> answered) throws Exception {
        Stages stages = new Stages();
        for (Answered a : answered) {
            recordStages(read(partner.send("GET", "/v2/sessions/" + a.sessionId(), null, null).body()), a.at(), stages);
        }
        return stages;
    }

    private static void recordStages(JsonNode session, Instant answeredAt, Stages stages) {
        Map<String, Instant> at = new HashMap<>();
        for (JsonNode entry : session.path("timeline")) {
            at.putIfAbsent(entry.path("type").asText(), Instant.parse(entry.path("at").asText()));
        }
        Instant committed = at.get("CheckoutCommitted");
        Instant decided = at.get("HookDecided");
        Instant created = at.get("PaymentIntentCreated");
        if (committed == null || decided == null || created == null) {
            return;
        }
        stages.toDecision().recordValue(Math.max(0, Duration.between(committed, decided).toNanos()));
        stages.toPaymentIntent().recordValue(Math.max(0, Duration.between(decided, created).toNanos()));
        stages.toAnswer().recordValue(Math.max(0, Duration.between(created, answeredAt).toNanos()));
    }

    private void registerMerchant() throws Exception {
        hookSecret = partner.registerMerchant(DemoScenarios.AGENCY, MERCHANT, hook.url("/approve"), "closed", 2000, "sync");
        hook.trust(MERCHANT, hookSecret);
    }

    /** One record at a time through a fresh single-partition topic: the floor of any Kafka hop here. */
    private Histogram kafkaHop(int messages) throws Exception {
        String topic = "bench.hop." + UUID.randomUUID();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        Histogram hop = new Histogram(3);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(stack.kafka().producer("bench-hop"),
                new ByteArraySerializer(), new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(stack.kafka().consumer("bench-hop", null),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            consumer.position(partition);
            byte[] value = new byte[300];
            for (int i = 0; i < messages; i++) {
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(topic, value));
                int received = 0;
                while (received == 0) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                    received = records.count();
                }
                // the first hundred only warm the path up
                if (i >= 100) {
                    hop.recordValue(System.nanoTime() - sent);
                }
            }
        }
        return hop;
    }

    /**
     * The same hook called directly by the hook-caller's own client (signing, SSRF checks, OkHttp) but
     * without Kafka: the part of a confirm that belongs to the merchant and the network.
     */
    private Histogram hookCall(int calls) throws Exception {
        Histogram call = new Histogram(3);
        HookMetrics metrics = new HookMetrics(new SimpleMeterRegistry());
        HookSnapshot snapshot = HookSnapshot.newBuilder().setVersion(1).setUrl(hook.url("/approve"))
                .setFailMode(FailMode.CLOSED).setTimeoutMs(2000).setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build();
        try (HookClient client = new HookClient(HookClientSettings.defaults().withDevMode(true),
                new HookGuards(HookGuardSettings.defaults(), metrics), metrics, Clock.systemUTC())) {
            for (int i = 0; i < calls; i++) {
                long started = System.nanoTime();
                HookDecision decision = client.call(HookRequest.testCall("bench_" + i, new MerchantKey(DemoScenarios.AGENCY, MERCHANT)),
                        snapshot, List.of(hookSecret), Instant.now().plusSeconds(5)).get(10, TimeUnit.SECONDS);
                if (decision.getOutcome() != HookOutcome.APPROVED) {
                    throw new IllegalStateException("the bench hook did not approve: " + decision);
                }
                if (i >= 100) {
                    call.recordValue(System.nanoTime() - started);
                }
            }
        }
        return call;
    }

    private void ratio(String percentileName, Histogram confirm, Histogram kafkaHop, Histogram hookCall, double percentile) {
        double c = confirm.getValueAtPercentile(percentile);
        out.printf("  %s: confirm %.1f ms = %.1fx the kafka hop (%.2f ms), %.1fx the hook call (%.2f ms)%n", percentileName,
                ms(c), c / kafkaHop.getValueAtPercentile(percentile), ms(kafkaHop.getValueAtPercentile(percentile)),
                c / hookCall.getValueAtPercentile(percentile), ms(hookCall.getValueAtPercentile(percentile)));
    }

    private void print(String what, Histogram h) {
        out.printf("  %-44s n=%-6d p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  max %8.2f ms%n", what, h.getTotalCount(),
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getMaxValue()));
        out.flush();
    }

    private static double ms(double nanos) {
        return nanos / 1_000_000.0;
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    void close() {
        callers.shutdownNow();
    }
}
