package io.tollgate.webhooks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The dispatcher's meters: attempts by result, their latency, and the deliveries still to make. Not
 * per endpoint: endpoint ids are unbounded, and the delivery log answers per-endpoint questions.
 */
final class DispatcherMetrics {
    static final String ATTEMPTS = "tollgate.webhooks.attempts";
    static final String ATTEMPT_DURATION = "tollgate.webhooks.attempt.duration";
    static final String PENDING = "tollgate.webhooks.pending";

    private final MeterRegistry registry;

    DispatcherMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** @param result delivered, retry, failed, gone, canceled */
    void attempt(String result, long latencyMs) {
        Counter.builder(ATTEMPTS).description("Webhook delivery attempts by what came of them").tag("result", result)
                .register(registry).increment();
        Timer.builder(ATTEMPT_DURATION).description("Wall time of webhook delivery attempts")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry).record(latencyMs, TimeUnit.MILLISECONDS);
    }

    void watchPending(Supplier<Number> pending) {
        Gauge.builder(PENDING, pending).description("Webhook deliveries taken on and not yet ended, on this instance")
                .strongReference(true).register(registry);
    }
}
