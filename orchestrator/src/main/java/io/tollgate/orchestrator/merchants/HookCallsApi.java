package io.tollgate.orchestrator.merchants;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.kafka.KeyedTail;
import io.tollgate.common.merchants.HookSecretsUnavailableException;
import io.tollgate.common.merchants.HookTester;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.ListLimit;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.orchestrator.api.TestCallGate;
import io.tollgate.orchestrator.checkout.CartRequest;
import io.tollgate.schema.Cart;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a merchant's hook did: {@code POST …/pre-confirmation/test} sends it a signed test call and
 * answers what came of it, {@code GET …/pre-confirmation/calls} lists its recent calls, real and
 * test, from merchants.hook-calls.v1. The call itself failing is an answer, not an API error.
 */
public final class HookCallsApi implements HttpApi.Routes {
    static final String TEST = MerchantApi.HOOK + "/test";
    static final String CALLS = MerchantApi.HOOK + "/calls";
    static final int DEFAULT_LIMIT = 20;
    /** The most {@code /calls} lists. */
    public static final int MAX_LIMIT = 100;
    /** Past the hook's own timeout, how long a test may take before the API stops waiting for it. */
    private static final Duration TEST_SLACK = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(HookCallsApi.class);

    /** How many tests one merchant may start per minute, and the clock that counts them. */
    public record Settings(int testsPerMinute, Clock clock) {
        public static Settings defaults() {
            return new Settings(10, Clock.systemUTC());
        }
    }

    /** The optional body of a test: a cart to send instead of the sample. */
    record TestRequest(CartRequest cart) {
    }

    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final MerchantDirectory directory;
    private final KeyedTail<HookCall> calls;
    private final HookTester tester;
    private final TestCallGate gate;

    /**
     * @param calls reads a merchant's newest calls from merchants.hook-calls.v1 when they are asked for
     * @param tester sends the test calls; null in a process that cannot make them, where
     *     {@code /test} answers 503
     */
    public HookCallsApi(Settings settings, PartnerAuth auth, JsonBodies bodies, MerchantDirectory directory,
            KeyedTail<HookCall> calls, HookTester tester) {
        this.auth = auth;
        this.bodies = bodies;
        this.directory = directory;
        this.calls = calls;
        this.tester = tester;
        this.gate = new TestCallGate(settings.testsPerMinute(), settings.clock());
    }

    @Override
    public void addTo(Javalin app) {
        app.post(TEST, this::test);
        app.get(CALLS, this::list);
    }

    private void test(Context ctx) {
        MerchantTarget target = MerchantTarget.of(ctx, auth, directory);
        MerchantConfig config = target.existing(directory);
        HookSnapshot hook = hookOf(target, config);
        Cart cart = testCart(ctx);
        List<String> secrets = opened(() -> directory.activeSecrets(config));
        HookSnapshot callable = opened(() -> directory.callable(hook, target.agency(), target.merchant()));
        if (tester == null) {
            throw new ApiError(503, "unavailable", "this API instance cannot send test calls", Map.of("retryable", false));
        }
        gate.enter(target.key());
        CompletableFuture<HookCall> call;
        try {
            call = tester.test(target.agency(), target.merchant(), callable, secrets, cart);
        } catch (RuntimeException e) {
            gate.leave(target.key());
            throw e;
        }
        // answered off the thread that completes the call (the HTTP client's), which serves other calls
        ctx.future(() -> call.orTimeout(hook.getTimeoutMs() + TEST_SLACK.toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((made, error) -> {
                    gate.leave(target.key());
                    if (error != null) {
                        log.error("hook_test agency_id={} merchant_id={} outcome=error", target.agency(), target.merchant(),
                                error);
                        ctx.status(500).json(new ApiError(500, "internal_error", "something went wrong; it was logged").body());
                        return null;
                    }
                    HookDecision decision = made.getDecision();
                    log.info("hook_test agency_id={} merchant_id={} webhook_id={} outcome={} reason={} http_status={} "
                            + "latency_ms={} actor={}", target.agency(), target.merchant(), made.getCallId(),
                            decision.getOutcome(), decision.getReason(), decision.getHttpStatus(), decision.getDurationMs(),
                            target.caller().actor());
                    ctx.json(testAnswer(made));
                    return null;
                }));
    }

    private void list(Context ctx) {
        MerchantTarget target = MerchantTarget.of(ctx, auth, directory);
        hookOf(target, target.existing(directory));
        int limit = ListLimit.of(ctx, DEFAULT_LIMIT, MAX_LIMIT);
        List<HookCall> newestFirst = new ArrayList<>(calls.newest(target.key(), limit + 1).records());
        // the log is in the order calls finished; a slow call that started earlier sorts below a quicker later one
        Collections.reverse(newestFirst);
        newestFirst.sort(Comparator.comparing(HookCall::getCalledAt).reversed());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", newestFirst.stream().limit(limit).map(HookCallsApi::listed).toList());
        body.put("has_more", newestFirst.size() > limit);
        ctx.json(body);
    }

    private static HookSnapshot hookOf(MerchantTarget target, MerchantConfig config) {
        if (config.getHook() == null) {
            throw new ApiError(404, "hook_not_found", "merchant " + target.merchant() + " has no pre-confirmation hook");
        }
        return config.getHook().getSnapshot();
    }

    private Cart testCart(Context ctx) {
        if (JsonBodies.bytes(ctx, JsonBodies.CONFIG_LIMIT).length == 0) {
            return null;
        }
        TestRequest request = bodies.read(ctx, TestRequest.class, JsonBodies.CONFIG_LIMIT);
        if (request.cart() == null) {
            return null;
        }
        request.cart().validate("cart");
        return request.cart().toCart();
    }

    /** What needs the merchant's sealed values opened (secrets, the URL's query): 409 when they cannot be. */
    private static <T> T opened(Supplier<T> use) {
        try {
            return use.get();
        } catch (HookSecretsUnavailableException e) {
            throw new ApiError(409, "hook_secret_unavailable", "the hook has no secret that can sign a call: " + e.getMessage(),
                    Map.of("reason", e.reason()));
        }
    }

    private static Map<String, Object> testAnswer(HookCall call) {
        HookDecision decision = call.getDecision();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("webhook_id", call.getCallId());
        body.put("url", call.getUrl());
        body.put("http_status", decision.getHttpStatus());
        body.put("latency_ms", decision.getDurationMs());
        body.put("outcome", outcome(decision));
        // the hook answered with something that reads as a decision (approve, reject, defer)
        body.put("parsed", decision.getOutcome() != HookOutcome.UNAVAILABLE);
        body.put("reason", decision.getReason());
        body.put("message", decision.getMessage());
        body.put("problems", call.getProblems());
        return body;
    }

    private static Map<String, Object> listed(HookCall call) {
        HookDecision decision = call.getDecision();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("webhook_id", call.getCallId());
        entry.put("session_id", call.getSessionId());
        entry.put("attempt", call.getAttempt());
        entry.put("test", call.getTest());
        entry.put("called_at", call.getCalledAt().toString());
        entry.put("outcome", outcome(decision));
        entry.put("reason", decision.getReason());
        entry.put("http_status", decision.getHttpStatus());
        entry.put("latency_ms", decision.getDurationMs());
        entry.put("timed_out", decision.getTimedOut());
        entry.put("problems", call.getProblems());
        return entry;
    }

    private static String outcome(HookDecision decision) {
        return decision.getOutcome().name().toLowerCase(Locale.ROOT);
    }
}
