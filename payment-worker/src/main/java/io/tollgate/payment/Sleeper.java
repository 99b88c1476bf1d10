package io.tollgate.payment;

import java.time.Duration;

/** Waits; injected so backoff and rate limiting are tested without wall-clock waits. */
@FunctionalInterface
public interface Sleeper {

    Sleeper SYSTEM = duration -> {
        if (!duration.isZero() && !duration.isNegative()) {
            Thread.sleep(duration.toMillis(), (int) (duration.toNanosPart() % 1_000_000));
        }
    };

    void sleep(Duration duration) throws InterruptedException;
}
