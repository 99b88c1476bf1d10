package io.tollgate.payment;

import com.stripe.StripeClient;
import com.stripe.net.Authenticator;
import com.stripe.net.BearerTokenAuthenticator;
import com.stripe.net.StripeRequest;
import io.tollgate.common.trace.TraceContext;
import com.stripe.exception.ApiConnectionException;
import com.stripe.exception.AuthenticationException;
import com.stripe.exception.CardException;
import com.stripe.exception.IdempotencyException;
import com.stripe.exception.InvalidRequestException;
import com.stripe.exception.PermissionException;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.model.Refund;
import com.stripe.model.StripeError;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentCreateParams;
import com.stripe.param.RefundCreateParams;
import io.tollgate.payment.StripeResult.CancelResult;
import io.tollgate.payment.StripeResult.Canceled;
import io.tollgate.payment.StripeResult.CaptureResult;
import io.tollgate.payment.StripeResult.Captured;
import io.tollgate.payment.StripeResult.CreateResult;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.StripeResult.Failed;
import io.tollgate.payment.StripeResult.Kind;
import io.tollgate.payment.StripeResult.RefundResult;
import io.tollgate.payment.StripeResult.Refunded;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.RefundRequested;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tollgate's calls to Stripe: create the session's PaymentIntent, capture it, cancel it. Each call carries a
 * key derived from the session ({@code tollgate_<session>_pi|_capture|_cancel}), so a redelivered Kafka record
 * or a retry after a timeout reaches Stripe as the same request and Stripe executes it at most once. Calls
 * are rate limited per Stripe account, retried by {@link StripeRetryPolicy}, and answered as a classified
 * {@link StripeResult}; they never throw for a Stripe error.
 *
 * <p>The calls block (network plus backoff): run them off the consumer's poll thread.
 */
public final class StripeGateway {

    private static final Logger log = LoggerFactory.getLogger(StripeGateway.class);

    private final StripeClient client;
    private final StripeRetryPolicy retryPolicy;
    private final StripeRateLimiter rateLimiter;
    private final Authenticator apiKey;
    /** Sent as {@code traceparent} on every call of this gateway; null sends none. */
    private final TraceContext trace;

    public StripeGateway(StripeGatewayConfig config) {
        this(config, StripeRetryPolicy.forConfig(config), StripeRateLimiter.forConfig(config));
    }

    public StripeGateway(StripeGatewayConfig config, StripeRetryPolicy retryPolicy, StripeRateLimiter rateLimiter) {
        this.retryPolicy = Objects.requireNonNull(retryPolicy);
        this.rateLimiter = Objects.requireNonNull(rateLimiter);
        this.apiKey = new BearerTokenAuthenticator(config.apiKey());
        this.trace = null;
        this.client = StripeClient.builder()
                .setApiKey(config.apiKey())
                .setApiBase(config.apiBase())
                .setConnectTimeout(Math.toIntExact(config.connectTimeout().toMillis()))
                .setReadTimeout(Math.toIntExact(config.readTimeout().toMillis()))
                // StripeRetryPolicy is the only retry loop: stripe-java's own would multiply the attempts, does not
                // retry 429s, and sleeps at least 500 ms regardless of our backoff settings.
                .setMaxNetworkRetries(0)
                .build();
        log.info("stripe gateway ready api_base={} test_mode={} max_attempts={} writes_per_second={}",
                config.apiBase(), config.testMode(), retryPolicy.maxAttempts(), rateLimiter.perSecond());
    }

    private StripeGateway(StripeGateway gateway, TraceContext trace) {
        this.client = gateway.client;
        this.retryPolicy = gateway.retryPolicy;
        this.rateLimiter = gateway.rateLimiter;
        this.apiKey = gateway.apiKey;
        this.trace = trace;
    }

    /** The same gateway (client, retries, rate limit shared) sending {@code traceparent} on its calls. */
    public StripeGateway withTrace(TraceContext trace) {
        return new StripeGateway(this, Objects.requireNonNull(trace, "trace"));
    }

    /** At most one PaymentIntent per session: Stripe replays the first answer for this key. */
    public static String paymentIntentKey(String sessionId) {
        return "tollgate_" + sessionId + "_pi";
    }

