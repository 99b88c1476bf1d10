package io.tollgate.payment;

import io.tollgate.common.config.TollgateConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything the Stripe gateway needs, passed in by the service (from STRIPE_API_KEY and
 * TOLLGATE_STRIPE_API_BASE, or the stand-in's address, and the TOLLGATE_STRIPE_* tuning settings).
 *
 * @param apiKey Stripe secret key ({@code sk_test_...} or {@code sk_live_...}); never logged
 * @param apiBase Stripe's base URL, the stand-in's, or stripe-mock's
 * @param connectTimeout TCP connect timeout
 * @param readTimeout socket read timeout; stripe-java's default (80 s) would hold a worker far too long
 * @param maxAttempts attempts per call including the first, all with the same Idempotency-Key
 * @param initialBackoff wait before the first retry; doubles per retry
 * @param maxBackoff cap on one wait
 * @param writesPerSecond client-side write budget per Stripe account; 0 picks Stripe's default for the key's
 *     mode (25/s test, 100/s live)
 */
public record StripeGatewayConfig(String apiKey, String apiBase, Duration connectTimeout, Duration readTimeout,
        int maxAttempts, Duration initialBackoff, Duration maxBackoff, double writesPerSecond) {

    public static final String STRIPE_API_BASE = "https://api.stripe.com";

    public StripeGatewayConfig {
        if (apiKey == null || apiKey.isBlank()) {
            throw new IllegalArgumentException("a Stripe API key is required");
        }
        apiBase = apiBase == null || apiBase.isBlank() ? STRIPE_API_BASE : stripTrailingSlash(apiBase);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(readTimeout, "readTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (writesPerSecond < 0) {
            throw new IllegalArgumentException("writesPerSecond must not be negative");
        }
    }

    /**
     * Production defaults, those of {@link TollgateConfig} (3 s connect, 15 s read, 4 attempts, writes by the key's
     * mode), with backoff 250 ms doubling to at most 5 s.
     */
    public static StripeGatewayConfig of(String apiKey, String apiBase) {
        return new StripeGatewayConfig(apiKey, apiBase,
                Duration.ofMillis(TollgateConfig.DEFAULT_STRIPE_CONNECT_TIMEOUT_MS),
                Duration.ofMillis(TollgateConfig.DEFAULT_STRIPE_TIMEOUT_MS),
                TollgateConfig.DEFAULT_STRIPE_MAX_NETWORK_RETRIES + 1,
                Duration.ofMillis(250), Duration.ofSeconds(5), 0);
    }

    public StripeGatewayConfig withTimeouts(Duration connect, Duration read) {
        return new StripeGatewayConfig(apiKey, apiBase, connect, read, maxAttempts, initialBackoff, maxBackoff,
                writesPerSecond);
    }

    public StripeGatewayConfig withRetries(int attempts, Duration initial, Duration max) {
        return new StripeGatewayConfig(apiKey, apiBase, connectTimeout, readTimeout, attempts, initial, max,
                writesPerSecond);
    }

    public StripeGatewayConfig withWritesPerSecond(double perSecond) {
        return new StripeGatewayConfig(apiKey, apiBase, connectTimeout, readTimeout, maxAttempts, initialBackoff,
                maxBackoff, perSecond);
    }

    public boolean testMode() {
        return apiKey.startsWith("sk_test_") || apiKey.startsWith("rk_test_");
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Keeps the key out of logs and exception messages. */
    @Override
    public String toString() {
        return "StripeGatewayConfig[apiKey=" + (testMode() ? "sk_test_***" : "***") + ", apiBase=" + apiBase
                + ", connectTimeout=" + connectTimeout + ", readTimeout=" + readTimeout + ", maxAttempts=" + maxAttempts
                + ", initialBackoff=" + initialBackoff + ", maxBackoff=" + maxBackoff + ", writesPerSecond="
                + writesPerSecond + "]";
    }
}
