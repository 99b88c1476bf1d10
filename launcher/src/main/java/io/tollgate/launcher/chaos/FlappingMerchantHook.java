package io.tollgate.launcher.chaos;

import io.javalin.Javalin;
import io.javalin.http.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A merchant's pre-confirmation hook that misbehaves on purpose, for the fault suite: {@code POST /flap}
 * answers {@code 503} to a share of calls, takes longer than any hook timeout for another share, and
 * approves the rest; {@code POST /approve} always approves at once (the suite's probe merchant).
 * It does not check signatures: it plays an unreliable merchant, and signing is tested elsewhere.
 */
public final class FlappingMerchantHook implements AutoCloseable {
    private static final String APPROVE = "{\"available\":true}";

    private final double errorRate;
    private final double slowRate;
    private final long slowMillis;
    private final Javalin server;
    private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "flapping-hook-delays");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param errorRate share of {@code /flap} calls answered 503
     * @param slowRate share of {@code /flap} calls answered only after {@code slowMillis}
     */
    public FlappingMerchantHook(String host, int port, double errorRate, double slowRate, long slowMillis) {
        if (errorRate < 0 || slowRate < 0 || errorRate + slowRate > 1) {
            throw new IllegalArgumentException("error and slow rates must be from 0 to 1 together, got " + errorRate + " and " + slowRate);
        }
        this.errorRate = errorRate;
        this.slowRate = slowRate;
        this.slowMillis = slowMillis;
        server = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        server.post("/approve", ctx -> answer(ctx, 200, APPROVE));
        server.post("/flap", this::flap);
        server.start(host, port);
    }

    public int port() {
        return server.port();
    }

    private void flap(Context ctx) {
        double roll = ThreadLocalRandom.current().nextDouble();
        if (roll < errorRate) {
            answer(ctx, 503, "{\"error\":\"flapping on purpose\"}");
        } else if (roll < errorRate + slowRate) {
            // the wait holds no thread, so many slow calls in flight cost nothing
            CompletableFuture<Void> later = new CompletableFuture<>();
            delays.schedule(() -> later.complete(null), slowMillis, TimeUnit.MILLISECONDS);
            ctx.future(() -> later.thenRun(() -> answer(ctx, 200, APPROVE)));
        } else {
            answer(ctx, 200, APPROVE);
        }
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
