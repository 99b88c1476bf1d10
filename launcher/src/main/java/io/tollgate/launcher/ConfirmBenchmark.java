package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.hook.HookClient;
import io.tollgate.hook.HookClientSettings;
import io.tollgate.hook.HookGuardSettings;
import io.tollgate.hook.HookGuards;
import io.tollgate.hook.HookMetrics;
import io.tollgate.payment.StripeGatewayConfig;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookSnapshot;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
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
 * The confirm path under load, against a baseline measured in the same run on the same machine: the
 * same checkout done inline ({@link InlineCheckout}: the same hook called by the same client, the same
 * Stripe stand-in by the same gateway, inside the request, no Kafka). For each cell of rates and hook
 * latencies it runs the baseline, then Tollgate, at the same open-loop rate, and reports latency
 * percentiles, the overhead (Tollgate minus baseline) and their ratio, and the CPU each checkout cost
 * the whole box. A closed-loop run finds the checkouts per second each sustains at saturation.
 */
final class ConfirmBenchmark {
    /** One load: checkouts started per second, and how long the merchant's hook takes to answer. */
    record Cell(int rate, int hookLatencyMs) {
        @Override
        public String toString() {
            return rate + "/s, hook " + hookLatencyMs + " ms";
        }
    }

    /**
     * @param warmup before the first cell, both paths (the JIT is still compiling after a minute on 2 cores)
     * @param cellWarmup before each measured run, at its rate
     * @param saturationShoppers closed-loop shoppers for the saturation run; 0 skips it
     */
    record Plan(List<Cell> cells, Duration warmup, Duration cellWarmup, Duration duration, int saturationShoppers,
            int merchants, boolean baseline) {
    }

    /** One cell's two measured runs. */
    private record Measured(Cell cell, CheckoutLoad.Result inline, CheckoutLoad.Result tollgate, Stages stages) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MERCHANT = "bench-studio";
    private static final int HOOK_TIMEOUT_MS = 2000;

    private final TollgateStack stack;
    private final SampleCapacityHook hook;
    private final PrintWriter out;
    private final PartnerApi partner;
    private final CheckoutLoad load;
    private final String partnerKey;
    private final StripeGatewayConfig stripe;
    private final int stripeThreads;

