package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.Request;

import org.eclipse.jetty.client.util.BufferingResponseListener;
import org.eclipse.jetty.client.util.StringRequestContent;

/**
 * Shoppers checking out against one API (Tollgate's, or the inline baseline's): create a session,
 * then a blocking confirm. Open loop — checkouts start on a fixed schedule whatever the answers do,
 * and latency counts from the scheduled start, so a slow system is not flattered by sending less —
 * or closed loop for saturation: a fixed number of shoppers, each starting the next checkout when
 * the last one ends.
 */
final class CheckoutLoad implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where a load goes: the two paths and the key (null for the baseline, which has no auth). */
    record Target(String base, String sessionsPath, String partnerKey) {
        String confirmPath(String id) {
            return sessionsPath + "/" + id + "/confirm";
        }
    }

    /** A finished checkout answered 200: the session, and when (wall clock) the answer came. */
    record Answered(String sessionId, long answeredAtMillis) {
    }

    /**
     * What a load measured.
     *
     * @param confirm latency of the confirm request alone, answered 200
     * @param checkout latency of create + confirm from the scheduled start, answered 200
     * @param answers confirms by status (0: no answer at all)
     * @param cpuMillis CPU time of this whole process (broker, services, hook, stand-in and the load itself)
     */
    record Result(Histogram confirm, Histogram checkout, Map<Integer, Long> answers, Queue<Answered> answered, double seconds,
            double cpuMillis) {
        long completed() {
            return checkout.getTotalCount();
        }

        long errors() {
            return answers.entrySet().stream().filter(e -> e.getKey() != 200).mapToLong(Map.Entry::getValue).sum();
        }

        double perSecond() {
            return completed() / seconds;
        }

        double cpuMillisPerCheckout() {
            return completed() == 0 ? Double.NaN : cpuMillis / completed();
        }
    }

    /** Jetty's asynchronous client: the shoppers should cost the box as little as possible, and hold no thread while waiting. */
    private final HttpClient http = new HttpClient();

    CheckoutLoad() throws Exception {
        http.setMaxConnectionsPerDestination(4096);
        http.setMaxRequestsQueuedPerDestination(65536);
        http.setIdleTimeout(60_000);
        http.setFollowRedirects(false);
        http.start();
    }

    /** {@code rate} checkouts a second for {@code duration}, each for the merchant {@code merchantOf} picks. */
    Result openLoop(Target target, int rate, Duration duration, IntFunction<String> merchantOf) throws Exception {
        Recorder recorder = new Recorder();
        long intervalNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> started = new ArrayList<>();
        int n = 0;
        for (long scheduled = start; scheduled < end; scheduled += intervalNanos) {
            long wait = scheduled - System.nanoTime();
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            started.add(checkout(target, merchantOf.apply(n++), scheduled, recorder));
        }
        CompletableFuture.allOf(started.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        return recorder.result((System.nanoTime() - start) / 1e9);
    }

    /** {@code shoppers} checking out one after another, as fast as answers come, for {@code duration}. */
    Result closedLoop(Target target, int shoppers, Duration duration, IntFunction<String> merchantOf) throws Exception {
        Recorder recorder = new Recorder();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (int i = 0; i < shoppers; i++) {
            loops.add(shopper(target, merchantOf.apply(i), end, recorder));
        }
        CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        return recorder.result((System.nanoTime() - start) / 1e9);
    }

    private CompletableFuture<Void> shopper(Target target, String merchant, long endNanos, Recorder recorder) {
        long now = System.nanoTime();
        if (now >= endNanos) {
            return CompletableFuture.completedFuture(null);
        }
        return checkout(target, merchant, now, recorder).thenCompose(ignored -> shopper(target, merchant, endNanos, recorder));
    }

    private CompletableFuture<Void> checkout(Target target, String merchant, long intendedNanos, Recorder recorder) {
        String body = "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{\"id\":\"slot\",\"name\":\"Slot\",\"quantity\":1,"
                + "\"unit_amount_minor\":1500}],\"total_minor\":1500,\"currency\":\"GBP\"}}";
        return post(target, target.sessionsPath(), body, UUID.randomUUID().toString())
                .thenCompose(created -> {
                    if (created.status() != 201) {
                        throw new IllegalStateException("create answered " + created.status() + ": " + created.body());
                    }
                    String id = read(created.body()).path("id").asText();
                    long confirmStart = System.nanoTime();
                    return post(target, target.confirmPath(id), "{}", "confirm-" + id).thenAccept(answer -> {
                        long now = System.nanoTime();
                        recorder.answers.merge(answer.status(), 1L, Long::sum);
                        if (answer.status() == 200) {
                            recorder.confirm.recordValue(now - confirmStart);
                            recorder.checkout.recordValue(now - intendedNanos);
                            recorder.answered.add(new Answered(id, System.currentTimeMillis()));
                        }
                    });
                })
                .exceptionally(e -> {
                    recorder.answers.merge(0, 1L, Long::sum);
                    return null;
                });
    }

    private record Reply(int status, String body) {
    }

    private CompletableFuture<Reply> post(Target target, String path, String body, String idempotencyKey) {
        Request request = http.POST(target.base() + path).body(new StringRequestContent("application/json", body))
                .headers(h -> {
                    h.put("Idempotency-Key", idempotencyKey);
                    if (target.partnerKey() != null) {
                        h.put("Authorization", "Bearer " + target.partnerKey());
                    }
                })
                .timeout(40, TimeUnit.SECONDS);
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        request.send(new BufferingResponseListener(1 << 20) {
            @Override
            public void onComplete(org.eclipse.jetty.client.api.Result result) {
                if (result.isFailed()) {
                    reply.completeExceptionally(result.getFailure());
                } else {
                    reply.complete(new Reply(result.getResponse().getStatus(), getContentAsString()));
                }
            }
        });
        return reply;
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body, e);
        }
    }

    /** CPU time this process has used, all threads: what the whole box spent, broker included. */
    static double processCpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e6;
    }

    private static final class Recorder {
        final Histogram confirm = new ConcurrentHistogram(3);
        final Histogram checkout = new ConcurrentHistogram(3);
        final Map<Integer, Long> answers = new ConcurrentSkipListMap<>();
        final Queue<Answered> answered = new ConcurrentLinkedQueue<>();
        final double cpuAtStart = processCpuMillis();

        Result result(double seconds) {
            return new Result(confirm, checkout, answers, answered, seconds, processCpuMillis() - cpuAtStart);
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            throw new IllegalStateException("load client did not stop", e);
        }
    }
}
