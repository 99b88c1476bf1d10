package io.tollgate.launcher;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.MasterKeys;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.orchestrator.OrchestratorService;
import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.LineItem;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * Sessions at scale: N sessions created through the fold (CreateSession commands appended to the
 * command log, as the API would), then one of two orchestrator instances restarted. Reports what
 * the heap holds before and after (no component keeps sessions in memory, so it should not grow
 * with N), how long the restart took, and the latency of session reads on the instance that stayed
 * up, before and during the restart.
 */
final class SessionsAtScale {
    private static final String MERCHANT = "scale-studio";

    private final TollgateStack stack;
    private final TollgateConfig config;
    private final Path dataDir;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String partnerKey;

    SessionsAtScale(TollgateStack stack, TollgateConfig config, String partnerKey, Path dataDir, PrintWriter out) {
        this.stack = stack;
        this.config = config;
        this.partnerKey = partnerKey;
        this.dataDir = dataDir;
        this.out = out;
    }

    /** Returns the number of failed reads while the restart ran. */
    long run(int sessions) throws Exception {
        SecretBox secrets = MasterKeys.secretBox(config);
        try (OrchestratorService stays = orchestrator("a", secrets)) {
            int port = stays.start();
            OrchestratorService restarted = orchestrator("b", secrets);
            try {
                restarted.start();
                String api = "http://127.0.0.1:" + port;
                PartnerApi partner = new PartnerApi(api, partnerKey, http);
                require(partner.send("PUT", "/v2/agencies/" + DemoScenarios.AGENCY + "/merchants/" + MERCHANT,
                        "{\"display_name\":\"Scale\"}", null));
                long heapBefore = heapAfterGc();
                long started = System.nanoTime();
                append(sessions);
                awaitFolded();
                double seconds = (System.nanoTime() - started) / 1e9;
                long heapAfter = heapAfterGc();
                out.printf("%d sessions created through the fold in %.0f s (%.0f/s); heap after GC: %d MB before, %d MB after (%+d MB)%n",
                        sessions, seconds, sessions / seconds, heapBefore >> 20, heapAfter >> 20, (heapAfter - heapBefore) >> 20);
                out.flush();

                Histogram before = reads(api, sessions, Duration.ofSeconds(10));
                AtomicBoolean restarting = new AtomicBoolean(true);
                Histogram during = new ConcurrentHistogram(3);
                CompletableFuture<Long> failures = CompletableFuture.supplyAsync(() -> readWhile(api, sessions, restarting, during));
                long t0 = System.nanoTime();
                restarted.close();
                double closeSeconds = (System.nanoTime() - t0) / 1e9;
                restarted = orchestrator("b", secrets);
                long t1 = System.nanoTime();
                restarted.start();
                double startSeconds = (System.nanoTime() - t1) / 1e9;
                restarting.set(false);
                long failed = failures.get(1, TimeUnit.MINUTES);
                long heapRestarted = heapAfterGc();
                out.printf("restart of one of two orchestrators: closed in %.1f s, started again in %.1f s, heap after GC %d MB%n",
                        closeSeconds, startSeconds, heapRestarted >> 20);
                out.printf("session reads on the other instance: before p50 %.1f / p99 %.1f ms; during the restart p50 %.1f / p99 %.1f"
                        + " / max %.1f ms, %d reads, %d failed%n", ms(before.getValueAtPercentile(50)), ms(before.getValueAtPercentile(99)),
                        ms(during.getValueAtPercentile(50)), ms(during.getValueAtPercentile(99)), ms(during.getMaxValue()),
                        during.getTotalCount(), failed);
                out.flush();
                return failed;
            } finally {
                restarted.close();
            }
        }
    }

    /** Each instance keeps its fold's store in a directory of its own, kept across its restart. */
    private OrchestratorService orchestrator(String name, SecretBox secrets) {
        TollgateConfig own = config.toBuilder().dataDir(dataDir.resolve(name)).port(0).build();
        return new OrchestratorService(own, stack.topics(), stack.kafka(), secrets, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private void append(int sessions) throws Exception {
        Map<String, Object> producer = stack.kafka().producer("scale-sessions");
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        Cart cart = Cart.newBuilder().setTotalMinor(1500).setCurrency("GBP").setItems(List.of(LineItem.newBuilder()
                .setId("slot").setName("Slot").setQuantity(1).setUnitAmountMinor(1500).build())).build();
        try (CommandLog<CheckoutCommand> commands = new CommandLog<>(stack.topics().checkoutCommands(), producer)) {
            CompletableFuture<?> last = CompletableFuture.completedFuture(null);
            Instant now = Instant.now();
            for (int i = 0; i < sessions; i++) {
                String id = sessionId(i);
                last = commands.append(id, CheckoutCommand.newBuilder().setCommandId("scale_" + i).setSessionId(id)
                        .setAgencyId(DemoScenarios.AGENCY).setMerchantId(MERCHANT).setIssuedAt(now).setActor("bench").setTraceId(null)
                        .setPayload(CreateSession.newBuilder().setRequestHash("scale").setCart(cart)
                                .setExpiresAt(now.plus(config.sessionTtl())).setMaxAttempts(config.maxAttempts()).build())
                        .build());
            }
            last.get(5, TimeUnit.MINUTES);
        }
    }

    /** Until the fold's consumer group has committed the end of every command partition. */
    private void awaitFolded() throws Exception {
        String group = config.applicationIdPrefix() + "-orchestrator";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers()))) {
            long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
                for (int p = 0; p < config.partitions(); p++) {
                    latest.put(new TopicPartition(stack.topics().checkoutCommands().name(), p), OffsetSpec.latest());
                }
                var ends = admin.listOffsets(latest).all().get();
                boolean done = ends.entrySet().stream().allMatch(e -> committed.get(e.getKey()) != null
                        && committed.get(e.getKey()).offset() >= e.getValue().offset());
                if (done) {
                    return;
                }
                TimeUnit.SECONDS.sleep(1);
            }
            throw new IllegalStateException("the fold did not fold the sessions in 30 minutes");
        }
    }

    private Histogram reads(String api, int sessions, Duration duration) {
        Histogram latency = new ConcurrentHistogram(3);
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            read(api, sessions, latency);
        }
        return latency;
    }

    private long readWhile(String api, int sessions, AtomicBoolean running, Histogram latency) {
        long failed = 0;
        while (running.get()) {
            if (!read(api, sessions, latency)) {
                failed++;
            }
        }
        return failed;
    }

    /** One session read, paced at about 50 a second; true when it answered 200. */
    private boolean read(String api, int sessions, Histogram latency) {
        String id = sessionId(ThreadLocalRandom.current().nextInt(sessions));
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(api + "/v2/sessions/" + id))
                    .header("Authorization", "Bearer " + partnerKey).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            latency.recordValue(System.nanoTime() - start);
            TimeUnit.MILLISECONDS.sleep(20);
            return response.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    private static String sessionId(int i) {
        return "sess_scale_" + i;
    }

    private static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void require(HttpResponse<String> response) {
        PartnerApi.require(response, 200);
    }

    private static double ms(double nanos) {
        return nanos / 1_000_000.0;
    }
}
