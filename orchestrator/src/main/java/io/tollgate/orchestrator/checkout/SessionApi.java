package io.tollgate.orchestrator.checkout;

import io.tollgate.common.crypto.Sha256;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.KeyedReplies;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.common.trace.RequestTrace;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.schema.Attempt;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.PartnerCancel;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.RequestConfirm;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session routes. Handlers read a session where the fold keeps it ({@link SessionStore}), append
 * a command when the state does not already decide the answer, and wait — asynchronously, no thread
 * per request — for the fold's result on the session-state topic ({@link KeyedReplies}).
 */
public final class SessionApi implements HttpApi.Routes {
    private static final Logger log = LoggerFactory.getLogger(SessionApi.class);
    private static final String CLIENT_TOKEN_PREFIX = "ct_";
    private static final Duration WRITE_WAIT = Duration.ofSeconds(10);
    /** Time the hook-caller may need to pick the commit up before its call starts. */
    private static final Duration DISPATCH_ALLOWANCE = Duration.ofMillis(500);

    /** What the API needs to know of tuning. */
    public record Settings(Duration sessionTtl, int maxAttempts, Duration confirmBudget) {
    }

    /** Who is asking: a partner (its agency's sessions only) or the shopper holding one session's client token. */
    private record Access(PartnerAuth.Caller partner, String actor) {
        boolean maySee(SessionState s) {
            return partner == null || partner.agency().equals(s.getAgencyId());
        }
    }

    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final ObjectMapper mapper;
    private final CommandLog<CheckoutCommand> commands;
    private final SessionStore store;
    private final KeyedReplies<SessionState> replies;
    private final MerchantDirectory merchants;
    private final SecretBox secrets;
    private final Settings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public SessionApi(PartnerAuth auth, ObjectMapper mapper, CommandLog<CheckoutCommand> commands, SessionStore store,
            KeyedReplies<SessionState> replies, MerchantDirectory merchants, SecretBox secrets, Settings settings, Clock clock) {
        this.auth = auth;
        this.mapper = mapper;
        this.bodies = new JsonBodies(mapper);
        this.commands = commands;
        this.store = store;
        this.replies = replies;
        this.merchants = merchants;
        this.secrets = secrets;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void addTo(Javalin app) {
        app.post("/v2/sessions", this::create);
        app.get("/v2/sessions/{id}", this::get);
        app.post("/v2/sessions/{id}/confirm", this::confirm);
        app.post("/v2/sessions/{id}/partner-confirm", this::partnerConfirm);
        app.post("/v2/sessions/{id}/partner-cancel", this::partnerCancel);
    }

    // ---- routes --------------------------------------------------------------------------------

    private void create(Context ctx) {
        PartnerAuth.Caller caller = auth.require(ctx);
        SessionRequests.CreateSession body = bodies.read(ctx, SessionRequests.CreateSession.class, JsonBodies.SESSION_LIMIT);
        body.validate();
        String idempotencyKey = optionalKey(ctx);
        String requestHash = Sha256.hex(write(body));
        String sessionId = idempotencyKey == null ? newSessionId() : derivedSessionId(caller.agency(), idempotencyKey);
        TraceContext trace = RequestTrace.of(ctx);
        // a key used before names an existing session: its state answers, and nothing is appended (one
        // not folded yet is appended again; the fold drops the repeat and writes the session as it is)
        CompletableFuture<Optional<SessionState>> earlier = idempotencyKey == null
                ? CompletableFuture.completedFuture(Optional.empty()) : store.peek(sessionId);
        ctx.future(() -> earlier.thenCompose(existing -> {
                    if (existing.isPresent()) {
                        return CompletableFuture.completedFuture(existing.get());
                    }
                    return merchant(caller.agency(), body.merchantId()).thenCompose(merchant -> {
                        Instant now = clock.instant();
                        CheckoutCommand command = command(trace, sessionId, caller.agency(), body.merchantId(), caller.actor(), now,
                                CreateSession.newBuilder()
                                        .setIdempotencyKey(idempotencyKey).setRequestHash(requestHash)
                                        .setCart(body.cart().toCart())
                                        .setExtensionsJson(body.extensions() == null || body.extensions().isNull() ? null : body.extensions().toString())
                                        .setCustomerJson(body.customer() == null || body.customer().isNull() ? null : body.customer().toString())
                                        .setExpiresAt(now.plus(settings.sessionTtl())).setMaxAttempts(settings.maxAttempts())
                                        .setStripeAccount(merchant.getStripeAccount()).build());
                        return appendAndAwait(command, trace, null, s -> requestHash.equals(s.getCreateRequestHash()) || rejected(s, command),
                                WRITE_WAIT);
                    });
                })
                .thenAccept(s -> {
                    if (!s.getAgencyId().equals(caller.agency()) || !requestHash.equals(s.getCreateRequestHash())) {
                        throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request");
                    }
                    ctx.status(201).json(created(s));
                })
                .exceptionally(e -> fail(ctx, e, "session_not_created")));
    }

    private void get(Context ctx) {
        String id = ctx.pathParam("id");
        Access access = access(ctx, id);
        ctx.future(() -> visible(id, access)
                .thenAccept(s -> ctx.json(access.partner() == null ? shopperView(s) : partnerView(s)))
                .exceptionally(e -> fail(ctx, e, "session_unavailable")));
    }

    private void confirm(Context ctx) {
        String id = ctx.pathParam("id");
        Access access = access(ctx, id);
        String key = ctx.header("Idempotency-Key");
        if (key == null || key.isBlank() || key.length() > 255) {
            throw ApiError.invalid("Idempotency-Key", "header is required (at most 255 characters)");
        }
        String statusUrl = "/v2/sessions/" + id;
        ConfirmAnswer.ClientSecrets clientSecrets = this::clientSecret;
        TraceContext trace = RequestTrace.of(ctx);
        // started with the session read rather than after it: the barrier is a round trip of its own
        CompletableFuture<Void> merchantsCurrent = merchants.awaitCurrent();
        ctx.future(() -> visible(id, access)
                .thenCompose(s -> {
                    Optional<Attempt> existing = ConfirmAnswer.attempt(s, key);
                    if (existing.isPresent()) {
                        // a repeated key: answer from the attempt it started; append nothing
                        Attempt a = existing.get();
                        return replies.await(id, st -> ConfirmAnswer.of(st, key, a.getCommandId(), clientSecrets, statusUrl).isPresent(),
                                s, budget(a.getDeadline()));
                    }
                    // an answer the state already decides appends nothing (a shopper retrying with new keys)
                    CheckoutFold.confirmRefusal(s).ifPresent(refusal -> {
                        throw ConfirmAnswer.rejection(s, refusal.code(), refusal.message());
                    });
                    // the hook must be the one set before this confirm, even if another instance took the change
                    return merchantsCurrent.thenCompose(ignored -> {
                        HookSnapshot hook = merchants.hook(s.getAgencyId(), s.getMerchantId()).orElse(null);
                        Instant now = clock.instant();
                        Instant deadline = now.plus(DISPATCH_ALLOWANCE).plusMillis(hook == null ? 0 : hook.getTimeoutMs());
                        CheckoutCommand command = command(trace, id, s.getAgencyId(), s.getMerchantId(), access.actor(), now,
                                RequestConfirm.newBuilder().setIdempotencyKey(key).setDeadline(deadline).setHook(hook).build());
                        return appendAndAwait(command, trace, s,
                                st -> ConfirmAnswer.of(st, key, command.getCommandId(), clientSecrets, statusUrl).isPresent(),
                                budget(deadline));
                    });
                })
                .thenAccept(st -> {
                    // the attempt's command id is in the state by now; a rejection was thrown by the condition
                    String commandId = ConfirmAnswer.attempt(st, key).map(Attempt::getCommandId).orElse(null);
                    ConfirmAnswer.Success answer = ConfirmAnswer.of(st, key, commandId, clientSecrets, statusUrl).orElseThrow();
                    ctx.status(answer.status()).json(answer.body());
                })
                .exceptionally(e -> {
                    if (unwrap(e) instanceof TimeoutException) {
                        ctx.status(202).json(ConfirmAnswer.body("processing", statusUrl));
                        return null;
                    }
                    return fail(ctx, e, "confirm_failed");
                }));
    }

    /** How long a confirm waits for its answer before it says 202 processing: the hook's deadline and the budget after it. */
    private Duration budget(Instant deadline) {
        Duration budget = Duration.between(clock.instant(), deadline).plus(settings.confirmBudget());
        return budget.isNegative() || budget.isZero() ? settings.confirmBudget() : budget;
    }

    private void partnerConfirm(Context ctx) {
        partnerDecision(ctx, PartnerConfirm.newBuilder().build());
    }

    private void partnerCancel(Context ctx) {
        auth.require(ctx); // the key before the body: a caller without one gets 401 and nothing is read
        SessionRequests.PartnerCancel body = JsonBodies.isBlank(ctx, JsonBodies.CONFIG_LIMIT)
                ? new SessionRequests.PartnerCancel(null, null)
                : bodies.read(ctx, SessionRequests.PartnerCancel.class, JsonBodies.CONFIG_LIMIT);
        body.validate();
        partnerDecision(ctx, PartnerCancel.newBuilder().setReason(body.reason()).setMessage(body.message()).build());
    }

    private void partnerDecision(Context ctx, Object payload) {
        PartnerAuth.Caller caller = auth.require(ctx);
        String id = ctx.pathParam("id");
        TraceContext trace = RequestTrace.of(ctx);
        ctx.future(() -> visible(id, new Access(caller, caller.actor()))
                .thenCompose(s -> {
                    CheckoutCommand command = command(trace, s.getSessionId(), s.getAgencyId(), s.getMerchantId(), caller.actor(),
                            clock.instant(), payload);
                    if (PartnerDecisionAnswer.settled(s, command)) {
                        // the same decision was made before: the state answers, and nothing is appended
                        return CompletableFuture.completedFuture(s);
                    }
                    return appendAndAwait(command, trace, s, st -> PartnerDecisionAnswer.settled(st, command), WRITE_WAIT)
                            .thenApply(st -> {
                                if (PartnerDecisionAnswer.refused(st, command)) {
                                    throw PartnerDecisionAnswer.refusal(st);
                                }
                                return st;
                            });
                })
                .thenAccept(st -> ctx.json(Map.of("id", st.getSessionId(), "status", ConfirmAnswer.status(st))))
                .exceptionally(e -> fail(ctx, e, "partner_decision_failed")));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /**
     * Appends a command and completes with the first state of its session that satisfies the
     * condition: {@code current} (what was read before), or one the fold writes after. The waiter
     * is registered first, so the result cannot slip past it.
     */
    private CompletableFuture<SessionState> appendAndAwait(CheckoutCommand command, TraceContext trace, SessionState current,
            Predicate<SessionState> condition, Duration wait) {
        CompletableFuture<SessionState> answer = replies.await(command.getSessionId(), condition, current, wait);
        commands.append(command.getSessionId(), command, trace).whenComplete((written, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            }
        });
        return answer;
    }

    /** The merchant, as configured before this request (another instance may have taken the change). */
    private CompletableFuture<MerchantConfig> merchant(String agency, String merchantId) {
        Optional<MerchantConfig> known = merchants.find(agency, merchantId);
        if (known.isPresent()) {
            return CompletableFuture.completedFuture(known.get());
        }
        return merchants.awaitCurrent().thenApply(ignored -> merchants.find(agency, merchantId)
                .orElseThrow(() -> ApiError.notFound("merchant " + merchantId)));
    }

    /** Who asks, checked before anything is read: a partner key, or the session's own client token. */
    private Access access(Context ctx, String sessionId) {
        if (isClientToken(ctx)) {
            String presented = bearer(ctx).substring(CLIENT_TOKEN_PREFIX.length());
            String expected = secrets.token("client-token", sessionId);
            if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
                throw ApiError.notFound("session " + sessionId);
            }
            return new Access(null, "shopper");
        }
        PartnerAuth.Caller caller = auth.require(ctx);
        return new Access(caller, caller.actor());
    }

