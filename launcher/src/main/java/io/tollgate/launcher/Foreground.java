package io.tollgate.launcher;

import io.tollgate.common.lifecycle.Resources;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps a small standalone process (registry, Stripe stand-in, sample hook) in the foreground until
 * Ctrl-C or SIGTERM, then closes what it started, newest first.
 */
final class Foreground {
    private Foreground() {
    }

    /** Prints {@code banner}, then blocks until the process is asked to stop; returns the exit code. */
    static int run(Resources started, PrintWriter out, String banner) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.close();
            stopped.countDown();
        }, "tollgate-foreground-shutdown"));
        out.println(banner);
        out.flush();
        stopped.await();
        return TollgateCli.OK;
    }
}
