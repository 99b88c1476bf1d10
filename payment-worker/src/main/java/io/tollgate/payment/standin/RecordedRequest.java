package io.tollgate.payment.standin;

import java.util.Map;

/**
 * One request the stand-in received, with what it answered, for tests to inspect.
 *
 * @param idempotencyKey the {@code Idempotency-Key} header, or null
 * @param stripeAccount the {@code Stripe-Account} header, or null
 * @param params decoded form (or query) parameters in bracket notation, e.g. {@code metadata[session_id]}
 * @param status the HTTP status answered; 0 when the connection was dropped
 * @param replayed whether the answer was an idempotent replay
 * @param traceparent the W3C {@code traceparent} header, or null
 */
public record RecordedRequest(String method, String path, String idempotencyKey, String stripeAccount,
        Map<String, String> params, int status, boolean replayed, String traceparent) {}