    /** The session, if it exists and the caller may see it; another agency's session is 404 like a missing one. */
    private CompletableFuture<SessionState> visible(String sessionId, Access access) {
        return store.find(sessionId).thenApply(found -> found.filter(access::maySee)
                .orElseThrow(() -> ApiError.notFound("session " + sessionId)));
    }

    private static boolean isClientToken(Context ctx) {
        String bearer = bearer(ctx);
        return bearer != null && bearer.startsWith(CLIENT_TOKEN_PREFIX);
    }

    private static String bearer(Context ctx) {
        String header = ctx.header("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    private String clientSecret(SessionState s) {
        return s.getClientSecret() == null ? null : secrets.open(s.getClientSecret(), SealedFor.clientSecret(s.getSessionId()));
    }

    private static boolean rejected(SessionState s, CheckoutCommand command) {
        return s.getLastRejection() != null && s.getLastRejection().getCommandId().equals(command.getCommandId());
    }

    private Void fail(Context ctx, Throwable e, String code) {
        Throwable cause = unwrap(e);
        if (cause instanceof ApiError error) {
            ctx.status(error.status()).json(error.body());
        } else if (cause instanceof TimeoutException) {
            ApiError error = new ApiError(503, "timeout", "the request was recorded but its result did not arrive in time; retry with the same Idempotency-Key");
            ctx.status(503).json(error.body());
        } else {
            log.error("request failed path={}", ctx.path(), cause);
            ApiError error = new ApiError(503, code, "the request could not be completed; it is safe to retry");
            ctx.status(503).json(error.body());
        }
        return null;
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    private Map<String, Object> created(SessionState s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", s.getSessionId());
        body.put("client_token", CLIENT_TOKEN_PREFIX + secrets.token("client-token", s.getSessionId()));
        body.put("status", ConfirmAnswer.status(s));
        body.put("expires_at", s.getExpiresAt().toString());
        return body;
    }

    private Map<String, Object> shopperView(SessionState s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", s.getSessionId());
        body.put("status", ConfirmAnswer.status(s));
        body.put("cart", cartView(s));
        body.put("expires_at", s.getExpiresAt().toString());
        // A deferred session's PaymentIntent is paid (held) while the partner decides.
        if (s.getPaymentIntentId() != null
                && (s.getStatus() == SessionStatus.AWAITING_PAYMENT || s.getStatus() == SessionStatus.AWAITING_PARTNER)) {
            body.put("payment_intent", Map.of("id", s.getPaymentIntentId(), "client_secret", clientSecret(s)));
        }
        if (s.getFailure() != null) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("code", s.getFailure().getCode());
            failure.put("message", s.getFailure().getMessage());
            body.put("failure", failure);
        }
        return body;
    }

    private Map<String, Object> partnerView(SessionState s) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", s.getSessionId());
        body.put("agency_id", s.getAgencyId());
        body.put("merchant_id", s.getMerchantId());
        body.put("status", ConfirmAnswer.status(s));
        body.put("cart", cartView(s));
        body.put("extensions", json(s.getExtensionsJson()));
        body.put("customer", json(s.getCustomerJson()));
        body.put("created_at", s.getCreatedAt().toString());
        body.put("updated_at", s.getUpdatedAt().toString());
        body.put("expires_at", s.getExpiresAt().toString());
        body.put("attempts", s.getAttempts().stream().map(SessionApi::attemptView).toList());
        body.put("payment_intent", s.getPaymentIntentId() == null ? null : Map.of("id", s.getPaymentIntentId()));
        if (s.getFailure() != null) {
            body.put("failure", ConfirmAnswer.meta("code", s.getFailure().getCode(), "reason", s.getFailure().getReason(),
                    "message", s.getFailure().getMessage()));
        }
        if (s.getCancellation() != null) {
            body.put("cancellation", ConfirmAnswer.meta("reason", s.getCancellation().getReason(), "message", s.getCancellation().getMessage()));
        }
        body.put("timeline", s.getTimeline().stream().map(t -> Map.of("seq", t.getSeq(), "at", t.getAt().toString(),
                "type", t.getType(), "actor", t.getActor(), "summary", t.getSummary())).toList());
        return body;
    }

