package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The seed's sample merchant hook (Swft's class-capacity check), for the demo: verifies the
 * Standard Webhooks signature, looks up the class in {@code extensions.booking.class_schedule_id},
 * and answers {@code {"available": true}} or {@code {"available": false, "reason": "class_full"}}.
 * {@code /slow} never answers in time, to show the fail modes; {@code /approve} approves everything
 * (for the benchmark).
 *
 * <p>Served by Jetty rather than the JDK's HttpServer: that one writes headers and body separately
 * without TCP_NODELAY, so each answer waited ~40 ms for a delayed ACK — a stall no real merchant
 * has, and one that would have been billed to Tollgate in the demo and the benchmark.
 */
final class SampleCapacityHook implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** class id → {booked, capacity} */
    private final Map<String, int[]> classes = new ConcurrentHashMap<>(Map.of(
            "yoga-7am", new int[] {3, 12},
            "spin-6pm", new int[] {20, 20}));
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final Javalin server;
    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sample-hook-delays");
        t.setDaemon(true);
        return t;
    });

    SampleCapacityHook() {
        server = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        server.post("/capacity-check", this::capacityCheck);
        server.post("/slow", this::slow);
        server.post("/approve", this::approve);
        server.post("/approve/{delayMs}", this::approveAfter);
        server.start("127.0.0.1", 0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** The merchant saves the secret the PUT returned, as Swft tells it to. */
    void trust(String merchant, String secret) {
        secrets.put(merchant, secret);
    }

    private void capacityCheck(Context ctx) throws IOException {
        JsonNode call = verifiedCall(ctx);
        if (call == null) {
            return;
        }
        String classId = call.at("/extensions/booking/class_schedule_id").asText();
        int[] cls = classes.get(classId);
        synchronized (classes) {
            if (cls == null || cls[0] >= cls[1]) {
                answer(ctx, 200, "{\"available\":false,\"reason\":\"class_full\",\"message\":\"Sorry, that class is full\"}");
                return;
            }
            cls[0]++;
        }
        answer(ctx, 200, "{\"available\":true}");
    }

    /** For the benchmark: verifies the signature like a real merchant, then always approves. */
    private void approve(Context ctx) throws IOException {
        if (verifiedCall(ctx) != null) {
            answer(ctx, 200, "{\"available\":true}");
        }
    }

    /**
     * For the benchmark: a merchant that takes {@code delayMs} to decide (a database lookup, a call of
     * its own), then approves. The wait holds no thread, so a thousand calls in flight cost nothing.
     */
    private void approveAfter(Context ctx) throws IOException {
        long delayMs = Long.parseLong(ctx.pathParam("delayMs"));
        if (verifiedCall(ctx) == null) {
            return;
        }
        CompletableFuture<Void> later = new CompletableFuture<>();
        delays.schedule(() -> later.complete(null), delayMs, TimeUnit.MILLISECONDS);
        ctx.future(() -> later.thenRun(() -> answer(ctx, 200, "{\"available\":true}")));
    }

    private void slow(Context ctx) {
        try {
            Thread.sleep(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answer(ctx, 200, "{\"available\":true}");
    }

    /** The call's body if its signature verifies under the merchant's secret; otherwise answers 401 and returns null. */
    private JsonNode verifiedCall(Context ctx) throws IOException {
        String body = ctx.body();
        JsonNode call = JSON.readTree(body);
        if (!SignedCalls.verified(ctx, body, secrets.get(call.path("merchant_id").asText()))) {
            answer(ctx, 401, "{\"error\":\"bad signature\"}");
            return null;
        }
        return call;
    }

    private static void answer(Context ctx, int status, String json) {
        ctx.status(status).contentType("application/json").result(json);
    }

    @Override
    public void close() {
        server.stop();
        delays.shutdownNow();
    }
}
