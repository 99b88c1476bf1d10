package io.tollgate.payment;

import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.StripeException;
import com.stripe.model.StripeError;
import com.stripe.net.StripeResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides whether a Stripe call is tried again, and when. Every attempt reuses the
 * caller's request, so the same Idempotency-Key goes out each time and Stripe executes it at most once.
 *
 * <p>Retried: no answer (connection refused, reset, timed out), 409 (the key is in use by a concurrent
 * request), 429, and 5xx. {@code Stripe-Should-Retry} overrides the status either way, as Stripe asks.
 * Not retried: card errors, invalid requests, authentication and permission errors, and
 * {@code idempotency_error} for a key reused with other parameters: the same request would fail again.
 *
 * <p>Waits between attempts grow by {@link Backoff}.
 */
public final class StripeRetryPolicy {

    private static final Logger log = LoggerFactory.getLogger(StripeRetryPolicy.class);

    /** One Stripe request, repeated unchanged on each attempt. */
    @FunctionalInterface
    public interface StripeCall<T> {
        T attempt(int attemptNumber) throws StripeException, InterruptedException;
    }

    private final int maxAttempts;
    private final Backoff backoff;
    private final Sleeper sleeper;

    /**
     * @param random uniform in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble}
     */
    public StripeRetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, DoubleSupplier random,
            Sleeper sleeper) {
        this(maxAttempts, new Backoff(initialBackoff, maxBackoff, random), sleeper);
    }

    StripeRetryPolicy(int maxAttempts, Backoff backoff, Sleeper sleeper) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        this.maxAttempts = maxAttempts;
        this.backoff = Objects.requireNonNull(backoff);
        this.sleeper = Objects.requireNonNull(sleeper);
    }

    public static StripeRetryPolicy forConfig(StripeGatewayConfig config) {
        return new StripeRetryPolicy(config.maxAttempts(),
                Backoff.jittered(config.initialBackoff(), config.maxBackoff()), Sleeper.SYSTEM);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** Whether the same request, sent again, may succeed. */
    public boolean isRetryable(StripeException e) {
        if (e instanceof ApiConnectionException) {
            return true;
        }
        String advice = header(e, "Stripe-Should-Retry");
        if ("true".equals(advice)) {
            return true;
        }
        if ("false".equals(advice)) {
            return false;
        }
        Integer status = statusOf(e);
        return status != null && (status == 409 || status == 429 || status >= 500);
    }

    /** Stripe's HTTP status, or null when no answer came (stripe-java reports 0 then). */
    static Integer statusOf(StripeException e) {
        Integer status = e.getStatusCode();
        return status == null || status == 0 ? null : status;
    }

    /** The wait before retry number {@code retry} (1 = the first retry). */
    public Duration backoff(int retry) {
        return backoff.delay(retry);
    }

    /**
     * Runs {@code call} until it succeeds, fails permanently, or the attempts run out; the last exception is
     * rethrown.
     */
    public <T> T execute(String operation, String sessionId, StripeCall<T> call)
            throws StripeException, InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.attempt(attempt);
            } catch (StripeException e) {
                if (attempt >= maxAttempts || !isRetryable(e)) {
                    throw e;
                }
                Duration wait = backoff(attempt);
                log.warn("stripe call retrying operation={} session_id={} attempt={} status={} code={} wait_ms={}",
                        operation, sessionId, attempt, statusOf(e), codeOf(e), wait.toMillis());
                sleeper.sleep(wait);
            }
        }
    }

    static String codeOf(StripeException e) {
        if (e instanceof ApiConnectionException) {
            return "api_connection_error";
        }
        if (e.getCode() != null) {
            return e.getCode();
        }
        StripeError error = e.getStripeError();
        return error != null && error.getType() != null ? error.getType() : "api_error";
    }

    private static String header(StripeException e, String name) {
        StripeError error = e.getStripeError();
        StripeResponse response = error == null ? null : error.getLastResponse();
        if (response == null || response.headers() == null) {
            return null;
        }
        return response.headers().firstValue(name).orElse(null);
    }
}
