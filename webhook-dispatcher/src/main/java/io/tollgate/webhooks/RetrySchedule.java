package io.tollgate.webhooks;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * When a failed delivery is tried again: after the n-th failed attempt, wait {@code waits[n-1]},
 * spread by a random ±{@code jitter} so that many deliveries failing together (an endpoint back from
 * an outage) do not all come back at once; after the last wait's attempt, give up. A receiver's
 * {@code Retry-After} is honoured as a lower bound, up to {@link #MAX_RETRY_AFTER}.
 *
 * @param waits the nominal wait before each retry; the first attempt is immediate, so there are {@code waits.size() + 1}
 * @param jitter the most a wait is moved either way, as a fraction of it (0.1 = ±10 %)
 * @param random uniform in [0, 1)
 */
public record RetrySchedule(List<Duration> waits, double jitter, DoubleSupplier random) {
    /** A receiver asking for more than a day is waited for a day: the schedule, not the receiver, bounds a delivery. */
    public static final Duration MAX_RETRY_AFTER = Duration.ofHours(24);
    public static final double DEFAULT_JITTER = 0.1;

    public RetrySchedule {
        waits = List.copyOf(waits);
        Objects.requireNonNull(random, "random");
        if (waits.isEmpty()) {
            throw new IllegalArgumentException("a retry schedule needs at least one wait");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1), got " + jitter);
        }
    }

    public static RetrySchedule jittered(List<Duration> waits) {
        return new RetrySchedule(waits, DEFAULT_JITTER, () -> ThreadLocalRandom.current().nextDouble());
    }

    public int maxAttempts() {
        return waits.size() + 1;
    }

    /**
     * The wait before the next attempt, after {@code attemptsMade} attempts that all failed; empty when those
     * were all there are.
     *
     * @param retryAfter the receiver's {@code Retry-After} on the last attempt, or null
     */
    public Optional<Duration> next(int attemptsMade, Duration retryAfter) {
        if (attemptsMade < 1 || attemptsMade > waits.size()) {
            return Optional.empty();
        }
        Duration nominal = waits.get(attemptsMade - 1);
        double factor = 1 + jitter * (2 * random.getAsDouble() - 1);
        Duration wait = Duration.ofMillis(Math.max(1, Math.round(nominal.toMillis() * factor)));
        if (retryAfter != null && !retryAfter.isNegative()) {
            Duration asked = retryAfter.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : retryAfter;
            if (asked.compareTo(wait) > 0) {
                wait = asked;
            }
        }
        return Optional.of(wait);
    }
}
