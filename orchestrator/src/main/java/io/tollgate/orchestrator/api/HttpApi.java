package io.tollgate.orchestrator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.javalin.micrometer.MicrometerPlugin;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.http.JsonErrorPages;
import io.tollgate.common.trace.RequestTrace;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator's public HTTP server: JSON everywhere, every failure as {@code {"error":{…}}}, CORS
 * for the shopper-facing routes. Features add their own routes. Health and metrics are not here but on
 * the management port ({@link io.tollgate.common.management.ManagementServer}): metrics name every
 * agency's merchants.
 */
public final class HttpApi implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    /** A feature's routes (merchants, sessions, Stripe webhooks...). */
    public interface Routes {
        void addTo(Javalin app);
    }

    private final Javalin app;

    /**
     * @param started false until the service has started: until then every request gets 503 {@code starting}
     * @param metrics where request metrics go: {@code jetty.server.requests} per route template ({@code uri}),
     *     method, status and outcome, and Jetty's connection and thread-pool meters
     */
    public HttpApi(ObjectMapper mapper, BooleanSupplier started, List<String> corsOrigins, List<Routes> routes, MeterRegistry metrics) {
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            // the route template, not the path, tags a request: one series per route, not per session
            config.registerPlugin(new MicrometerPlugin(micrometer -> micrometer.registry = metrics));
            RequestTrace.install(config);
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.http.maxRequestSize = JsonBodies.SESSION_LIMIT + 1024L;
            config.router.ignoreTrailingSlashes = true;
            // a known path with the wrong method says so, rather than pretending the path is not there
            config.http.prefer405over404 = true;
            // what Jetty refuses before a route runs (400, 414, 431) answers in the API's error shape too
            JsonErrorPages.install(config);
            if (!corsOrigins.isEmpty()) {
                config.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
                    if (corsOrigins.contains("*")) {
                        rule.anyHost();
                    } else {
                        corsOrigins.forEach(origin -> rule.allowHost(origin));
                    }
                    rule.exposeHeader("Location");
                }));
            }
        });
        app.exception(ApiError.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
        app.exception(HttpResponseException.class, (e, ctx) -> {
            ApiError error = switch (e.getStatus()) {
                case 404 -> new ApiError(404, "not_found", "no route " + ctx.method() + " " + ctx.path());
                case 405 -> new ApiError(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path());
                case 413 -> new ApiError(413, "payload_too_large", "the body is too large");
                default -> new ApiError(e.getStatus(), "http_" + e.getStatus(), e.getMessage());
            };
            ctx.status(error.status()).json(error.body());
        });
        app.exception(Exception.class, (e, ctx) -> {
            log.error("unhandled error path={}", ctx.path(), e);
            ApiError error = new ApiError(500, "internal_error", "something went wrong; it was logged");
            ctx.status(500).json(error.body());
        });
        app.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty()) {
                ApiError error = new ApiError(404, "not_found", "no route " + ctx.method() + " " + ctx.path());
                ctx.json(error.body());
            }
        });
        // the API opens before the folds run (they must know its port); until then it says so
        app.before(ctx -> {
            if (!started.getAsBoolean()) {
                throw new ApiError(503, "starting", "the service is starting; retry shortly");
            }
        });
        routes.forEach(r -> r.addTo(app));
    }

    /** Starts on the port (0 = any free one) and returns the port bound. */
    public int start(int port) {
        app.start("0.0.0.0", port);
        return app.port();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }
}
