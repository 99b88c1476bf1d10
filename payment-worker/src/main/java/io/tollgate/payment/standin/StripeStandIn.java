package io.tollgate.payment.standin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.stripe.Stripe;
import io.javalin.Javalin;
import io.tollgate.common.http.BoundedBody;
import io.tollgate.common.http.JsonErrorPages;
import io.tollgate.common.http.RequestBodies;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local Stripe stand-in: an HTTP server speaking enough of Stripe's PaymentIntents API that stripe-java
 * talks to it unchanged (point {@code setApiBase} at {@link #apiBase()}). It is not Stripe and says so in
 * its logs; it exists so that Tollgate's embedded stack, demos and tests can show what stateless
 * stripe-mock cannot: idempotency keys honoured per account, at most one PaymentIntent per key, a shopper
 * paying, and signed webhooks.
 *
 * <p>Endpoints: {@code POST /v1/payment_intents}, {@code GET /v1/payment_intents/{id}},
 * {@code POST /v1/payment_intents/{id}/confirm|capture|cancel}. Requests need
 * {@code Authorization: Bearer sk_test_...}; {@code Stripe-Account} scopes objects and idempotency keys.
 * Test cards: {@code pm_card_visa} (and mastercard, amex) succeed; {@code pm_card_chargeDeclined} and
 * {@code pm_card_chargeDeclinedInsufficientFunds} decline.
 *
 * <p>Switches for tests and demos: {@link #latency(Duration)}, {@link #failNext(int, Fault)},
 * {@link #requests()}, {@link #sendWebhooksTo(URI, String)}. All state lives in this instance.
 */
public final class StripeStandIn implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StripeStandIn.class);
    private static final String ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int FORM_LIMIT = 64 * 1024;

    private final Clock clock;
    private final String host;
    private final SecureRandom random = new SecureRandom();
    private final ObjectMapper json = new ObjectMapper();
    private final IdempotencyStore idempotency = new IdempotencyStore();
    private final Map<String, StandInPaymentIntent> intents = new ConcurrentHashMap<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final WebhookDispatcher webhooks;
    private final Javalin app;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile Duration latency = Duration.ZERO;
    private volatile double faultRate;
    private volatile List<Fault> randomFaults = List.of();

    private StripeStandIn(Builder b) {
        this.clock = b.clock;
        this.host = b.host;
        this.webhooks = new WebhookDispatcher(b.clock, b.webhookRetryDelays);
        this.app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            // what Jetty refuses itself answers JSON, as Stripe does, not an HTML page
            JsonErrorPages.install(config);
        });
        app.post("/v1/payment_intents", ctx -> serve(ctx, "create", this::create));
        app.get("/v1/payment_intents/{id}", ctx -> serve(ctx, "retrieve", this::retrieve));
        app.post("/v1/payment_intents/{id}/confirm", ctx -> serve(ctx, "confirm", this::confirm));
        app.post("/v1/payment_intents/{id}/capture", ctx -> serve(ctx, "capture", this::capture));
        app.post("/v1/payment_intents/{id}/cancel", ctx -> serve(ctx, "cancel", this::cancel));
        app.post("/v1/refunds", ctx -> serve(ctx, "refund", this::refund));
        app.get("/*", ctx -> serve(ctx, "unknown", this::unrecognized));
        app.post("/*", ctx -> serve(ctx, "unknown", this::unrecognized));
        app.delete("/*", ctx -> serve(ctx, "unknown", this::unrecognized));
        try {
            app.start(b.host, b.port);
        } catch (RuntimeException e) {
            webhooks.close();
            throw e;
        }
        log.info("stripe_stand_in started api_base={} note=\"local Stripe stand-in, not Stripe\"", apiBase());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A stand-in on a free loopback port with default settings. */
    public static StripeStandIn start() {
        return builder().start();
    }

    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 0;
        private Clock clock = Clock.systemUTC();
        private List<Duration> webhookRetryDelays =
                List.of(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(5));

        private Builder() {}

        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** 0 (the default) picks a free port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The clock for {@code created} times and webhook signature timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /** Waits between webhook delivery attempts; the list's size is the number of retries. */
        public Builder webhookRetryDelays(List<Duration> delays) {
            this.webhookRetryDelays = List.copyOf(delays);
            return this;
        }

        public StripeStandIn start() {
            return new StripeStandIn(this);
        }
    }

    // ---- switches and inspection -------------------------------------------------------------------

    /** Base URL for stripe-java's {@code setApiBase}, e.g. {@code http://127.0.0.1:54321}. */
    public String apiBase() {
        String reachable = host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
        return "http://" + reachable + ":" + app.port();
    }

    public int port() {
        return app.port();
    }

    /** Time every request spends executing, so concurrent requests overlap. */
    public void latency(Duration latency) {
        this.latency = Objects.requireNonNull(latency);
    }

    /** The next {@code count} requests, whatever they are, fail with {@code fault}. */
    public void failNext(int count, Fault fault) {
        synchronized (faults) {
            for (int i = 0; i < count; i++) {
                faults.add(fault);
            }
        }
    }

    /**
     * From now on each request fails with probability {@code rate} (0 to 1), with one of {@code faults} picked at
     * random, after any queued by {@link #failNext}: a flaky Stripe for fault tests. A rate of 0 stops it.
     */
    public void failRandomly(double rate, List<Fault> faults) {
        if (rate < 0 || rate > 1 || (rate > 0 && faults.isEmpty())) {
            throw new IllegalArgumentException("rate must be from 0 to 1 with at least one fault, got " + rate + " " + faults);
        }
        this.randomFaults = List.copyOf(faults);
        this.faultRate = rate;
    }

    /** Every request received so far, in the order they were answered. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Requests being executed right now (inside {@link #latency(Duration)}), so tests can overlap them. */
    public int requestsInFlight() {
        return inFlight.get();
    }

    /** Events from now on go to {@code url}, signed with {@code webhookSecret} ({@code whsec_...}). */
    public void sendWebhooksTo(URI url, String webhookSecret) {
        webhooks.sendTo(url, webhookSecret);
        log.info("stripe_stand_in webhooks target={}", url);
    }

    /**
     * The {@code Stripe-Signature} header Stripe would send with {@code payload} at {@code unixSeconds}, for
     * callers that deliver an event themselves (a redelivery, a stale or wrongly keyed signature).
     */
    public static String signatureHeader(String webhookSecret, String payload, long unixSeconds) {
        return WebhookDispatcher.signatureHeader(webhookSecret, payload, unixSeconds);
    }

    public List<WebhookDelivery> webhookDeliveries() {
        return webhooks.deliveries();
    }

    /** Every event created so far, as the JSON sent (or that would be sent) to the webhook endpoint. */
    public List<String> events() {
        return List.copyOf(events);
    }

    /** PaymentIntents on {@code stripeAccount} (null for the platform). */
    public long paymentIntentCount(String stripeAccount) {
        return intents.values().stream().filter(pi -> Objects.equals(pi.account, stripeAccount)).count();
    }

    public long paymentIntentCount() {
        return intents.size();
    }

    /**
     * PaymentIntents per {@code metadata.session_id} (intents without one are left out): what a check of
     * "at most one PaymentIntent per session" asks Stripe.
     */
    public Map<String, Long> paymentIntentsBySession() {
        return intents.values().stream().filter(pi -> pi.metadata().get("session_id") != null)
                .collect(java.util.stream.Collectors.groupingBy(pi -> pi.metadata().get("session_id"),
                        java.util.stream.Collectors.counting()));
    }

    /**
     * Money each session holds of its shopper's, in minor units, per {@code metadata.session_id}: received and
     * not refunded plus authorized and not released, over the session's intents; sessions holding none are left
     * out. What a check of "a session that did not end paid keeps no money" asks Stripe.
     */
    public Map<String, Long> amountHeldBySession() {
        Map<String, Long> held = new java.util.TreeMap<>();
        for (StandInPaymentIntent pi : intents.values()) {
            String session = pi.metadata().get("session_id");
            long amount = pi.amountHeld();
            if (session != null && amount != 0) {
                held.merge(session, amount, Long::sum);
            }
        }
        return held;
    }

    /**
     * Plays the shopper paying on the checkout page: confirms the intent with a test payment method
     * ({@code pm_card_visa}, {@code pm_card_chargeDeclined}, ...), sending the resulting webhook events.
     *
     * @return the intent's status afterwards: succeeded, requires_capture, or requires_payment_method after a
     *     decline
     * @throws IllegalStateException when the intent does not exist or cannot be confirmed
     */
    public String pay(String paymentIntentId, String paymentMethod) {
        StandInPaymentIntent pi = intents.get(paymentIntentId);
        if (pi == null) {
            throw new IllegalStateException("no such payment_intent: " + paymentIntentId);
        }
        try {
            StandInPaymentIntent.Transition t = pi.confirm(paymentMethod, this::newId);
            emit(t, pi, null, null);
        } catch (StripeApiError e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        log.info("stripe_stand_in shopper paid payment_intent_id={} payment_method={} status={}", paymentIntentId,
                paymentMethod, pi.status());
        return pi.status();
    }

    @Override
    public void close() {
        webhooks.close();
        app.stop();
        log.info("stripe_stand_in stopped");
    }

    // ---- request pipeline --------------------------------------------------------------------------

    /** What an endpoint sees of a request. */
    private record Call(String account, String paymentIntentId, FormParams params, String idempotencyKey,
            String requestId, String method, String path) {}

    @FunctionalInterface
    private interface Operation {
        Map<String, Object> apply(Call call);
    }

    private void serve(Context ctx, String operationName, Operation operation) {
        String method = ctx.method().name();
        String path = ctx.path();
        String account = ctx.header("Stripe-Account");
        String key = ctx.header("Idempotency-Key");
        FormParams params = FormParams.parse("GET".equals(method) ? ctx.queryString() : formBody(ctx));
        String requestId = "req_" + newId(14);

        Fault fault;
        synchronized (faults) {
            fault = faults.poll();
        }
        if (fault == null && faultRate > 0 && random.nextDouble() < faultRate) {
            List<Fault> pick = randomFaults;
            fault = pick.get(random.nextInt(pick.size()));
        }
        if (fault != null) {
            injectFault(ctx, fault, requestId);
            record(ctx, key, account, params, fault == Fault.CONNECTION_DROP ? 0 : ctx.statusCode(), false);
            log.info("stripe_stand_in injected fault={} method={} path={} idempotency_key={}", fault, method, path,
                    key);
            return;
        }

        StandInResponse response;
        boolean replayed = false;
        try {
            authenticate(ctx.header("Authorization"), account);
            Call call = new Call(account, ctx.pathParamMap().get("id"), params, key, requestId, method, path);
            if ("POST".equals(method) && key != null) {
                IdempotencyStore.Claim claim =
                        idempotency.claim(account, key, method + " " + path, params, clock.instant());
                if (claim instanceof IdempotencyStore.Replay r) {
                    response = r.saved();
                    replayed = true;
                } else if (claim instanceof IdempotencyStore.InUse) {
                    ctx.header("Stripe-Should-Retry", "true");
                    throw StripeApiError.idempotencyKeyInUse(key);
                } else if (claim instanceof IdempotencyStore.Mismatch) {
                    throw StripeApiError.idempotencyMismatch(key);
                } else {
                    IdempotencyStore.Owned owned = (IdempotencyStore.Owned) claim;
                    Outcome outcome = execute(operation, call);
                    if (outcome.save()) {
                        idempotency.save(owned, outcome.response());
                    } else {
                        idempotency.release(owned);
                    }
                    response = outcome.response();
                }
            } else {
                response = execute(operation, call).response();
            }
        } catch (StripeApiError e) {
            response = new StandInResponse(e.status, write(e.body()));
        }
        if (replayed) {
            ctx.header("Idempotent-Replayed", "true");
        }
        ctx.header("Request-Id", requestId);
        ctx.header("Stripe-Version", Stripe.API_VERSION);
        ctx.status(response.status()).contentType("application/json").result(response.body());
        record(ctx, key, account, params, response.status(), replayed);
        log.debug("stripe_stand_in request operation={} method={} path={} status={} replayed={} idempotency_key={}",
                operationName, method, path, response.status(), replayed, key);
    }

    /** An endpoint's answer, and whether Stripe would save it under the idempotency key. */
    private record Outcome(StandInResponse response, boolean save) {}

    private Outcome execute(Operation operation, Call call) {
        inFlight.incrementAndGet();
        try {
            sleepLatency();
            return new Outcome(new StandInResponse(200, write(operation.apply(call))), true);
        } catch (StripeApiError e) {
            return new Outcome(new StandInResponse(e.status, write(e.body())), e.saved);
        } catch (RuntimeException e) {
            // a stand-in bug must not leave the key locked in flight for ever
            log.error("stripe_stand_in internal error path={}", call.path(), e);
            return new Outcome(new StandInResponse(500, write(Map.of("error", Map.of("type", "api_error",
                    "message", "Stripe stand-in internal error: " + e)))), false);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void sleepLatency() {
        Duration d = latency;
        if (!d.isZero()) {
            try {
                Thread.sleep(d.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void authenticate(String authorization, String account) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw StripeApiError.unauthenticated("You did not provide an API key. You need to provide your API key in "
                    + "the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
        }
        String apiKey = authorization.substring("Bearer ".length()).trim();
        if (!(apiKey.startsWith("sk_test_") || apiKey.startsWith("rk_test_")) || apiKey.length() <= 8) {
            throw StripeApiError.unauthenticated("Invalid API Key provided: " + redact(apiKey)
                    + " (the Stripe stand-in accepts test-mode secret keys only)");
        }
        if (account != null && !account.startsWith("acct_")) {
            throw StripeApiError.invalidRequest(null, "The provided key does not have access to account '" + account
                    + "' (or that account does not exist).", null);
        }
    }

    private static String redact(String apiKey) {
        int keep = Math.min(8, apiKey.length());
        return apiKey.substring(0, keep) + "*".repeat(Math.max(0, apiKey.length() - keep - 4))
                + (apiKey.length() > keep + 4 ? apiKey.substring(apiKey.length() - 4) : "");
    }

    private void injectFault(Context ctx, Fault fault, String requestId) {
        switch (fault) {
            case SERVER_ERROR, SERVER_ERROR_DO_NOT_RETRY -> {
                if (fault == Fault.SERVER_ERROR_DO_NOT_RETRY) {
                    ctx.header("Stripe-Should-Retry", "false");
                }
                ctx.header("Request-Id", requestId);
                ctx.status(500).contentType("application/json").result(write(Map.of("error", Map.of(
                        "type", "api_error",
                        "message", "An unknown error occurred (injected by the Stripe stand-in)."))));
            }
            case RATE_LIMITED -> {
                ctx.header("Request-Id", requestId);
                ctx.status(429).contentType("application/json").result(write(Map.of("error", Map.of(
                        "type", "invalid_request_error", "code", "rate_limit",
                        "message", "Request rate limit exceeded (injected by the Stripe stand-in)."))));
            }
            case CONNECTION_DROP -> {
                org.eclipse.jetty.server.Request base = org.eclipse.jetty.server.Request.getBaseRequest(ctx.req());
                base.getHttpChannel().abort(new IOException("connection dropped by the Stripe stand-in"));
            }
        }
    }

    private void record(Context ctx, String key, String account, FormParams params, int status, boolean replayed) {
        requests.add(new RecordedRequest(ctx.method().name(), ctx.path(), key, account, params.asMap(), status, replayed,
                ctx.header("traceparent")));
    }

    // ---- endpoints ---------------------------------------------------------------------------------

    private Map<String, Object> create(Call call) {
        rejectUnknown(call.params(), StandInPaymentIntent.CREATE_PARAMS);
        String id = "pi_" + newId(24);
        StandInPaymentIntent pi = StandInPaymentIntent.create(id, id + "_secret_" + newId(25), call.account(),
                call.params(), clock.instant().getEpochSecond());
        intents.put(id, pi);
        log.debug("stripe_stand_in payment_intent created payment_intent_id={} account={} session_id={}", id,
                call.account(), pi.metadata().get("session_id"));
        if ("true".equals(call.params().get("confirm"))) {
            return confirmNow(pi, call.params().get("payment_method"), call);
        }
        return pi.toJson();
    }

    private Map<String, Object> retrieve(Call call) {
        return find(call).toJson();
    }

    private Map<String, Object> confirm(Call call) {
        rejectUnknown(call.params(), StandInPaymentIntent.CONFIRM_PARAMS);
        return confirmNow(find(call), call.params().get("payment_method"), call);
    }

    private Map<String, Object> confirmNow(StandInPaymentIntent pi, String paymentMethod, Call call) {
        StandInPaymentIntent.Transition t = pi.confirm(paymentMethod, this::newId);
        emit(t, pi, call.requestId(), call.idempotencyKey());
        if (t.answer() != null) {
            throw t.answer();
        }
        return pi.toJson();
    }

    private Map<String, Object> capture(Call call) {
        rejectUnknown(call.params(), StandInPaymentIntent.CAPTURE_PARAMS);
        StandInPaymentIntent pi = find(call);
        emit(pi.capture(call.params().get("amount_to_capture")), pi, call.requestId(), call.idempotencyKey());
        return pi.toJson();
    }

    private Map<String, Object> cancel(Call call) {
        rejectUnknown(call.params(), StandInPaymentIntent.CANCEL_PARAMS);
        StandInPaymentIntent pi = find(call);
        emit(pi.cancel(call.params().get("cancellation_reason"), clock.instant().getEpochSecond()), pi,
                call.requestId(), call.idempotencyKey());
        return pi.toJson();
    }

    private static final Set<String> REFUND_PARAMS = Set.of("payment_intent", "amount", "reason", "metadata", "expand");

    /** Refunds by PaymentIntent, as {@code Refund.create} with {@code payment_intent} does; no webhook follows. */
    private Map<String, Object> refund(Call call) {
        rejectUnknown(call.params(), REFUND_PARAMS);
        String paymentIntentId = call.params().get("payment_intent");
        if (paymentIntentId == null) {
            throw StripeApiError.missing("payment_intent");
        }
        StandInPaymentIntent pi = intents.get(paymentIntentId);
        if (pi == null || !Objects.equals(pi.account, call.account())) {
            throw StripeApiError.noSuchPaymentIntent(paymentIntentId);
        }
        long amount = pi.refund(call.params().get("amount"));
        String id = "re_" + newId(24);
        log.info("stripe_stand_in refund created refund_id={} payment_intent_id={} amount={} session_id={}", id,
                pi.id, amount, pi.metadata().get("session_id"));
        Map<String, Object> refund = new LinkedHashMap<>();
        refund.put("id", id);
        refund.put("object", "refund");
        refund.put("amount", amount);
        refund.put("currency", pi.currency());
        refund.put("created", clock.instant().getEpochSecond());
        refund.put("metadata", Map.of());
        refund.put("payment_intent", pi.id);
        refund.put("reason", call.params().get("reason"));
        refund.put("status", "succeeded");
        return refund;
    }

    /** What has been refunded on the intent so far, in minor units; 0 for an unknown intent. */
    public long amountRefunded(String paymentIntentId) {
        StandInPaymentIntent pi = intents.get(paymentIntentId);
        return pi == null ? 0 : pi.amountRefunded();
    }

    private Map<String, Object> unrecognized(Call call) {
        throw StripeApiError.unrecognizedUrl(call.method(), call.path());
    }

    private StandInPaymentIntent find(Call call) {
        StandInPaymentIntent pi = intents.get(call.paymentIntentId());
        if (pi == null || !Objects.equals(pi.account, call.account())) {
            throw StripeApiError.noSuchPaymentIntent(call.paymentIntentId());
        }
        return pi;
    }

    private static void rejectUnknown(FormParams params, Set<String> allowed) {
        for (String name : params.topLevelNames()) {
            if (!allowed.contains(name)) {
                throw StripeApiError.unknownParameter(name);
            }
        }
    }

    // ---- events ------------------------------------------------------------------------------------

    private void emit(StandInPaymentIntent.Transition transition, StandInPaymentIntent pi, String requestId,
            String idempotencyKey) {
        for (String type : transition.events()) {
            String eventId = "evt_" + newId(24);
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("id", eventId);
            event.put("object", "event");
            if (pi.account != null) {
                event.put("account", pi.account);
            }
            // stripe-java only deserializes data.object when the event's version is the one it is pinned to
            event.put("api_version", Stripe.API_VERSION);
            event.put("created", clock.instant().getEpochSecond());
            event.put("data", Map.of("object", pi.toJson()));
            event.put("livemode", false);
            event.put("pending_webhooks", 1);
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("id", requestId);
            request.put("idempotency_key", idempotencyKey);
            event.put("request", request);
            event.put("type", type);
            String payload = write(event);
            events.add(payload);
            webhooks.dispatch(eventId, type, payload);
            log.info("stripe_stand_in event event_id={} event_type={} payment_intent_id={} session_id={}", eventId,
                    type, pi.id, pi.metadata().get("session_id"));
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------

    private String newId() {
        return newId(24);
    }

    private String newId(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render stand-in JSON", e);
        }
    }

    /** Stripe's own limit on a request is far below this; a larger body is refused while it streams. */
    private static String formBody(Context ctx) {
        try {
            return new String(RequestBodies.read(ctx, FORM_LIMIT), java.nio.charset.StandardCharsets.UTF_8);
        } catch (BoundedBody.TooLargeException e) {
            throw new io.javalin.http.HttpResponseException(413, "the body is larger than " + FORM_LIMIT + " bytes");
        }
    }
}
