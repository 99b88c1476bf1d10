package io.tollgate.schemas;

import io.tollgate.schema.Attempt;
import io.tollgate.schema.AttemptReopened;
import io.tollgate.schema.AwaitingPartner;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.Cart;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.CommandRejected;
import io.tollgate.schema.ConfigChange;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookDecided;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.LineItem;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PartnerCancel;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.PartnerConfirmed;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailed;
import io.tollgate.schema.PaymentActionFailedReported;
import io.tollgate.schema.PaymentActionFailure;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schema.PaymentAuthorized;
import io.tollgate.schema.PaymentAuthorizedReported;
import io.tollgate.schema.PaymentCanceledReported;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentCreated;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.PaymentSucceededReported;
import io.tollgate.schema.PutHook;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.RequestConfirm;
import io.tollgate.schema.RotateSecret;
import io.tollgate.schema.SessionCanceled;
import io.tollgate.schema.SessionCreated;
import io.tollgate.schema.SessionFailed;
import io.tollgate.schema.SessionPaid;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import io.tollgate.schema.TimelineEntry;
import io.tollgate.schema.UpsertMerchant;
import io.tollgate.schema.PaymentDeclined;
import io.tollgate.schema.CreateEndpoint;
import io.tollgate.schema.DeleteEndpoint;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.DisableEndpoint;
import io.tollgate.schema.ReplayEndpoint;
import io.tollgate.schema.ReportEndpointHealth;
import io.tollgate.schema.ResendDelivery;
import io.tollgate.schema.RotateEndpointSecret;
import io.tollgate.schema.UpdateEndpoint;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookRequest;
import io.tollgate.schema.WebhookSigning;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One fully populated instance of each contract, every optional field set so that every union
 * branch, array, map, enum and nested timestamp is on the wire. Times are whole milliseconds,
 * the precision timestamp-millis keeps.
 */
public final class Samples {
    public static final Instant T0 = Instant.ofEpochMilli(1_767_225_600_123L);

    static {
        // the copy builders used below load enum classes by name, which Avro refuses until trusted
        AvroClassTrust.trustContracts();
    }

    private Samples() {
    }

    public static Instant at(long plusSeconds) {
        return T0.plusSeconds(plusSeconds);
    }

    public static Cart cart() {
        return Cart.newBuilder()
                .setItems(List.of(
                        LineItem.newBuilder().setId("sku-yoga-0930").setName("Yoga class 09:30").setQuantity(2)
                                .setUnitAmountMinor(1250).setMetadata(Map.of("class_schedule_id", "cs_42", "seat", "B4")).build(),
                        LineItem.newBuilder().setName("Mat rental").setQuantity(1).setUnitAmountMinor(300).build()))
                .setTotalMinor(2800)
                .setCurrency("GBP")
                .build();
    }

    public static HookSnapshot hook() {
        return HookSnapshot.newBuilder().setVersion(3).setUrl("https://merchant.example/hooks/pre-confirm")
                .setFailMode(FailMode.OPEN).setTimeoutMs(5000).setMode(HookMode.DEFERRED).setPartnerWaitMinutes(240).build();
    }