    public static String captureKey(String sessionId) {
        return "tollgate_" + sessionId + "_capture";
    }

    /**
     * The first cancel of a session has its own key; each retry an operator asks for (after a cancel failed
     * for good) another, since Stripe replays a stored failure for a key it saw.
     */
    public static String cancelKey(String sessionId, int retry) {
        return withRetry("tollgate_" + sessionId + "_cancel", retry);
    }

    public static String refundKey(String sessionId, String paymentIntentId, int retry) {
        return withRetry("tollgate_" + sessionId + "_refund_" + paymentIntentId, retry);
    }

    private static String withRetry(String key, int retry) {
        return retry == 0 ? key : key + "_retry" + retry;
    }

    /**
     * Creates (or finds again, by its key) the session's PaymentIntent.
     *
     * @return {@link Created} with the clear client secret (encrypt it before it leaves the worker), or
     *     {@link Failed}
     */
    public CreateResult createPaymentIntent(String sessionId, String agencyId, String merchantId,
            PaymentRequested request) {
        String key = paymentIntentKey(sessionId);
        if (request.getIdempotencyKey() != null && !key.equals(request.getIdempotencyKey())) {
            // the key must be derivable from the session alone, whatever an event says, or a replay could pay twice
            log.warn("payment request carries an unexpected idempotency key session_id={} event_key={} used_key={}",
                    sessionId, request.getIdempotencyKey(), key);
        }
        PaymentIntentCreateParams params = createParams(sessionId, agencyId, merchantId, request);
        String account = request.getStripeAccount();
        RequestOptions options = options(key, account);
        try {
            PaymentIntent pi = retryPolicy.execute("create_payment_intent", sessionId, attempt -> {
                rateLimiter.acquire(account);
                return client.paymentIntents().create(params, options);
            });
            boolean replayed = replayed(pi);
            log.debug("stripe payment_intent created session_id={} payment_intent_id={} status={} replayed={} "
                    + "stripe_account={}", sessionId, pi.getId(), pi.getStatus(), replayed, account);
            return new Created(pi.getId(), pi.getClientSecret(), pi.getStatus(), replayed);
        } catch (StripeException e) {
            return failed("create_payment_intent", sessionId, e);
        } catch (InterruptedException e) {
            return interrupted("create_payment_intent", sessionId);
        }
    }

    /** Captures the full amount held on a manual-capture intent. */
    public CaptureResult capture(String sessionId, CaptureRequested request) {
        return capture(sessionId, request.getPaymentIntentId(), request.getStripeAccount());
    }

    public CaptureResult capture(String sessionId, String paymentIntentId, String stripeAccount) {
        RequestOptions options = options(captureKey(sessionId), stripeAccount);
        try {
            PaymentIntent pi = retryPolicy.execute("capture", sessionId, attempt -> {
                rateLimiter.acquire(stripeAccount);
                return client.paymentIntents().capture(paymentIntentId, options);
            });
            log.info("stripe payment_intent captured session_id={} payment_intent_id={} status={} amount_received={}",
                    sessionId, pi.getId(), pi.getStatus(), pi.getAmountReceived());
            return new Captured(pi.getId(), pi.getStatus(), nonNull(pi.getAmountReceived()));
        } catch (StripeException e) {
            PaymentIntent current = intentIn(e);
            if (current != null && "succeeded".equals(current.getStatus())) {
                log.info("stripe payment_intent already captured session_id={} payment_intent_id={}", sessionId,
                        current.getId());
                return new Captured(current.getId(), current.getStatus(), nonNull(current.getAmountReceived()));
            }
            return failed("capture", sessionId, e);
        } catch (InterruptedException e) {
            return interrupted("capture", sessionId);
        }
    }

    /**
     * Cancels the intent. No cancellation reason is sent: the key is per session, so its parameters must not
     * vary with why the session ended, or a second cancel would be an idempotency error.
     */
    public CancelResult cancel(String sessionId, CancelRequested request) {
        log.info("stripe cancel requested session_id={} payment_intent_id={} reason={}", sessionId,
                request.getPaymentIntentId(), request.getReason());
        return cancel(sessionId, request.getPaymentIntentId(), request.getStripeAccount(),
                cancelKey(sessionId, request.getRetry()));
    }

