package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.hook.HookClient;
import io.tollgate.hook.HookRequest;
import io.tollgate.hook.MerchantKey;
import io.tollgate.payment.StripeGateway;
import io.tollgate.payment.StripeGatewayConfig;
import io.tollgate.payment.StripeResult;
import io.tollgate.schema.Cart;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.LineItem;
import io.tollgate.schema.PaymentRequested;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmark's baseline: the same checkout with nothing of Tollgate's in between. One HTTP server
 * (Javalin, like the API) whose confirm calls the merchant's hook with the hook-caller's own client
 * (signed, SSRF-checked) and then creates the PaymentIntent with the payment worker's own gateway
 * (stripe-java, same settings, same stand-in), inside the request: no Kafka, no fold, no journal.
 * What Tollgate adds to a confirm is its latency minus this one's, measured in the same run.
 */
final class InlineCheckout implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String AGENCY = "inline-agency";

    /** A merchant the baseline knows: its hook and the secret that signs calls to it. */
    record Merchant(HookSnapshot hook, String secret) {
    }

    private record Session(String merchantId, long totalMinor, String currency) {
    }

    private final HookClient hooks;
    private final StripeGateway stripe;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Merchant> merchants;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    /** As many Stripe calls at once as the payment worker makes. */
    private final ExecutorService stripeCalls;
    private final Javalin server;

    InlineCheckout(HookClient hooks, StripeGatewayConfig stripeConfig, int stripeThreads, Map<String, Merchant> merchants) {
        this.hooks = hooks;
        this.stripe = new StripeGateway(stripeConfig);
        this.merchants = Map.copyOf(merchants);
        this.stripeCalls = Executors.newFixedThreadPool(stripeThreads, r -> {
            Thread t = new Thread(r, "inline-stripe-call");
            t.setDaemon(true);
            return t;
        });
        this.server = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        server.post("/inline/sessions", this::create);
        server.post("/inline/sessions/{id}/confirm", this::confirm);
        server.start("127.0.0.1", 0);
    }

    String url() {
        return "http://127.0.0.1:" + server.port();
    }

    private void create(Context ctx) throws java.io.IOException {
        JsonNode body = JSON.readTree(ctx.body());
        String merchant = body.path("merchant_id").asText();
        if (!merchants.containsKey(merchant) || !body.path("cart").path("total_minor").isIntegralNumber()) {
            ctx.status(400).json(Map.of("error", Map.of("code", "invalid_request")));
            return;
        }
        String id = "inline_" + UUID.randomUUID().toString().replace("-", "");
        sessions.put(id, new Session(merchant, body.path("cart").path("total_minor").asLong(),
                body.path("cart").path("currency").asText()));
        ctx.status(201).json(Map.of("id", id, "status", "open"));
    }

    private void confirm(Context ctx) {
        String id = ctx.pathParam("id");
        Session session = sessions.remove(id);
        if (session == null) {
            ctx.status(404).json(Map.of("error", Map.of("code", "not_found")));
            return;
        }
        Merchant merchant = merchants.get(session.merchantId());
        Cart cart = Cart.newBuilder().setTotalMinor(session.totalMinor()).setCurrency(session.currency())
                .setItems(List.of(LineItem.newBuilder().setId("slot").setName("Slot").setQuantity(1)
                        .setUnitAmountMinor(session.totalMinor()).build())).build();
        HookRequest request = HookRequest.preConfirmation(id, new MerchantKey(AGENCY, session.merchantId()),
                CheckoutCommitted.newBuilder().setAttempt(1).setIdempotencyKey(ctx.header("Idempotency-Key"))
                        .setDeadline(clock.instant().plusMillis(merchant.hook().getTimeoutMs())).setHook(merchant.hook())
                        .setCart(cart).build());
        Instant deadline = clock.instant().plusMillis(merchant.hook().getTimeoutMs());
        ctx.future(() -> hooks.call(request, merchant.hook(), List.of(merchant.secret()), deadline)
                .thenComposeAsync(decision -> {
                    if (decision.getOutcome() != HookOutcome.APPROVED) {
                        return CompletableFuture.completedFuture((StripeResult.CreateResult) null);
                    }
                    return CompletableFuture.supplyAsync(() -> stripe.createPaymentIntent(id, AGENCY, session.merchantId(),
                            PaymentRequested.newBuilder().setAttempt(1).setIdempotencyKey(StripeGateway.paymentIntentKey(id))
                                    .setAmountMinor(session.totalMinor()).setCurrency(session.currency())
                                    .setCaptureMethod(CaptureMethod.AUTOMATIC).setScaForce(false).setExemptions(List.of())
                                    .setStripeAccount(null).build()), stripeCalls);
                }, stripeCalls)
                .thenAccept(result -> {
                    if (result instanceof StripeResult.Created created) {
                        Map<String, Object> answer = new LinkedHashMap<>();
                        answer.put("status", "awaiting_payment");
                        answer.put("payment_intent", Map.of("id", created.paymentIntentId(), "client_secret", created.clientSecret()));
                        ctx.status(200).json(answer);
                    } else {
                        ctx.status(result == null ? 409 : 503).json(Map.of("error", Map.of("code", "not_confirmed")));
                    }
                }));
    }

    @Override
    public void close() {
        server.stop();
        stripeCalls.shutdownNow();
    }
}