    ConfirmBenchmark(TollgateStack stack, String partnerKey, SampleCapacityHook hook, StripeGatewayConfig stripe, int stripeThreads,
            PrintWriter out) throws Exception {
        this.load = new CheckoutLoad();
        this.stack = stack;
        this.partnerKey = partnerKey;
        this.partner = new PartnerApi(stack.apiUrl().orElseThrow(), partnerKey,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        this.hook = hook;
        this.stripe = stripe;
        this.stripeThreads = stripeThreads;
        this.out = out;
    }

    /** Runs the plan; returns how many checkouts did not end in 200 in the measured runs. */
    long run(Plan plan) throws Exception {
        Set<Integer> latencies = new LinkedHashSet<>();
        plan.cells().forEach(c -> latencies.add(c.hookLatencyMs()));
        Map<String, InlineCheckout.Merchant> inlineMerchants = new HashMap<>();
        for (int latency : latencies) {
            for (int m = 0; m < plan.merchants(); m++) {
                String merchant = merchant(latency, m);
                String secret = partner.registerMerchant(DemoScenarios.AGENCY, merchant, hookUrl(latency), "closed", HOOK_TIMEOUT_MS,
                        "sync");
                hook.trust(merchant, secret);
                inlineMerchants.put(merchant, new InlineCheckout.Merchant(HookSnapshot.newBuilder().setVersion(1)
                        .setUrl(hookUrl(latency)).setFailMode(FailMode.CLOSED).setTimeoutMs(HOOK_TIMEOUT_MS)
                        .setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build(), secret));
            }
        }
        HookMetrics hookMetrics = new HookMetrics(new SimpleMeterRegistry());
        try (HookClient hookClient = new HookClient(HookClientSettings.defaults().withDevMode(true),
                new HookGuards(HookGuardSettings.defaults(), hookMetrics), hookMetrics, Clock.systemUTC());
             InlineCheckout inline = new InlineCheckout(hookClient, stripe, stripeThreads, inlineMerchants)) {
            CheckoutLoad.Target tollgate = new CheckoutLoad.Target(stack.apiUrl().orElseThrow(), "/v2/sessions", partnerKey);
            CheckoutLoad.Target baseline = new CheckoutLoad.Target(inline.url(), "/inline/sessions", null);

            Histogram hop = kafkaHop(2_000);
            out.printf("kafka plain hop on the same broker (produce -> consume, one at a time): p50 %.2f ms, p99 %.2f ms%n",
                    ms(hop.getValueAtPercentile(50)), ms(hop.getValueAtPercentile(99)));
            Cell first = plan.cells().get(0);
            if (!plan.warmup().isZero()) {
                out.printf("warm-up: %s, %d s each path%n", first, plan.warmup().toSeconds());
                out.flush();
                if (plan.baseline()) {
                    load.openLoop(baseline, first.rate(), plan.warmup(), n -> merchant(first.hookLatencyMs(), n % plan.merchants()));
                }
                load.openLoop(tollgate, first.rate(), plan.warmup(), n -> merchant(first.hookLatencyMs(), n % plan.merchants()));
            }
            List<Measured> results = new ArrayList<>();
            long errors = 0;
            for (Cell cell : plan.cells()) {
                out.printf("%n== %s: %d s warm-up, %d s measured, each path%n", cell, plan.cellWarmup().toSeconds(),
                        plan.duration().toSeconds());
                out.flush();
                CheckoutLoad.Result inlineResult = plan.baseline() ? measure(baseline, cell, plan) : null;
                if (inlineResult != null) {
                    print("inline baseline", inlineResult);
                }
                CheckoutLoad.Result tollgateResult = measure(tollgate, cell, plan);
                print("tollgate", tollgateResult);
                Stages stages = stagesOf(tollgateResult);
                stages.print(out);
                Measured measured = new Measured(cell, inlineResult, tollgateResult, stages);
                if (inlineResult != null) {
                    printOverhead(measured);
                    results.add(measured);
                } else if (tollgateResult.errors() > 0) {
                    errors += tollgateResult.errors();
                }
            }
            if (plan.saturationShoppers() > 0) {
                Cell cell = plan.cells().get(0);
                out.printf("%n== saturation: %d shoppers in a closed loop, hook %d ms, %d s each path%n", plan.saturationShoppers(),
                        cell.hookLatencyMs(), plan.duration().toSeconds());
                out.flush();
                CheckoutLoad.Result inlineMax = null;
                if (plan.baseline()) {
                    inlineMax = load.closedLoop(baseline, plan.saturationShoppers(), plan.duration(),
                            n -> merchant(cell.hookLatencyMs(), n % plan.merchants()));
                    print("inline baseline", inlineMax);
                }
                CheckoutLoad.Result tollgateMax = load.closedLoop(tollgate, plan.saturationShoppers(), plan.duration(),
                        n -> merchant(cell.hookLatencyMs(), n % plan.merchants()));
                print("tollgate", tollgateMax);
                if (inlineMax != null) {
                    out.printf("  checkouts/s at saturation: tollgate %.0f, inline %.0f (%.0f %%)%n", tollgateMax.perSecond(),
                            inlineMax.perSecond(), 100 * tollgateMax.perSecond() / inlineMax.perSecond());
                } else {
                    out.printf("  checkouts/s at saturation: tollgate %.0f%n", tollgateMax.perSecond());
                }
            }
            if (!results.isEmpty()) {
                printTable(results);
            }
            return errors + results.stream().mapToLong(m -> m.inline().errors() + m.tollgate().errors()).sum();
        }
    }

    private CheckoutLoad.Result measure(CheckoutLoad.Target target, Cell cell, Plan plan) throws Exception {
        if (!plan.cellWarmup().isZero()) {
            load.openLoop(target, cell.rate(), plan.cellWarmup(), n -> merchant(cell.hookLatencyMs(), n % plan.merchants()));
        }
        return load.openLoop(target, cell.rate(), plan.duration(), n -> merchant(cell.hookLatencyMs(), n % plan.merchants()));
    }

    private String hookUrl(int latencyMs) {
        return hook.url(latencyMs == 0 ? "/approve" : "/approve/" + latencyMs);
    }

    private static String merchant(int hookLatencyMs, int n) {
        return MERCHANT + "-h" + hookLatencyMs + "-" + n;
    }

    private void print(String what, CheckoutLoad.Result r) {
        Histogram h = r.confirm();
        out.printf("  %-16s confirm p50 %7.1f  p99 %7.1f  p99.9 %7.1f  max %7.1f ms | %6.0f checkouts/s, %5.2f CPU ms each"
                        + " | answers %s%n", what, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), r.perSecond(), r.cpuMillisPerCheckout(), r.answers());
        out.flush();
    }

