package io.tollgate.common.management;

import io.javalin.Javalin;
import io.javalin.http.HttpStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.http.JsonErrorPages;
import java.util.Map;
import org.eclipse.jetty.server.ServerConnector;
import java.util.function.BooleanSupplier;

/**
 * {@code GET /health} and {@code GET /metrics} (Prometheus text) on a port of their own, apart from
 * the public API: metrics name every agency's merchants, so by default the port listens on loopback
 * only ({@code management.port}, {@code management.bind.address}). One per process, whichever
 * services it runs.
 */
public final class ManagementServer implements AutoCloseable {
    private final Javalin app;

    private ManagementServer(Javalin app) {
        this.app = app;
    }

    /**
     * Starts listening on {@code bindAddress:port} (port 0 = any free one).
     *
     * @param ready whether the process serves: {@code /health} answers 200 {@code up}, else 503 {@code starting}
     */
    public static ManagementServer start(String bindAddress, int port, PrometheusMeterRegistry metrics, BooleanSupplier ready) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            JsonErrorPages.install(config);
        });
        app.get("/health", ctx -> {
            boolean up = ready.getAsBoolean();
            ctx.status(up ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).json(Map.of("status", up ? "up" : "starting"));
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));
        app.error(404, ctx -> ctx.contentType("application/json")
                .result(JsonErrorPages.body(404, "not_found", "no route " + ctx.method() + " " + ctx.path())));
        app.start(bindAddress, port);
        return new ManagementServer(app);
    }

    public int port() {
        return app.port();
    }

    /** The address it listens on, as the server bound it. */
    public String host() {
        return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getHost();
    }

    @Override
    public void close() {
        app.stop();
    }
}
