package io.tollgate.payment.standin;

/**
 * A failure the stand-in injects in front of its API, for tests and demos. Injected faults happen before
 * the idempotency layer, as an outage at Stripe's edge would: nothing is saved under the request's key,
 * so a retry with the same key executes normally.
 */
public enum Fault {
    /** 500 {@code api_error}, no {@code Stripe-Should-Retry} header: clients retry by status. */
    SERVER_ERROR,
    /** 500 {@code api_error} with {@code Stripe-Should-Retry: false}: clients must not retry. */
    SERVER_ERROR_DO_NOT_RETRY,
    /** 429 {@code rate_limit}. */
    RATE_LIMITED,
    /** The connection is closed without an answer. */
    CONNECTION_DROP
}
