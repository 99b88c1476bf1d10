package io.tollgate.orchestrator.checkout;

import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.LineItem;
import io.tollgate.schema.PartnerCancel;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailedReported;
import io.tollgate.schema.PaymentAuthorizedReported;
import io.tollgate.schema.PaymentCanceledReported;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.PaymentSucceededReported;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schema.RequestConfirm;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Writes the commands of one session as the API, hook-caller, payment worker and expiry timer
 * would, with deterministic ids ({@code <session>-c1, -c2, …}) and times (one second apart from
 * {@link #T0} unless moved with {@link #at}). Each call is a new command; {@link #again} repeats one.
 */
final class CommandScript {
    static final Instant T0 = Instant.parse("2030-01-01T10:00:00Z");
    static final Duration SESSION_TTL = Duration.ofMinutes(60);
    static final long TOTAL_MINOR = 4_500;
    static final String CREATE_KEY = "create-key-1";
    static final String CREATE_HASH = "hash-of-the-create-body";

    final String sessionId;
    private final String agencyId;
    private final String merchantId;
    private int counter;
    private Instant clock;
    private Instant lastIssuedAt;

    CommandScript(String sessionId) {
        this(sessionId, T0);
    }

    CommandScript(String sessionId, Instant start) {
        this.sessionId = sessionId;
        this.agencyId = "agency-a";
        this.merchantId = "yoga-studio";
        this.clock = start;
    }

    /** The next command is issued at this time; later ones follow one second apart. */
    CommandScript at(Instant time) {
        clock = time;
        return this;
    }

    /** When the previous command was issued. */
    Instant lastIssuedAt() {
        return lastIssuedAt;
    }

    Instant expiresAt() {
        return T0.plus(SESSION_TTL);
    }

    // ---- the commands --------------------------------------------------------------------------

    CheckoutCommand create() {
        return create(CREATE_KEY, CREATE_HASH, expiresAt(), 5);
    }

    CheckoutCommand create(String idempotencyKey, String requestHash, Instant expiresAt, int maxAttempts) {
        return command("api:" + agencyId, CreateSession.newBuilder()
                .setIdempotencyKey(idempotencyKey).setRequestHash(requestHash).setCart(cart())
                .setExtensionsJson("{\"booking\":{\"class_schedule_id\":\"cls_42\"}}")
                .setCustomerJson("{\"email\":\"ada@example.com\"}")
                .setExpiresAt(expiresAt).setMaxAttempts(maxAttempts).setStripeAccount("acct_yoga").build());
    }

    CheckoutCommand confirm(String idempotencyKey, HookSnapshot hook) {
        return command("shopper", RequestConfirm.newBuilder().setIdempotencyKey(idempotencyKey)
                .setDeadline(clock.plusSeconds(10)).setHook(hook).build());
    }

    CheckoutCommand decision(int attempt, HookDecision decision) {
        return command("hook-caller", HookDecisionReported.newBuilder().setAttempt(attempt)
                .setWebhookId("msg_" + sessionId + "_" + attempt).setDecision(decision).build());
    }

    CheckoutCommand decision(int attempt, HookOutcome outcome) {
        return decision(attempt, decisionOf(outcome));
    }

    CheckoutCommand paymentIntent(String paymentIntentId) {
        return command("payment-worker", PaymentIntentReported.newBuilder().setPaymentIntentId(paymentIntentId)
                .setClientSecret(Encrypted.newBuilder().setKeyId("k1").setNonce(ByteBuffer.wrap(new byte[12]))
                        .setCiphertext(ByteBuffer.wrap(("secret-of-" + paymentIntentId).getBytes())).build())
                .setStatus("requires_payment_method").build());
    }

    CheckoutCommand paymentFailure(PaymentStage stage, String code, String paymentIntentId) {
        return command("payment-worker", PaymentFailureReported.newBuilder().setStage(stage).setCode(code)
                .setMessage("Stripe said " + code).setPaymentIntentId(paymentIntentId).setStripeEventId(null).build());
    }

    CheckoutCommand paymentSucceeded(String paymentIntentId) {
        return command("stripe", PaymentSucceededReported.newBuilder().setPaymentIntentId(paymentIntentId)
                .setStripeEventId("evt_paid_" + paymentIntentId).setAmountReceivedMinor(TOTAL_MINOR).build());
    }

    CheckoutCommand paymentAuthorized(String paymentIntentId) {
        return command("stripe", PaymentAuthorizedReported.newBuilder().setPaymentIntentId(paymentIntentId)
                .setStripeEventId("evt_auth_" + paymentIntentId).setAmountCapturableMinor(TOTAL_MINOR).build());
    }

    CheckoutCommand paymentCanceled(String paymentIntentId) {
        return command("stripe", PaymentCanceledReported.newBuilder().setPaymentIntentId(paymentIntentId)
                .setStripeEventId("evt_cancel_" + paymentIntentId).build());
    }

    CheckoutCommand partnerConfirm() {
        return command("api:" + agencyId, PartnerConfirm.newBuilder().build());
    }

    CheckoutCommand partnerCancel(String reason, String message) {
        return command("api:" + agencyId, PartnerCancel.newBuilder().setReason(reason).setMessage(message).build());
    }

    CheckoutCommand expire(String reason, Instant dueAt) {
        return command("expiry", ExpireSession.newBuilder().setReason(reason).setDueAt(dueAt).build());
    }

    CheckoutCommand paymentActionFailed(PaymentAction action, String paymentIntentId, int retry) {
        return command("payment-worker", PaymentActionFailedReported.newBuilder().setAction(action)
                .setPaymentIntentId(paymentIntentId).setStripeAccount("acct_1").setAmountMinor(action == PaymentAction.REFUND
                        ? TOTAL_MINOR : 0).setReason("session_expired").setRetry(retry).setCode("api_error")
                .setMessage("Stripe said api_error").build());
    }

    CheckoutCommand retryPaymentAction(PaymentAction action, String paymentIntentId) {
        return command("operator", RetryPaymentAction.newBuilder().setAction(action).setPaymentIntentId(paymentIntentId).build());
    }

    /** The same command delivered again (same command id), as an at-least-once writer would. */
    static CheckoutCommand again(CheckoutCommand command) {
        return CheckoutCommand.newBuilder(command).build();
    }

    // ---- values --------------------------------------------------------------------------------

    static Cart cart() {
        return Cart.newBuilder().setItems(List.of(LineItem.newBuilder().setId("sku-1").setName("Morning flow")
                        .setQuantity(3).setUnitAmountMinor(1_500).setMetadata(Map.of("class_schedule_id", "cls_42")).build()))
                .setTotalMinor(TOTAL_MINOR).setCurrency("GBP").build();
    }

    static HookSnapshot hook(FailMode failMode, HookMode mode) {
        return HookSnapshot.newBuilder().setVersion(3).setUrl("https://merchant.example/pre-confirm")
                .setFailMode(failMode).setTimeoutMs(5_000).setMode(mode).setPartnerWaitMinutes(30).build();
    }

    static HookSnapshot syncHook() {
        return hook(FailMode.CLOSED, HookMode.SYNC);
    }

    static HookDecision decisionOf(HookOutcome outcome) {
        return switch (outcome) {
            case APPROVED -> HookDecision.newBuilder().setOutcome(outcome).setHttpStatus(200).setDurationMs(42).build();
            case REJECTED -> rejected("class_full", "Sorry, this class is full");
            case UNAVAILABLE -> unavailable("timeout");
            case DEFERRED -> HookDecision.newBuilder().setOutcome(outcome).setHttpStatus(202).setDurationMs(40).build();
        };
    }

    static HookDecision rejected(String reason, String message) {
        return HookDecision.newBuilder().setOutcome(HookOutcome.REJECTED).setReason(reason).setMessage(message)
                .setHttpStatus(409).setDurationMs(37).build();
    }

    static HookDecision unavailable(String cause) {
        return HookDecision.newBuilder().setOutcome(HookOutcome.UNAVAILABLE).setReason(cause)
                .setHttpStatus(null).setDurationMs(5_000).setTimedOut("timeout".equals(cause)).build();
    }

    private CheckoutCommand command(String actor, Object payload) {
        counter++;
        Instant issuedAt = clock;
        lastIssuedAt = issuedAt;
        clock = clock.plusSeconds(1);
        return CheckoutCommand.newBuilder().setCommandId(sessionId + "-c" + counter).setSessionId(sessionId)
                .setAgencyId(agencyId).setMerchantId(merchantId).setIssuedAt(issuedAt).setActor(actor)
                .setTraceId("trace-" + counter).setPayload(payload).build();
    }
}