    private void printOverhead(Measured m) {
        out.printf("  overhead (tollgate - inline): p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms; ratio at p99 %.2fx; CPU %.2fx%n",
                overhead(m, 50), overhead(m, 99), overhead(m, 99.9), ratio(m, 99),
                m.tollgate().cpuMillisPerCheckout() / m.inline().cpuMillisPerCheckout());
        out.flush();
    }

    private static double overhead(Measured m, double percentile) {
        return ms(m.tollgate().confirm().getValueAtPercentile(percentile) - m.inline().confirm().getValueAtPercentile(percentile));
    }

    private static double ratio(Measured m, double percentile) {
        return (double) m.tollgate().confirm().getValueAtPercentile(percentile) / m.inline().confirm().getValueAtPercentile(percentile);
    }

    private void printTable(List<Measured> results) {
        out.println();
        out.println("| load | hook | inline p50 / p99 / p99.9 | tollgate p50 / p99 / p99.9 | overhead p50 / p99 / p99.9 | p99 ratio "
                + "| CPU ms per checkout (inline / tollgate) | errors |");
        out.println("|---|---|---|---|---|---|---|---|");
        for (Measured m : results) {
            Histogram i = m.inline().confirm();
            Histogram t = m.tollgate().confirm();
            out.printf("| %d/s | %d ms | %.1f / %.1f / %.1f ms | %.1f / %.1f / %.1f ms | %.1f / %.1f / %.1f ms | %.2fx | %.2f / %.2f | %d |%n",
                    m.cell().rate(), m.cell().hookLatencyMs(),
                    ms(i.getValueAtPercentile(50)), ms(i.getValueAtPercentile(99)), ms(i.getValueAtPercentile(99.9)),
                    ms(t.getValueAtPercentile(50)), ms(t.getValueAtPercentile(99)), ms(t.getValueAtPercentile(99.9)),
                    overhead(m, 50), overhead(m, 99), overhead(m, 99.9), ratio(m, 99),
                    m.inline().cpuMillisPerCheckout(), m.tollgate().cpuMillisPerCheckout(),
                    m.inline().errors() + m.tollgate().errors());
        }
        out.flush();
    }

    /**
     * Where a confirm's time went, from the session's timeline (each entry's time is when its command
     * was issued; one JVM, one clock): commit to the hook-caller's report (fold pass, journal read,
     * hook call), to the payment worker's report (fold pass, journal read, Stripe call), and from
     * there to the answer (fold pass, state topic, the API). Read after the load, from a sample.
     */
    private record Stages(Histogram toDecision, Histogram toPaymentIntent, Histogram toAnswer) {
        Stages() {
            this(new ConcurrentHistogram(3), new ConcurrentHistogram(3), new ConcurrentHistogram(3));
        }

        void print(PrintWriter out) {
            out.printf("  tollgate stages p50 / p99: commit -> decision %.1f / %.1f, decision -> intent %.1f / %.1f, "
                            + "intent -> answer %.1f / %.1f ms%n",
                    ms(toDecision.getValueAtPercentile(50)), ms(toDecision.getValueAtPercentile(99)),
                    ms(toPaymentIntent.getValueAtPercentile(50)), ms(toPaymentIntent.getValueAtPercentile(99)),
                    ms(toAnswer.getValueAtPercentile(50)), ms(toAnswer.getValueAtPercentile(99)));
        }
    }

    private Stages stagesOf(CheckoutLoad.Result result) throws Exception {
        Stages stages = new Stages();
        int sampled = 0;
        for (CheckoutLoad.Answered a : result.answered()) {
            if (sampled++ >= 500) {
                break;
            }
            JsonNode session = JSON.readTree(partner.send("GET", "/v2/sessions/" + a.sessionId(), null, null).body());
            Map<String, Instant> at = new LinkedHashMap<>();
            for (JsonNode entry : session.path("timeline")) {
                at.putIfAbsent(entry.path("type").asText(), Instant.parse(entry.path("at").asText()));
            }
            Instant committed = at.get("CheckoutCommitted");
            Instant decided = at.get("HookDecided");
            Instant created = at.get("PaymentIntentCreated");
            if (committed == null || decided == null || created == null) {
                continue;
            }
            stages.toDecision().recordValue(Math.max(0, Duration.between(committed, decided).toNanos()));
            stages.toPaymentIntent().recordValue(Math.max(0, Duration.between(decided, created).toNanos()));
            stages.toAnswer().recordValue(Math.max(0, (a.answeredAtMillis() - created.toEpochMilli()) * 1_000_000));
        }
        return stages;
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

    private static double ms(double nanos) {
        return nanos / 1_000_000.0;
    }

    void close() {
        load.close();
    }
}