    private static Map<String, Object> attemptView(Attempt a) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("number", a.getNumber());
        view.put("decision", a.getDecision() == null ? null : a.getDecision().name().toLowerCase());
        view.put("hook_version", a.getHook() == null ? null : a.getHook().getVersion());
        view.put("default_action_used", a.getDefaultActionUsed());
        if (a.getObserved() != null) {
            view.put("observed", ConfirmAnswer.meta("outcome", a.getObserved().getOutcome().name().toLowerCase(),
                    "reason", a.getObserved().getReason(), "message", a.getObserved().getMessage(),
                    "http_status", a.getObserved().getHttpStatus(), "duration_ms", a.getObserved().getDurationMs(),
                    "timed_out", a.getObserved().getTimedOut()));
        }
        return view;
    }

    private static Map<String, Object> cartView(SessionState s) {
        return Map.of("items", s.getCart().getItems().stream().map(i -> {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", i.getId());
            item.put("name", i.getName());
            item.put("quantity", i.getQuantity());
            item.put("unit_amount_minor", i.getUnitAmountMinor());
            item.put("metadata", i.getMetadata());
            return item;
        }).toList(), "total_minor", s.getCart().getTotalMinor(), "currency", s.getCart().getCurrency());
    }

    private Object json(String text) {
        try {
            return text == null ? null : mapper.readTree(text);
        } catch (java.io.IOException e) {
            return text;
        }
    }

    private String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A command for a request, carrying the request's trace ({@code trace_id}, and the record's {@code traceparent}). */
    private static CheckoutCommand command(TraceContext trace, String sessionId, String agency, String merchant, String actor,
            Instant at, Object payload) {
        return CheckoutCommand.newBuilder().setCommandId("cmd_" + UUID.randomUUID()).setSessionId(sessionId)
                .setAgencyId(agency).setMerchantId(merchant).setIssuedAt(at).setActor(actor).setTraceId(trace.traceId())
                .setPayload(payload).build();
    }

    private String optionalKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null && (key.isBlank() || key.length() > 255)) {
            throw ApiError.invalid("Idempotency-Key", "must be 1 to 255 characters");
        }
        return key;
    }

    private String newSessionId() {
        byte[] bytes = new byte[15];
        random.nextBytes(bytes);
        return "sess_" + HexFormat.of().formatHex(bytes);
    }

    /** One Idempotency-Key of one agency always names the same session, whichever instance receives it. */
    static String derivedSessionId(String agency, String idempotencyKey) {
        return "sess_" + Sha256.hex(agency + "\u0000" + idempotencyKey).substring(0, 30);
    }

}