    public CancelResult cancel(String sessionId, String paymentIntentId, String stripeAccount) {
        return cancel(sessionId, paymentIntentId, stripeAccount, cancelKey(sessionId, 0));
    }

    private CancelResult cancel(String sessionId, String paymentIntentId, String stripeAccount, String idempotencyKey) {
        RequestOptions options = options(idempotencyKey, stripeAccount);
        try {
            PaymentIntent pi = retryPolicy.execute("cancel", sessionId, attempt -> {
                rateLimiter.acquire(stripeAccount);
                return client.paymentIntents().cancel(paymentIntentId, options);
            });
            log.info("stripe payment_intent canceled session_id={} payment_intent_id={}", sessionId, pi.getId());
            return new Canceled(pi.getId(), pi.getStatus());
        } catch (StripeException e) {
            PaymentIntent current = intentIn(e);
            if (current != null && "canceled".equals(current.getStatus())) {
                log.info("stripe payment_intent already canceled session_id={} payment_intent_id={}", sessionId,
                        current.getId());
                return new Canceled(current.getId(), current.getStatus());
            }
            return failed("cancel", sessionId, e);
        } catch (InterruptedException e) {
            return interrupted("cancel", sessionId);
        }
    }

    /**
     * Refunds a payment that arrived after its session ended. The key names the intent, not only the session: a
     * session could in principle see a stray second intent paid, and each must go back once.
     */
    public RefundResult refund(String sessionId, RefundRequested request) {
        String paymentIntentId = request.getPaymentIntentId();
        String account = request.getStripeAccount();
        RequestOptions options = options(refundKey(sessionId, paymentIntentId, request.getRetry()), account);
        RefundCreateParams params = RefundCreateParams.builder().setPaymentIntent(paymentIntentId)
                .putMetadata("session_id", sessionId).putMetadata("tollgate_reason", request.getReason()).build();
        try {
            Refund refund = retryPolicy.execute("refund", sessionId, attempt -> {
                rateLimiter.acquire(account);
                return client.refunds().create(params, options);
            });
            log.info("stripe refund created session_id={} payment_intent_id={} refund_id={} amount={} reason={}",
                    sessionId, paymentIntentId, refund.getId(), refund.getAmount(), request.getReason());
            return new Refunded(paymentIntentId, refund.getId(), nonNull(refund.getAmount()));
        } catch (StripeException e) {
            if ("charge_already_refunded".equals(StripeRetryPolicy.codeOf(e))) {
                log.info("stripe payment already refunded session_id={} payment_intent_id={}", sessionId, paymentIntentId);
                return new Refunded(paymentIntentId, null, 0);
            }
            return failed("refund", sessionId, e);
        } catch (InterruptedException e) {
            return interrupted("refund", sessionId);
        }
    }

    static PaymentIntentCreateParams createParams(String sessionId, String agencyId, String merchantId,
            PaymentRequested request) {
        PaymentIntentCreateParams.Builder b = PaymentIntentCreateParams.builder()
                .setAmount(request.getAmountMinor())
                .setCurrency(request.getCurrency().toLowerCase(Locale.ROOT))
                .setAutomaticPaymentMethods(PaymentIntentCreateParams.AutomaticPaymentMethods.builder()
                        .setEnabled(true).build())
                .putMetadata("session_id", sessionId)
                .putMetadata("agency_id", agencyId)
                .putMetadata("merchant_id", merchantId);
        List<String> exemptions = request.getExemptions();
        if (exemptions != null && !exemptions.isEmpty()) {
            b.putMetadata("exemptions", String.join(",", exemptions));
        }
        if (request.getScaForce()) {
            b.setPaymentMethodOptions(PaymentIntentCreateParams.PaymentMethodOptions.builder()
                    .setCard(PaymentIntentCreateParams.PaymentMethodOptions.Card.builder()
                            .setRequestThreeDSecure(
                                    PaymentIntentCreateParams.PaymentMethodOptions.Card.RequestThreeDSecure.ANY)
                            .build())
                    .build());
        }
        if (request.getCaptureMethod() == CaptureMethod.MANUAL) {
            b.setCaptureMethod(PaymentIntentCreateParams.CaptureMethod.MANUAL);
        }
        return b.build();
    }

