package io.tollgate.payment;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Client-side token bucket per Stripe account, so many sessions for one merchant do not run into Stripe's
 * per-account rate limit (and its 429s) together. A caller reserves a token and is told how long to wait
 * for it; reservations may run the bucket into debt, which later callers wait out, so waiting callers are
 * served in order and never starve.
 */
public final class StripeRateLimiter {

    /** Stripe's default write limits per account. */
    public static final double TEST_MODE_WRITES_PER_SECOND = 25;
    public static final double LIVE_MODE_WRITES_PER_SECOND = 100;

    private static final String PLATFORM = "(platform)";
    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoTicker;
    private final Sleeper sleeper;
    private final Map<String, Bucket> buckets = new HashMap<>();

    private static final class Bucket {
        double tokens;
        long lastRefillNanos;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastRefillNanos = now;
        }
    }

    /**
     * @param perSecond sustained rate per account
     * @param burst tokens a quiet account may spend at once (at least 1)
     * @param nanoTicker monotonic time in nanoseconds, e.g. {@code System::nanoTime}
     */
    public StripeRateLimiter(double perSecond, double burst, LongSupplier nanoTicker, Sleeper sleeper) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("rate must be positive and burst at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoTicker = nanoTicker;
        this.sleeper = sleeper;
    }

    /** Stripe's default for the key's mode (or {@code writesPerSecond} when positive), burst of one second. */
    public static StripeRateLimiter forConfig(StripeGatewayConfig config) {
        double rate = config.writesPerSecond() > 0 ? config.writesPerSecond()
                : config.testMode() ? TEST_MODE_WRITES_PER_SECOND : LIVE_MODE_WRITES_PER_SECOND;
        return new StripeRateLimiter(rate, Math.max(1, rate), System::nanoTime, Sleeper.SYSTEM);
    }

    public double perSecond() {
        return perSecond;
    }

    /**
     * Takes a token for {@code stripeAccount} (null = the platform account) and returns how long the caller must
     * wait before using it; zero when one was available.
     */
    public synchronized Duration reserve(String stripeAccount) {
        long now = nanoTicker.getAsLong();
        Bucket bucket = buckets.computeIfAbsent(stripeAccount == null ? PLATFORM : stripeAccount,
                k -> new Bucket(burst, now));
        long elapsed = Math.max(0, now - bucket.lastRefillNanos);
        bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perSecond / NANOS_PER_SECOND);
        bucket.lastRefillNanos = now;
        bucket.tokens -= 1;
        if (bucket.tokens >= 0) {
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil(-bucket.tokens * NANOS_PER_SECOND / perSecond));
    }

    /** Reserves a token and waits until it may be used. */
    public void acquire(String stripeAccount) throws InterruptedException {
        sleeper.sleep(reserve(stripeAccount));
    }
}
