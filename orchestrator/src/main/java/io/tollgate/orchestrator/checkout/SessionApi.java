package io.tollgate.orchestrator.checkout;

import io.tollgate.common.crypto.Sha256;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.CompactedTopicView;
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
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session routes. Handlers only append commands and wait — asynchronously, no thread per
 * request — for the fold's result to reach this instance's view of the session-state topic.
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

    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final ObjectMapper mapper;
    private final CommandLog<CheckoutCommand> commands;
    private final CompactedTopicView<SessionState> sessions;
    private final Function<String, Optional<MerchantConfig>> merchants;
    private final SecretBox secrets;
    private final Settings settings;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public SessionApi(PartnerAuth auth, ObjectMapper mapper, CommandLog<CheckoutCommand> commands,
            CompactedTopicView<SessionState> sessions, Function<String, Optional<MerchantConfig>> merchantsByKey,
            SecretBox secrets, Settings settings, Clock clock) {
        this.auth = auth;
        this.mapper = mapper;
        this.bodies = new JsonBodies(mapper);
        this.commands = commands;
        this.sessions = sessions;
        this.merchants = merchantsByKey;
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
        MerchantConfig merchant = merchants.apply(caller.agency() + "/" + body.merchantId())
                .orElseThrow(() -> ApiError.notFound("merchant " + body.merchantId()));
        String idempotencyKey = optionalKey(ctx);
        String requestHash = Sha256.hex(write(body));
        String sessionId = idempotencyKey == null ? newSessionId() : derivedSessionId(caller.agency(), idempotencyKey);
        Instant now = clock.instant();
        CheckoutCommand command = command(sessionId, caller.agency(), body.merchantId(), caller.actor(), now,
                CreateSession.newBuilder()
                        .setIdempotencyKey(idempotencyKey).setRequestHash(requestHash)
                        .setCart(body.cart().toCart())
                        .setExtensionsJson(body.extensions() == null || body.extensions().isNull() ? null : body.extensions().toString())
                        .setCustomerJson(body.customer() == null || body.customer().isNull() ? null : body.customer().toString())
                        .setExpiresAt(now.plus(settings.sessionTtl())).setMaxAttempts(settings.maxAttempts())
                        .setStripeAccount(merchant.getStripeAccount()).build());
        ctx.future(() -> send(command)
                .thenCompose(ignored -> sessions.await(sessionId, s -> requestHash.equals(s.getCreateRequestHash())
                        || rejected(s, command), WRITE_WAIT))
                .thenAccept(s -> {
                    if (!requestHash.equals(s.getCreateRequestHash())) {
                        throw new ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different request");
                    }
                    ctx.status(201).json(created(s));
                })
                .exceptionally(e -> fail(ctx, e, "session_not_created")));
    }

    private void get(Context ctx) {
        SessionState s = visibleSession(ctx);
        ctx.json(isClientToken(ctx) ? shopperView(s) : partnerView(s));
    }

    private void confirm(Context ctx) {
        SessionState s = visibleSession(ctx);
        String key = ctx.header("Idempotency-Key");
        if (key == null || key.isBlank() || key.length() > 255) {
            throw ApiError.invalid("Idempotency-Key", "header is required (at most 255 characters)");
        }
        String statusUrl = "/v2/sessions/" + s.getSessionId();
        Instant now = clock.instant();
        Optional<Attempt> existing = ConfirmAnswer.attempt(s, key);
        Instant deadline;
        CompletableFuture<?> sent;
        String commandId;
        if (existing.isPresent()) {
            // A repeated key: answer from the attempt it started; send nothing.
            deadline = existing.get().getDeadline();
            commandId = existing.get().getCommandId();
            sent = CompletableFuture.completedFuture(null);
        } else {
            if (SessionLifecycle.isTerminal(s.getStatus())) {
                throw ConfirmAnswer.closed(s);
            }
            HookSnapshot hook = merchants.apply(s.getAgencyId() + "/" + s.getMerchantId())
                    .map(m -> m.getHook() == null ? null : m.getHook().getSnapshot()).orElse(null);
            deadline = now.plus(DISPATCH_ALLOWANCE).plusMillis(hook == null ? 0 : hook.getTimeoutMs());
            CheckoutCommand command = command(s.getSessionId(), s.getAgencyId(), s.getMerchantId(), actor(ctx), now,
                    RequestConfirm.newBuilder().setIdempotencyKey(key).setDeadline(deadline).setHook(hook).build());
            commandId = command.getCommandId();
            sent = send(command);
        }
        Duration budget = Duration.between(now, deadline).plus(settings.confirmBudget());
        if (budget.isNegative()) {
            budget = settings.confirmBudget();
        }
        Duration wait = budget;
        ConfirmAnswer.ClientSecrets clientSecrets = this::clientSecret;
        ctx.future(() -> sent
                .thenCompose(ignored -> sessions.await(s.getSessionId(),
                        st -> ConfirmAnswer.of(st, key, commandId, clientSecrets, statusUrl).isPresent(), wait))
                .thenAccept(st -> {
                    ConfirmAnswer.Success answer = ConfirmAnswer.of(st, key, commandId, clientSecrets, statusUrl).orElseThrow();
                    ctx.status(answer.status()).json(answer.body());
                })
                .exceptionally(e -> {
                    Throwable cause = unwrap(e);
                    if (cause instanceof TimeoutException) {
                        ctx.status(202).json(ConfirmAnswer.body("processing", statusUrl));
                        return null;
                    }
                    if (cause instanceof ApiError error) {
                        // The predicate threw the final answer (a rejection or closed session).
                        ctx.status(error.status()).json(error.body());
                        return null;
                    }
                    return fail(ctx, e, "confirm_failed");
                }));
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
        SessionState s = sessions.get(ctx.pathParam("id"))
                .filter(st -> st.getAgencyId().equals(caller.agency()))
                .orElseThrow(() -> ApiError.notFound("session " + ctx.pathParam("id")));
        CheckoutCommand command = command(s.getSessionId(), s.getAgencyId(), s.getMerchantId(), caller.actor(), clock.instant(), payload);
        ctx.future(() -> send(command)
                .thenCompose(ignored -> sessions.await(s.getSessionId(), st -> PartnerDecisionAnswer.settled(st, command),
                        WRITE_WAIT))
                .thenAccept(st -> {
                    if (PartnerDecisionAnswer.refused(st, command)) {
                        throw PartnerDecisionAnswer.refusal(st);
                    }
                    ctx.json(Map.of("id", st.getSessionId(), "status", ConfirmAnswer.status(st)));
                })
                .exceptionally(e -> fail(ctx, e, "partner_decision_failed")));
    }

    // ---- helpers -------------------------------------------------------------------------------

    /** The session, if the caller may see it: the owning agency's partner key, or the session's client token. */
    private SessionState visibleSession(Context ctx) {
        String id = ctx.pathParam("id");
        if (isClientToken(ctx)) {
            String presented = bearer(ctx).substring(CLIENT_TOKEN_PREFIX.length());
            String expected = secrets.token("client-token", id);
            if (!MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
                throw ApiError.notFound("session " + id);
            }
            return sessions.get(id).orElseThrow(() -> ApiError.notFound("session " + id));
        }
        PartnerAuth.Caller caller = auth.require(ctx);
        return sessions.get(id).filter(s -> s.getAgencyId().equals(caller.agency()))
                .orElseThrow(() -> ApiError.notFound("session " + id));
    }

    private static boolean isClientToken(Context ctx) {
        String bearer = bearer(ctx);
        return bearer != null && bearer.startsWith(CLIENT_TOKEN_PREFIX);
    }

    private static String bearer(Context ctx) {
        String header = ctx.header("Authorization");
        return header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
    }

    private String actor(Context ctx) {
        return isClientToken(ctx) ? "shopper" : auth.require(ctx).actor();
    }

    private String clientSecret(SessionState s) {
        return s.getClientSecret() == null ? null : secrets.open(s.getClientSecret(), SealedFor.clientSecret(s.getSessionId()));
    }

    private CompletableFuture<?> send(CheckoutCommand command) {
        return commands.append(command.getSessionId(), command);
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

    private static CheckoutCommand command(String sessionId, String agency, String merchant, String actor, Instant at, Object payload) {
        return CheckoutCommand.newBuilder().setCommandId("cmd_" + UUID.randomUUID()).setSessionId(sessionId)
                .setAgencyId(agency).setMerchantId(merchant).setIssuedAt(at).setActor(actor).setTraceId(null)
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