    public static Encrypted secret() {
        return Encrypted.newBuilder().setKeyId("mk_9f2c")
                .setNonce(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}))
                .setCiphertext(ByteBuffer.wrap("ciphertext+tag".getBytes(StandardCharsets.UTF_8)))
                .build();
    }

    public static HookDecision decision() {
        return HookDecision.newBuilder().setOutcome(HookOutcome.APPROVED).setReason("ok").setMessage("See you in class")
                .setHttpStatus(200).setDurationMs(87).setTimedOut(false).setScaForce(true)
                .setExemptions(List.of("low_value")).build();
    }

    /** One payload of each type in CheckoutCommand's union. */
    public static List<Object> checkoutCommandPayloads() {
        return List.of(
                CreateSession.newBuilder().setIdempotencyKey("idem-create").setRequestHash("ab".repeat(32)).setCart(cart())
                        .setExtensionsJson("{\"booking\":{\"slot\":\"09:30\"}}").setCustomerJson("{\"email\":\"a@example.com\"}")
                        .setExpiresAt(at(3600)).setMaxAttempts(5).setStripeAccount("acct_123").build(),
                RequestConfirm.newBuilder().setIdempotencyKey("idem-confirm").setDeadline(at(10)).setHook(hook()).build(),
                HookDecisionReported.newBuilder().setAttempt(1).setWebhookId("msg_1").setDecision(decision()).build(),
                PaymentIntentReported.newBuilder().setPaymentIntentId("pi_1").setClientSecret(secret())
                        .setStatus("requires_payment_method").build(),
                PaymentFailureReported.newBuilder().setStage(PaymentStage.CONFIRM).setCode("card_declined")
                        .setMessage("Your card was declined.").setPaymentIntentId("pi_1").setStripeEventId("evt_1").build(),
                PaymentSucceededReported.newBuilder().setPaymentIntentId("pi_1").setStripeEventId("evt_2")
                        .setAmountReceivedMinor(2800).build(),
                PaymentAuthorizedReported.newBuilder().setPaymentIntentId("pi_1").setStripeEventId("evt_3")
                        .setAmountCapturableMinor(2800).build(),
                PaymentCanceledReported.newBuilder().setPaymentIntentId("pi_1").setStripeEventId("evt_4").build(),
                PartnerConfirm.newBuilder().build(),
                PartnerCancel.newBuilder().setReason("class_full").setMessage("The class is full").build(),
                ExpireSession.newBuilder().setReason("session_expired").setDueAt(at(3600)).build(),
                PaymentActionFailedReported.newBuilder().setAction(PaymentAction.REFUND).setPaymentIntentId("pi_1")
                        .setStripeAccount("acct_123").setAmountMinor(2800).setReason("session_canceled").setRetry(1)
                        .setCode("api_error").setMessage("Stripe is down").build(),
                RetryPaymentAction.newBuilder().setAction(PaymentAction.CANCEL).setPaymentIntentId("pi_1").build());
    }

    public static CheckoutCommand checkoutCommand(Object payload) {
        return CheckoutCommand.newBuilder().setCommandId("cmd-" + payload.getClass().getSimpleName())
                .setSessionId("cs_test_1").setAgencyId("agency-a").setMerchantId("merchant-1").setIssuedAt(at(1))
                .setActor("api:agency-a").setTraceId("4bf92f3577b34da6a3ce929d0e0e4736").setPayload(payload).build();
    }

    /** One payload of each type in CheckoutEvent's union. */
    public static List<Object> checkoutEventPayloads() {
        return List.of(
                SessionCreated.newBuilder().setIdempotencyKey("idem-create").setRequestHash("ab".repeat(32)).setCart(cart())
                        .setExtensionsJson("{}").setCustomerJson("{}").setExpiresAt(at(3600)).setMaxAttempts(5)
                        .setStripeAccount("acct_123").build(),
                CheckoutCommitted.newBuilder().setAttempt(1).setIdempotencyKey("idem-confirm").setDeadline(at(10))
                        .setHook(hook()).setCart(cart()).setExtensionsJson("{}").setCustomerJson("{}").build(),
                HookDecided.newBuilder().setAttempt(1).setWebhookId("msg_1").setObserved(decision())
                        .setEffective(HookOutcome.APPROVED).setDefaultActionUsed(true).build(),
                AttemptReopened.newBuilder().setAttempt(1).setReason("timeout").build(),
                AwaitingPartner.newBuilder().setAttempt(2).setPartnerDeadline(at(14_400)).build(),
                PaymentRequested.newBuilder().setAttempt(2).setIdempotencyKey("tollgate_cs_test_1_pi").setAmountMinor(2800)
                        .setCurrency("GBP").setCaptureMethod(CaptureMethod.MANUAL).setScaForce(true)
                        .setExemptions(List.of("low_value", "trusted_beneficiary")).setStripeAccount("acct_123").build(),
                PaymentIntentCreated.newBuilder().setPaymentIntentId("pi_1").setClientSecret(secret())
                        .setStatus("requires_payment_method").build(),
                PaymentDeclined.newBuilder().setPaymentIntentId("pi_1").setCode("card_declined")
                        .setMessage("Your card was declined.").build(),
                PaymentAuthorized.newBuilder().setPaymentIntentId("pi_1").setAmountCapturableMinor(2800).build(),
                CaptureRequested.newBuilder().setPaymentIntentId("pi_1").setStripeAccount("acct_123").build(),
                CancelRequested.newBuilder().setPaymentIntentId("pi_1").setStripeAccount("acct_123").setReason("session_expired").build(),
                SessionPaid.newBuilder().setPaymentIntentId("pi_1").setAmountReceivedMinor(2800).build(),
                SessionFailed.newBuilder().setCode("pre_confirmation_rejected").setReason("class_full")
                        .setMessage("The class is full").build(),
                SessionCanceled.newBuilder().setReason("partner_canceled").setMessage("Canceled by the studio").build(),
                CommandRejected.newBuilder().setCommandType("RequestConfirm").setCode("session_closed")
                        .setMessage("session is paid").build(),
                PartnerConfirmed.newBuilder().setFundsHeld(true).build(),
                RefundRequested.newBuilder().setPaymentIntentId("pi_1").setStripeAccount("acct_123").setAmountMinor(2800)
                        .setReason("session_canceled").setRetry(1).build(),
                PaymentActionFailed.newBuilder().setAction(PaymentAction.CANCEL).setPaymentIntentId("pi_1").setRetry(0)
                        .setCode("payment_intent_unexpected_state").setMessage(null).build());
    }

    public static CheckoutEvent checkoutEvent(Object payload) {
        return CheckoutEvent.newBuilder().setEventId("cmd-1:0").setSessionId("cs_test_1").setAgencyId("agency-a")
                .setMerchantId("merchant-1").setSeq(7).setOccurredAt(at(2)).setCausedBy("cmd-1").setActor("hook-caller")
                .setPrevHash("0".repeat(64)).setPayload(payload).build();
    }

    /** One payload of each type in MerchantCommand's union. */
    public static List<Object> merchantCommandPayloads() {
        return List.of(
                UpsertMerchant.newBuilder().setDisplayName("Studio Nine").setStripeAccount("acct_123").build(),
                PutHook.newBuilder().setUrl("https://merchant.example/hooks/pre-confirm").setFailMode(FailMode.CLOSED)
                        .setTimeoutMs(4000).setMode(HookMode.SYNC).setPartnerWaitMinutes(60).setSecret(secret()).build(),
                DeleteHook.newBuilder().build(),
                RotateSecret.newBuilder().setSecret(secret()).setGraceMs(86_400_000L).build());
    }

    public static MerchantCommand merchantCommand(Object payload) {
        return MerchantCommand.newBuilder().setCommandId("mcmd-" + payload.getClass().getSimpleName())
                .setAgencyId("agency-a").setMerchantId("merchant-1").setIssuedAt(at(3)).setActor("agency-a:3f9a1c")
                .setIdempotencyKey("idem-merchant").setRequestHash("cd".repeat(32)).setPayload(payload).build();
    }

    public static List<Object> webhookCommandPayloads() {
        return List.of(
                CreateEndpoint.newBuilder().setUrl("https://partner.example/orders").setDescription("paid orders")
                        .setTriggers(List.of("order.paid")).setConditions(webhookConditions()).setEnabled(true)
                        .setSigning(WebhookSigning.JWT).setSecret(secret()).build(),
                UpdateEndpoint.newBuilder().setEnabled(false).setConditions(webhookConditions()).build(),
                DeleteEndpoint.newBuilder().build(),
                RotateEndpointSecret.newBuilder().setSecret(secret()).setGraceMs(86_400_000L).build(),
                ReportEndpointHealth.newBuilder().setFailing(true).setObservedAt(at(9)).setDetail("http_503").build(),
                DisableEndpoint.newBuilder().setReason("the endpoint answered 410 Gone").setObservedAt(at(9)).build());
    }

    public static WebhookCommand webhookCommand(Object payload) {
        return WebhookCommand.newBuilder().setCommandId("wcmd-" + payload.getClass().getSimpleName())
                .setAgencyId("agency-a").setEndpointId("we_1").setIssuedAt(at(3)).setActor("agency-a:3f9a1c")
                .setIdempotencyKey("idem-endpoint").setRequestHash("ef".repeat(32)).setPayload(payload).build();
    }

    public static WebhookConditions webhookConditions() {
        return WebhookConditions.newBuilder().setMerchantIds(List.of("merchant-1")).setCurrencies(List.of("GBP"))
                .setAmountMinorOver(1000L).setAmountMinorUnder(null).setDecisions(List.of("approved")).build();
    }

    public static WebhookEndpoint webhookEndpoint() {
        return WebhookEndpoint.newBuilder().setAgencyId("agency-a").setEndpointId("we_1").setUrl("https://partner.example/orders")
                .setDescription("paid orders").setTriggers(List.of("order.confirmed", "order.paid"))
                .setConditions(webhookConditions()).setSigning(WebhookSigning.STANDARD_WEBHOOKS).setEnabled(false)
                .setEnabledAt(at(0)).setDisabledAt(at(9)).setDisabledReason("the endpoint answered 410 Gone")
                .setDisabledBy("webhook-dispatcher").setFailingSince(at(5)).setFailureDetail("http_410")
                .setSecrets(List.of(HookSecret.newBuilder().setSecret(secret()).setCreatedAt(at(0)).build()))
                .setCreatedAt(at(0)).setUpdatedAt(at(9)).setVersion(4).setDeletedAt(null)
                .setIdempotency(List.of(IdempotentAnswer.newBuilder().setKey("idem-endpoint").setRequestHash("ef".repeat(32))
                        .setCommandId("wcmd-1").setVersion(1).setHook(null).setSecret(secret()).build()))
                .setLastCommandId("wcmd-4").setLastRejection(null).build();
    }

    public static WebhookDelivery webhookDelivery() {
        return WebhookDelivery.newBuilder().setDeliveryId("dlv_1").setWebhookId("msg_1").setAgencyId("agency-a")
                .setEndpointId("we_1").setSessionId("cs_test_1").setKind(DeliveryKind.RESEND).setOrigin("dlv_0")
                .setEventType("order.failed").setEvent(orderEvent()).setCreatedAt(at(10)).setStatus(DeliveryStatus.PENDING)
                .setAttempts(2).setNextAttemptAt(at(310))
                .setLastAttempt(DeliveryAttempt.newBuilder().setAt(at(12)).setHttpStatus(429).setLatencyMs(31)
                        .setError("http_429").setRetryAfterMs(300_000L).build())
                .setFinalReason(null).build();
    }

    public static List<Object> webhookRequestPayloads() {
        return List.of(ResendDelivery.newBuilder().setDeliveryId("dlv_0").setSessionId("cs_test_1")
                        .setOriginal(webhookDelivery()).build(),
                ReplayEndpoint.newBuilder().setSince(at(0)).setUntil(at(3600)).build());
    }

    public static WebhookRequest webhookRequest(Object payload) {
        return WebhookRequest.newBuilder().setRequestId("wrq-" + payload.getClass().getSimpleName()).setAgencyId("agency-a")
                .setEndpointId("we_1").setRequestedAt(at(20)).setActor("agency-a:3f9a1c").setPayload(payload).build();
    }

    public static SessionState sessionState() {
        return SessionState.newBuilder()
                .setSessionId("cs_test_1").setAgencyId("agency-a").setMerchantId("merchant-1")
                .setStatus(SessionStatus.AWAITING_PAYMENT).setSeq(6).setLastHash("f".repeat(64))
                .setCreatedAt(at(0)).setUpdatedAt(at(5)).setExpiresAt(at(3600)).setPartnerDeadline(at(14_400))
                .setCreateIdempotencyKey("idem-create").setCreateRequestHash("ab".repeat(32)).setCart(cart())
                .setExtensionsJson("{}").setCustomerJson("{}").setStripeAccount("acct_123").setMaxAttempts(5)
                .setAttempts(List.of(
                        Attempt.newBuilder().setNumber(1).setIdempotencyKey("idem-1").setCommandId("cmd-1").setDeadline(at(10))
                                .setHook(hook()).setDecision(HookOutcome.UNAVAILABLE)
                                .setObserved(HookDecision.newBuilder(decision()).setOutcome(HookOutcome.UNAVAILABLE)
                                        .setReason("timeout").setHttpStatus(null).setTimedOut(true).build())
                                .setDefaultActionUsed(false).build(),
                        Attempt.newBuilder().setNumber(2).setIdempotencyKey("idem-2").setCommandId("cmd-2").setDeadline(at(20))
                                .setHook(hook()).setDecision(HookOutcome.APPROVED).setObserved(decision())
                                .setDefaultActionUsed(true).build()))
                .setPaymentIntentId("pi_1").setClientSecret(secret()).setCaptureMethod(CaptureMethod.AUTOMATIC)
                .setFailure(SessionFailed.newBuilder().setCode("payment_error").setReason("card_declined").setMessage("declined").build())
                .setCancellation(SessionCanceled.newBuilder().setReason("session_expired").setMessage(null).build())
                .setRecentCommandIds(List.of("cmd-1", "cmd-2"))
                .setLastCommandId("cmd-2")
                .setLastRejection(Rejection.newBuilder().setCommandId("cmd-x").setCode("duplicate").setMessage("already decided").build())
                .setTimeline(List.of(TimelineEntry.newBuilder().setSeq(1).setAt(at(0)).setType("SessionCreated")
                        .setActor("api:agency-a").setSummary("cart 28.00 GBP").build()))
                .setFailedPaymentActions(List.of(PaymentActionFailure.newBuilder().setAction(PaymentAction.REFUND)
                        .setPaymentIntentId("pi_0").setStripeAccount(null).setAmountMinor(2800).setReason("session_canceled")
                        .setRetry(0).setCode("stripe_unavailable").setMessage("Stripe could not be reached")
                        .setFailedAt(at(7)).build()))
                .build();
    }

    public static OrderEvent orderEvent() {
        return OrderEvent.newBuilder().setEventId("cmd-9:2").setType("order.failed").setOccurredAt(at(4))
                .setSessionId("cs_test_1").setAgencyId("agency-a").setMerchantId("merchant-1").setAmountMinor(2800)
                .setCurrency("GBP").setPaymentIntentId("pi_1").setDecision("rejected").setReason("class_full")
                .setMessage("The class is full").setDefaultActionUsed(true).build();
    }

    public static MerchantConfig merchantConfig() {
        return MerchantConfig.newBuilder().setAgencyId("agency-a").setMerchantId("merchant-1").setDisplayName("Studio Nine")
                .setStripeAccount("acct_123").setCreatedAt(at(0)).setUpdatedAt(at(60)).setVersion(4)
                .setHook(HookConfig.newBuilder().setSnapshot(hook()).setSecrets(List.of(
                        HookSecret.newBuilder().setSecret(secret()).setCreatedAt(at(60)).build(),
                        HookSecret.newBuilder().setSecret(secret()).setCreatedAt(at(0)).setExpiresAt(at(86_460)).build())).build())
                .setIdempotency(List.of(IdempotentAnswer.newBuilder().setKey("idem-hook").setRequestHash("cd".repeat(32))
                        .setCommandId("mcmd-1").setVersion(3).setHook(hook()).setSecret(secret()).build()))
                .setLastCommandId("mcmd-4")
                .setLastRejection(Rejection.newBuilder().setCommandId("mcmd-x").setCode("not_found").setMessage("no hook").build())
                .setChanges(List.of(ConfigChange.newBuilder().setVersion(4).setAt(at(60)).setActor("agency-a:3f9a1c")
                        .setChange("secret_rotated").build()))
                .build();
    }

    public static HookCall hookCall() {
        return HookCall.newBuilder().setCallId("msg_1").setAgencyId("agency-a").setMerchantId("merchant-1")
                .setSessionId("cs_test_1").setAttempt(2).setTest(true).setCalledAt(at(5))
                .setUrl("https://merchant.example/hooks/pre-confirm").setHookVersion(3)
                .setDecision(HookDecision.newBuilder(decision()).setOutcome(HookOutcome.UNAVAILABLE)
                        .setReason("timeout").setHttpStatus(null).setTimedOut(true).build())
                .setProblems(List.of("the hook did not answer within timeout_ms (5000 ms)"))
                .build();
    }
}
