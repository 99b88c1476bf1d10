package io.tollgate.orchestrator.checkout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.orchestrator.api.HttpApi;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How long a confirm takes to answer, by what it answered: a histogram with buckets at the latencies
 * a service-level objective is written against, so Prometheus computes both percentiles and "share of
 * confirms within 250 ms". The {@code outcome} is what the client was told: {@code approved} (200),
 * the 202 answer's {@code status} ({@code awaiting_partner}, {@code processing}), or the error's
 * {@code code} ({@code pre_confirmation_rejected}, {@code pre_confirmation_unavailable},
 * {@code session_closed}…) — a fixed set, all written in the code.
 */
public final class ConfirmMetrics implements HttpApi.Routes {
    public static final String METRIC = "tollgate.api.confirm.duration";
    static final String ROUTE = "/v2/sessions/{id}/confirm";
    static final Duration[] OBJECTIVES = {Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final String STARTED = "tollgate.confirm.started";

    private final MeterRegistry registry;
    private final ObjectMapper mapper;
    /** One timer per outcome, built once: registering on every request would cost more than the answer. */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public ConfirmMetrics(MeterRegistry registry, ObjectMapper mapper) {
        this.registry = registry;
        this.mapper = mapper;
    }

    @Override
    public void addTo(Javalin app) {
        app.before(ROUTE, ctx -> ctx.attribute(STARTED, System.nanoTime()));
        // after-handlers run once an asynchronous answer is complete
        app.after(ROUTE, this::record);
    }

    private void record(Context ctx) {
        Long started = ctx.attribute(STARTED);
        if (started != null) {
            timer(outcome(ctx.statusCode(), ctx.result())).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    /** The answer's outcome as the client read it, from its status and JSON body. */
    String outcome(int status, String body) {
        if (status == 200) {
            return "approved";
        }
        try {
            JsonNode answer = body == null ? null : mapper.readTree(body);
            JsonNode named = answer == null ? null : status < 300 ? answer.get("status") : answer.path("error").get("code");
            if (named != null && named.isTextual()) {
                return named.asText();
            }
        } catch (IOException e) {
            // not JSON: named by its status below
        }
        return "http_" + status;
    }

    private Timer timer(String outcome) {
        return timers.computeIfAbsent(outcome, o -> Timer.builder(METRIC)
                .description("Time to answer POST /v2/sessions/{id}/confirm, by the answer's outcome")
                .tag("outcome", o)
                .serviceLevelObjectives(OBJECTIVES)
                .minimumExpectedValue(OBJECTIVES[0])
                .maximumExpectedValue(OBJECTIVES[OBJECTIVES.length - 1])
                .register(registry));
    }
}