    private RequestOptions options(String idempotencyKey, String stripeAccount) {
        RequestOptions.RequestOptionsBuilder b = RequestOptions.builder().setIdempotencyKey(idempotencyKey);
        if (stripeAccount != null && !stripeAccount.isBlank()) {
            b.setStripeAccount(stripeAccount);
        }
        if (trace != null) {
            b.setAuthenticator(new TracingAuthenticator(apiKey, trace.traceparent()));
        }
        return b.build();
    }

    /**
     * stripe-java takes no custom header per request, but a per-request {@link Authenticator} sees each
     * request (every retry too) and may add headers: it adds {@code traceparent} after the API key's own.
     */
    private record TracingAuthenticator(Authenticator apiKey, String traceparent) implements Authenticator {
        @Override
        public StripeRequest authenticate(StripeRequest request) throws StripeException {
            return apiKey.authenticate(request).withAdditionalHeader(TraceContext.HEADER, traceparent);
        }

        @Override
        public String toString() {
            return "TracingAuthenticator[traceparent=" + traceparent + "]";
        }
    }

    private static boolean replayed(PaymentIntent pi) {
        return pi.getLastResponse() != null && pi.getLastResponse().headers() != null
                && "true".equals(pi.getLastResponse().headers().firstValue("Idempotent-Replayed").orElse(null));
    }

    private static PaymentIntent intentIn(StripeException e) {
        StripeError error = e.getStripeError();
        return error == null ? null : error.getPaymentIntent();
    }

    private Failed failed(String operation, String sessionId, StripeException e) {
        boolean permanent = !retryPolicy.isRetryable(e);
        PaymentIntent pi = intentIn(e);
        String declineCode = e instanceof CardException card ? card.getDeclineCode() : null;
        Failed failed = new Failed(kindOf(e), StripeRetryPolicy.codeOf(e), messageOf(e), declineCode, permanent,
                StripeRetryPolicy.statusOf(e), pi == null ? null : pi.getId());
        if (permanent) {
            log.warn("stripe call refused operation={} session_id={} kind={} code={} decline_code={} status={} "
                    + "request_id={} message=\"{}\"", operation, sessionId, failed.kind(), failed.code(),
                    failed.declineCode(), failed.httpStatus(), e.getRequestId(), failed.message());
        } else {
            log.warn("stripe call gave up after retries operation={} session_id={} kind={} code={} status={} "
                    + "request_id={} attempts={}", operation, sessionId, failed.kind(), failed.code(),
                    failed.httpStatus(), e.getRequestId(), retryPolicy.maxAttempts());
        }
        return failed;
    }

    private static Failed interrupted(String operation, String sessionId) {
        Thread.currentThread().interrupt();
        log.info("stripe call interrupted operation={} session_id={}", operation, sessionId);
        return new Failed(Kind.INTERRUPTED, "interrupted", "interrupted before Stripe answered", null, false, null,
                null);
    }

    private static Kind kindOf(StripeException e) {
        if (e instanceof CardException) {
            return Kind.CARD;
        }
        if (e instanceof IdempotencyException) {
            return Kind.IDEMPOTENCY;
        }
        if (e instanceof InvalidRequestException) {
            return Kind.INVALID_REQUEST;
        }
        if (e instanceof AuthenticationException) {
            return Kind.AUTHENTICATION;
        }
        if (e instanceof PermissionException) {
            return Kind.PERMISSION;
        }
        if (e instanceof RateLimitException) {
            return Kind.RATE_LIMIT;
        }
        if (e instanceof ApiConnectionException) {
            return Kind.CONNECTION;
        }
        StripeError error = e.getStripeError();
        if (error != null && "idempotency_error".equals(error.getType())) {
            return Kind.IDEMPOTENCY;
        }
        return Kind.API;
    }

    private static String messageOf(StripeException e) {
        if (e instanceof ApiConnectionException) {
            // stripe-java's own message names the global Stripe.apiBase, not the client's base URL
            Throwable cause = e.getCause();
            return "no answer from Stripe: " + (cause != null ? cause.toString() : e.getMessage());
        }
        StripeError error = e.getStripeError();
        return error != null && error.getMessage() != null ? error.getMessage() : e.getMessage();
    }

    private static long nonNull(Long value) {
        return value == null ? 0 : value;
    }
}
