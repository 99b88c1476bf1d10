package io.tollgate.payment;

import io.tollgate.payment.StripeResult.Failed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the payment worker's Stripe calls run: on their own threads, since stripe-java blocks, never on the
 * journal's poll thread. A call that fails temporarily (the gateway's quick retries used up on a network
 * error, 409, 429 or 5xx) runs again later, after a growing wait during which no thread is held, until its
 * give-up time: a Stripe outage of a few minutes costs no session. Every round is the same request under the
 * same Idempotency-Key, so Stripe still executes it at most once.
 *
 * <p>Closing drops the rounds still waiting and the results still arriving: their futures never complete, so
 * their journal events stay uncommitted and a restart runs them again under the same keys.
 */
final class StripeCalls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StripeCalls.class);

    private record Call<R extends StripeResult>(String operation, String sessionId, Instant giveUpAt,
            Supplier<R> request, CompletableFuture<R> settled) {
    }

    private final ScheduledExecutorService executor;
    private final Backoff backoff;
    private final Clock clock;
    private volatile boolean closed;

    StripeCalls(int threads, Backoff backoff, Clock clock) {
        this.executor = Executors.newScheduledThreadPool(threads, r -> {
            Thread t = new Thread(r, "stripe-call");
            t.setDaemon(true);
            return t;
        });
        this.backoff = backoff;
        this.clock = clock;
    }

    /**
     * Runs {@code request} until Stripe answers it or refuses it for good, or until {@code giveUpAt} has
     * passed.
     *
     * @return the success or the permanent failure, or the last temporary failure once {@code giveUpAt} has
     *     passed
     */
    <R extends StripeResult> CompletableFuture<R> untilSettled(String operation, String sessionId, Instant giveUpAt,
            Supplier<R> request) {
        Call<R> call = new Call<>(operation, sessionId, giveUpAt, request, new CompletableFuture<>());
        schedule(call, 1, Duration.ZERO);
        return call.settled();
    }

    private void schedule(Call<?> call, int round, Duration wait) {
        try {
            executor.schedule(() -> attempt(call, round), wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            log.info("stripe call left for the next start operation={} session_id={} round={}", call.operation(),
                    call.sessionId(), round);
        }
    }

    private <R extends StripeResult> void attempt(Call<R> call, int round) {
        R result;
        try {
            result = call.request().get();
        } catch (RuntimeException e) {
            call.settled().completeExceptionally(e);
            return;
        }
        if (closed) {
            log.info("stripe call result dropped at shutdown, redone at the next start operation={} session_id={}",
                    call.operation(), call.sessionId());
            return;
        }
        if (!(result instanceof Failed failed) || failed.permanent()) {
            call.settled().complete(result);
            return;
        }
        Instant now = clock.instant();
        if (!now.isBefore(call.giveUpAt())) {
            log.warn("stripe call given up operation={} session_id={} rounds={} code={} status={} give_up_at={}",
                    call.operation(), call.sessionId(), round, failed.code(), failed.httpStatus(), call.giveUpAt());
            call.settled().complete(result);
            return;
        }
        // the last round runs at the give-up time, so the window is used to its end
        Duration wait = min(backoff.delay(round), Duration.between(now, call.giveUpAt()));
        log.warn("stripe call failed temporarily, retrying later operation={} session_id={} round={} code={} "
                + "status={} wait_ms={} give_up_at={}", call.operation(), call.sessionId(), round, failed.code(),
                failed.httpStatus(), wait.toMillis(), call.giveUpAt());
        schedule(call, round + 1, wait);
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Does not wait for running calls: a read from Stripe cannot be interrupted, and its result is dropped. */
    @Override
    public void close() {
        closed = true;
        executor.shutdownNow();
    }
}
