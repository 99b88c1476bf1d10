package io.tollgate.payment;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": {@code initial * 2^(retry-1)}, capped, then a random point in the
 * upper half, so many workers retrying after one outage spread out instead of arriving together.
 *
 * @param random uniform in [0, 1)
 */
record Backoff(Duration initial, Duration max, DoubleSupplier random) {

    Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(random, "random");
    }

    static Backoff jittered(Duration initial, Duration max) {
        return new Backoff(initial, max, () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The wait before retry number {@code retry} (1 = the first retry). */
    Duration delay(int retry) {
        long cap = max.toNanos();
        long exponential = initial.toNanos();
        for (int i = 1; i < retry && exponential < cap; i++) {
            exponential *= 2;
        }
        exponential = Math.min(cap, exponential);
        long half = exponential / 2;
        return Duration.ofNanos(half + (long) (random.getAsDouble() * (exponential - half)));
    }
}
