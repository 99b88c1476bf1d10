package io.tollgate.launcher.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition of the running deployment (a process up, a cluster in sync) until it holds or time runs out. */
final class Wait {
    private static final long POLL_MILLIS = 100;

    private Wait() {
    }

    /** Returns once {@code condition} holds; throws naming {@code what} after {@code timeout}. */
    static void until(String what, Duration timeout, BooleanSupplier condition) {
        if (!within(timeout, condition)) {
            throw new IllegalStateException("not within " + timeout.toSeconds() + " s: " + what);
        }
    }

    /** Whether {@code condition} came to hold within {@code timeout}. */
    static boolean within(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            pause(POLL_MILLIS);
        }
        return true;
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
