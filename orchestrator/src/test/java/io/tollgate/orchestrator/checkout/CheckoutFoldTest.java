package io.tollgate.orchestrator.checkout;

import static io.tollgate.orchestrator.checkout.CommandScript.CREATE_HASH;
import static io.tollgate.orchestrator.checkout.CommandScript.CREATE_KEY;
import static io.tollgate.orchestrator.checkout.CommandScript.T0;
import static io.tollgate.orchestrator.checkout.CommandScript.TOTAL_MINOR;
import static io.tollgate.orchestrator.checkout.CommandScript.hook;
import static io.tollgate.orchestrator.checkout.CommandScript.rejected;
import static io.tollgate.orchestrator.checkout.CommandScript.syncHook;
import static io.tollgate.orchestrator.checkout.CommandScript.unavailable;
import static io.tollgate.orchestrator.checkout.FoldRun.payload;
import static io.tollgate.orchestrator.checkout.FoldRun.payloadTypes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.tollgate.schema.AttemptReopened;
import io.tollgate.schema.AwaitingPartner;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.CommandRejected;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecided;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PartnerConfirmed;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailed;
import io.tollgate.schema.PaymentAuthorized;
import io.tollgate.schema.PaymentDeclined;
import io.tollgate.schema.PaymentIntentCreated;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.SessionCanceled;
import io.tollgate.schema.SessionCreated;
import io.tollgate.schema.SessionFailed;
import io.tollgate.schema.SessionPaid;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The checkout fold as a pure function: commands in, events, states and order events out. */
class CheckoutFoldTest {
    private static final String PI = "pi_1";

    @Nested
    class Confirmation {

        @Test
        void approvedConfirmRequestsOnePaymentAndEndsPaid() {
            CommandScript s = new CommandScript("cs_happy");
            FoldRun run = new FoldRun();

            run.apply(s.create());
            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCreated.class);
            assertThat(run.status()).isEqualTo(SessionStatus.OPEN);
            assertThat(run.state.getExpiresAt()).isEqualTo(s.expiresAt());

            run.apply(s.confirm("confirm-1", syncHook()));
            assertThat(payloadTypes(run.last.events())).containsExactly(CheckoutCommitted.class);
            CheckoutCommitted committed = payload(run.last.events(), CheckoutCommitted.class);
            assertThat(committed.getAttempt()).isEqualTo(1);
            assertThat(committed.getHook()).isEqualTo(syncHook());
            assertThat(committed.getCart()).isEqualTo(CommandScript.cart());
            assertThat(committed.getExtensionsJson()).contains("cls_42");
            assertThat(run.status()).isEqualTo(SessionStatus.CONFIRMING);

            run.apply(s.decision(1, HookOutcome.APPROVED));
            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, PaymentRequested.class);
            HookDecided decided = payload(run.last.events(), HookDecided.class);
            assertThat(decided.getEffective()).isEqualTo(HookOutcome.APPROVED);
            assertThat(decided.getDefaultActionUsed()).isFalse();
            assertThat(decided.getWebhookId()).isEqualTo("msg_cs_happy_1");
            PaymentRequested requested = payload(run.last.events(), PaymentRequested.class);
            assertThat(requested.getIdempotencyKey()).isEqualTo("tollgate_cs_happy_pi")
                    .isEqualTo(CheckoutFold.paymentIdempotencyKey("cs_happy"));
            assertThat(requested.getAmountMinor()).isEqualTo(TOTAL_MINOR);
            assertThat(requested.getCurrency()).isEqualTo("GBP");
            assertThat(requested.getCaptureMethod()).isEqualTo(CaptureMethod.AUTOMATIC);
            assertThat(requested.getStripeAccount()).isEqualTo("acct_yoga");
            assertThat(requested.getScaForce()).isFalse();
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);
            assertThat(run.orders).isEmpty();

            run.apply(s.paymentIntent(PI));
            assertThat(payloadTypes(run.last.events())).containsExactly(PaymentIntentCreated.class);
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
            assertThat(run.state.getPaymentIntentId()).isEqualTo(PI);
            assertThat(run.state.getClientSecret()).isNotNull();
            assertThat(run.last.orders()).singleElement().satisfies(order -> {
                assertThat(order.getType()).isEqualTo("order.confirmed");
                assertThat(order.getPaymentIntentId()).isEqualTo(PI);
                assertThat(order.getDecision()).isEqualTo("approved");
                assertThat(order.getAmountMinor()).isEqualTo(TOTAL_MINOR);
                assertThat(order.getCurrency()).isEqualTo("GBP");
                assertThat(order.getSessionId()).isEqualTo("cs_happy");
                assertThat(order.getAgencyId()).isEqualTo("agency-a");
                assertThat(order.getMerchantId()).isEqualTo("yoga-studio");
            });

            run.apply(s.paymentSucceeded(PI));
            assertThat(payloadTypes(run.last.events())).containsExactly(SessionPaid.class);
            assertThat(run.status()).isEqualTo(SessionStatus.PAID);
            assertThat(run.orderTypes()).containsExactly("order.confirmed", "order.paid");
            assertThat(run.orders.get(1).getPaymentIntentId()).isEqualTo(PI);
        }

        @Test
        void approvalAskingForScaCarriesItToThePaymentRequest() {
            CommandScript s = new CommandScript("cs_sca");
            HookDecision sca = HookDecision.newBuilder(CommandScript.decisionOf(HookOutcome.APPROVED))
                    .setScaForce(true).setExemptions(List.of("low_value")).build();

            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, sca));

            PaymentRequested requested = payload(run.journal, PaymentRequested.class);
            assertThat(requested.getScaForce()).isTrue();
            assertThat(requested.getExemptions()).containsExactly("low_value");
        }

        @Test
        void rejectionFailsTheSessionWithTheMerchantsReasonAndMessage() {
            CommandScript s = new CommandScript("cs_rejected");

            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()),
                    s.decision(1, rejected("class_full", "Sorry, this class is full")));

            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, SessionFailed.class);
            assertThat(payload(run.last.events(), HookDecided.class).getEffective()).isEqualTo(HookOutcome.REJECTED);
            SessionFailed failed = payload(run.last.events(), SessionFailed.class);
            assertThat(failed.getCode()).isEqualTo("pre_confirmation_rejected");
            assertThat(failed.getReason()).isEqualTo("class_full");
            assertThat(failed.getMessage()).isEqualTo("Sorry, this class is full");
            assertThat(run.status()).isEqualTo(SessionStatus.FAILED);
            assertThat(run.state.getFailure()).isEqualTo(failed);
            assertThat(run.orders).singleElement().satisfies(order -> {
                assertThat(order.getType()).isEqualTo("order.failed");
                assertThat(order.getReason()).isEqualTo("class_full");
                assertThat(order.getMessage()).isEqualTo("Sorry, this class is full");
                assertThat(order.getDecision()).isEqualTo("rejected");
                assertThat(order.getPaymentIntentId()).isNull();
            });
            assertThat(payloadTypes(run.journal)).doesNotContain(PaymentRequested.class);
        }

        @Test
        void rejectionWithoutReasonStillNamesOne() {
            CommandScript s = new CommandScript("cs_rejected_bare");

            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, rejected(null, null)));

            assertThat(payload(run.journal, SessionFailed.class).getReason()).isEqualTo("rejected");
            assertThat(run.orders.get(0).getReason()).isEqualTo("rejected");
        }

        @Test
        void unavailableFailClosedReopensTheSessionForANewAttempt() {
            CommandScript s = new CommandScript("cs_reopen");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()));

            run.apply(s.decision(1, unavailable("timeout")));

            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, AttemptReopened.class);
            assertThat(payload(run.last.events(), HookDecided.class).getEffective()).isEqualTo(HookOutcome.UNAVAILABLE);
            assertThat(payload(run.last.events(), HookDecided.class).getDefaultActionUsed()).isFalse();
            AttemptReopened reopened = payload(run.last.events(), AttemptReopened.class);
            assertThat(reopened.getAttempt()).isEqualTo(1);
            assertThat(reopened.getReason()).isEqualTo("timeout");
            assertThat(run.status()).isEqualTo(SessionStatus.OPEN);
            assertThat(run.orders).isEmpty();

            run.apply(s.confirm("k2", syncHook()));
            assertThat(payload(run.last.events(), CheckoutCommitted.class).getAttempt()).isEqualTo(2);
            assertThat(run.status()).isEqualTo(SessionStatus.CONFIRMING);

            run.apply(s.decision(2, HookOutcome.APPROVED));
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);
            assertThat(payload(run.last.events(), PaymentRequested.class).getAttempt()).isEqualTo(2);
            assertThat(run.state.getAttempts()).extracting(a -> a.getDecision())
                    .containsExactly(HookOutcome.UNAVAILABLE, HookOutcome.APPROVED);
        }

        @Test
        void lastAllowedAttemptUnavailableFailsTheSession() {
            CommandScript s = new CommandScript("cs_exhausted");

            FoldRun run = FoldRun.of(s.create(CREATE_KEY, CREATE_HASH, s.expiresAt(), 2),
                    s.confirm("k1", syncHook()), s.decision(1, unavailable("timeout")),
                    s.confirm("k2", syncHook()), s.decision(2, unavailable("http_5xx")));

            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, SessionFailed.class);
            SessionFailed failed = payload(run.last.events(), SessionFailed.class);
            assertThat(failed.getCode()).isEqualTo("pre_confirmation_unavailable");
            assertThat(failed.getReason()).isEqualTo("http_5xx");
            assertThat(run.status()).isEqualTo(SessionStatus.FAILED);
            assertThat(run.orders).singleElement().satisfies(order -> {
                assertThat(order.getType()).isEqualTo("order.failed");
                assertThat(order.getReason()).isEqualTo("http_5xx");
                assertThat(order.getDecision()).isEqualTo("unavailable");
            });

            run.apply(s.confirm("k3", syncHook()));
            assertThat(payload(run.last.events(), CommandRejected.class).getCode()).isEqualTo("session_failed");
        }

        @Test
        void unavailableFailOpenApprovesFlaggedAsTheDefaultAction() {
            CommandScript s = new CommandScript("cs_fail_open");

            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", hook(FailMode.OPEN, HookMode.SYNC)),
                    s.decision(1, unavailable("connection_refused")));

            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, PaymentRequested.class);
            HookDecided decided = payload(run.last.events(), HookDecided.class);
            assertThat(decided.getObserved().getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
            assertThat(decided.getEffective()).isEqualTo(HookOutcome.APPROVED);
            assertThat(decided.getDefaultActionUsed()).isTrue();
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);

            run.apply(s.paymentIntent(PI));
            run.apply(s.paymentSucceeded(PI));
            assertThat(run.orders).extracting(OrderEvent::getType, OrderEvent::getDecision, OrderEvent::getDefaultActionUsed)
                    .containsExactly(tuple("order.confirmed", "approved", true),
                            tuple("order.paid", "approved", true));
        }

        @Test
        void failOpenDoesNotOverrideARejection() {
            CommandScript s = new CommandScript("cs_fail_open_rejected");

            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", hook(FailMode.OPEN, HookMode.SYNC)),
                    s.decision(1, HookOutcome.REJECTED));

            assertThat(run.status()).isEqualTo(SessionStatus.FAILED);
            assertThat(payload(run.journal, HookDecided.class).getDefaultActionUsed()).isFalse();
        }

        @Test
        void withoutAHookTheConfirmIsApprovedAutomatically() {
            CommandScript s = new CommandScript("cs_no_hook");
            FoldRun run = FoldRun.of(s.create());

            run.apply(s.confirm("k1", null));

            assertThat(payloadTypes(run.last.events()))
                    .containsExactly(CheckoutCommitted.class, HookDecided.class, PaymentRequested.class);
            HookDecided decided = payload(run.last.events(), HookDecided.class);
            assertThat(decided.getWebhookId()).isNull();
            assertThat(decided.getObserved()).isNull();
            assertThat(decided.getEffective()).isEqualTo(HookOutcome.APPROVED);
            assertThat(decided.getDefaultActionUsed()).isFalse();
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);

            run.apply(s.paymentIntent(PI));
            assertThat(run.last.orders()).singleElement().extracting(OrderEvent::getDecision).isEqualTo("none");
        }
    }

    @Nested
    class DeferredDecision {

        @Test
        void deferredWaitsForThePartnerUntilPartnerWaitMinutesAfterTheDecision() {
            CommandScript s = new CommandScript("cs_deferred");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)));

            run.apply(s.decision(1, HookOutcome.DEFERRED));

            Instant expectedDeadline = s.lastIssuedAt().plus(Duration.ofMinutes(30));
            assertThat(payloadTypes(run.last.events())).containsExactly(HookDecided.class, AwaitingPartner.class, PaymentRequested.class);
            assertThat(payload(run.last.events(), HookDecided.class).getEffective()).isEqualTo(HookOutcome.DEFERRED);
            AwaitingPartner awaiting = payload(run.last.events(), AwaitingPartner.class);
            assertThat(awaiting.getAttempt()).isEqualTo(1);
            assertThat(awaiting.getPartnerDeadline()).isEqualTo(expectedDeadline);
            assertThat(run.state.getPartnerDeadline()).isEqualTo(expectedDeadline);
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PARTNER);
            assertThat(run.orders).isEmpty();
        }

        @Test
        void aDeferredDecisionRequestsAHeldPaymentAtOnce() {
            CommandScript s = new CommandScript("cs_partner_hold");
            FoldRun run = deferred(s);

            PaymentRequested requested = payload(run.journal, PaymentRequested.class);
            assertThat(requested.getCaptureMethod()).isEqualTo(CaptureMethod.MANUAL);
            assertThat(requested.getIdempotencyKey()).isEqualTo("tollgate_cs_partner_hold_pi");

            run.apply(s.paymentIntent(PI));
            assertThat(payloadTypes(run.last.events())).containsExactly(PaymentIntentCreated.class);
            assertThat(run.status()).as("the shopper pays while the partner decides").isEqualTo(SessionStatus.AWAITING_PARTNER);
            assertThat(run.state.getPaymentIntentId()).isEqualTo(PI);

            run.apply(s.paymentAuthorized(PI));
            assertThat(payloadTypes(run.last.events())).as("held, not captured").containsExactly(PaymentAuthorized.class);
            assertThat(run.state.getFundsHeld()).isTrue();
            assertThat(run.orders).isEmpty();
        }

        @Test
        void partnerConfirmCapturesFundsAlreadyHeld() {
            CommandScript s = new CommandScript("cs_partner_ok");
            FoldRun run = held(s);

            run.apply(s.partnerConfirm());

            assertThat(payloadTypes(run.last.events())).containsExactly(PartnerConfirmed.class, CaptureRequested.class);
            assertThat(payload(run.last.events(), CaptureRequested.class).getPaymentIntentId()).isEqualTo(PI);
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
            assertThat(run.state.getPartnerDeadline()).isNull();

            run.apply(s.paymentSucceeded(PI));
            assertThat(run.orders).extracting(OrderEvent::getDecision).containsOnly("deferred");
            assertThat(run.orderTypes()).containsExactly("order.confirmed", "order.paid");
        }

        @Test
        void partnerConfirmBeforeTheShopperPaidCapturesOnceFundsAreHeld() {
            CommandScript s = new CommandScript("cs_partner_early");
            FoldRun run = deferred(s);
            run.apply(s.paymentIntent(PI));

            run.apply(s.partnerConfirm());
            assertThat(payloadTypes(run.last.events())).containsExactly(PartnerConfirmed.class);
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);

            run.apply(s.paymentAuthorized(PI));
            assertThat(payloadTypes(run.last.events())).containsExactly(PaymentAuthorized.class, CaptureRequested.class);
            run.apply(s.paymentSucceeded(PI));
            assertThat(run.orderTypes()).containsExactly("order.confirmed", "order.paid");
        }

        @Test
        void partnerConfirmBeforeThePaymentIntentExistsWaitsForIt() {
            CommandScript s = new CommandScript("cs_partner_first");
            FoldRun run = deferred(s);

            run.apply(s.partnerConfirm());
            assertThat(payloadTypes(run.last.events())).as("the payment was requested already").containsExactly(PartnerConfirmed.class);
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);

            run.apply(s.paymentIntent(PI));
            run.apply(s.paymentAuthorized(PI));
            assertThat(payloadTypes(run.last.events())).containsExactly(PaymentAuthorized.class, CaptureRequested.class);
            assertThat(run.orderTypes()).containsExactly("order.confirmed");
        }

        @Test
        void aCaptureStripeRefusesForGoodReleasesTheHoldAndCancels() {
            CommandScript s = new CommandScript("cs_capture_refused");
            FoldRun run = held(s);
            run.apply(s.partnerConfirm());

            run.apply(s.paymentFailure(PaymentStage.CAPTURE, "charge_expired_for_capture", PI));

            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class, CancelRequested.class);
            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo("capture_failed");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.terminalOrderTypes()).containsExactly("order.canceled");
        }

        @Test
        void aCaptureFailureWithoutAHeldPaymentIsRefused() {
            CommandScript s = new CommandScript("cs_capture_stray");
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));

            run.apply(s.paymentFailure(PaymentStage.CAPTURE, "charge_expired_for_capture", PI));

            assertThat(payload(run.last.events(), CommandRejected.class).getCode()).isEqualTo("payment_failure_not_expected");
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
        }

        @Test
        void partnerCancelReleasesTheHeldFunds() {
            CommandScript s = new CommandScript("cs_partner_release");
            FoldRun run = held(s);

            run.apply(s.partnerCancel("slot_gone", null));

            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class, CancelRequested.class);
            assertThat(payload(run.last.events(), CancelRequested.class).getPaymentIntentId()).isEqualTo(PI);
            assertThat(run.orderTypes()).containsExactly("order.canceled");
        }

        @Test
        void partnerCancelCancelsWithThePartnersReason() {
            CommandScript s = new CommandScript("cs_partner_no");
            FoldRun run = deferred(s);

            run.apply(s.partnerCancel("slot_gone", "The slot was taken"));

            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class);
            SessionCanceled canceled = payload(run.last.events(), SessionCanceled.class);
            assertThat(canceled.getReason()).isEqualTo("slot_gone");
            assertThat(canceled.getMessage()).isEqualTo("The slot was taken");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.state.getCancellation()).isEqualTo(canceled);
            assertThat(run.orders).singleElement().satisfies(order -> {
                assertThat(order.getType()).isEqualTo("order.canceled");
                assertThat(order.getReason()).isEqualTo("slot_gone");
                assertThat(order.getMessage()).isEqualTo("The slot was taken");
                assertThat(order.getDecision()).isEqualTo("deferred");
            });
        }

        @Test
        void partnerCancelWithoutReasonIsPartnerCanceled() {
            CommandScript s = new CommandScript("cs_partner_bare");
            FoldRun run = deferred(s);

            run.apply(s.partnerCancel(null, null));

            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo("partner_canceled");
        }

        @Test
        void partnerTimeoutCancelsTheSession() {
            CommandScript s = new CommandScript("cs_partner_late");
            FoldRun run = deferred(s);
            Instant partnerDeadline = run.state.getPartnerDeadline();

            run.apply(s.expire("partner_timeout", partnerDeadline.minusMillis(1)));
            assertThat(run.last.dropped()).as("not due yet").isTrue();

            run.apply(s.expire("partner_timeout", partnerDeadline));
            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class);
            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo("partner_timeout");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.state.getPartnerDeadline()).isNull();
            assertThat(run.orders).singleElement().extracting(OrderEvent::getType, OrderEvent::getReason)
                    .containsExactly("order.canceled", "partner_timeout");
        }

        @Test
        void aStalePartnerTimerAfterThePartnerConfirmedChangesNothing() {
            CommandScript s = new CommandScript("cs_partner_stale");
            FoldRun run = deferred(s);
            Instant partnerDeadline = run.state.getPartnerDeadline();
            run.apply(s.partnerConfirm());

            run.apply(s.expire("partner_timeout", partnerDeadline));

            assertThat(run.last.dropped()).isTrue();
            assertThat(run.status()).isEqualTo(SessionStatus.PAYMENT_PENDING);
            assertThat(run.state.getPartnerDeadline()).isNull();
        }

        @Test
        void thePartnersWaitOutlastsAShorterSessionLimit() {
            CommandScript s = new CommandScript("cs_partner_outlasts");
            Instant sessionLimit = T0.plus(Duration.ofMinutes(10));
            FoldRun run = FoldRun.of(s.create(CREATE_KEY, CREATE_HASH, sessionLimit, 5),
                    s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED));
            Instant partnerDeadline = run.state.getPartnerDeadline();
            assertThat(run.state.getExpiresAt()).isEqualTo(partnerDeadline).isAfter(sessionLimit);

            run.apply(s.expire("session_expired", sessionLimit));
            assertThat(run.last.dropped()).as("the session's own limit no longer applies").isTrue();

            run.apply(s.expire("partner_timeout", partnerDeadline));
            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo("partner_timeout");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
        }

        @Test
        void aSessionLimitBeyondThePartnersWaitStaysAsItWas() {
            CommandScript s = new CommandScript("cs_partner_short");
            FoldRun run = deferred(s);

            assertThat(run.state.getExpiresAt()).isEqualTo(s.expiresAt()).isAfter(run.state.getPartnerDeadline());
        }
    }

    @Nested
    class Payment {

        @Test
        void aPaymentThatBeatsTheCancelIsRefunded() {
            CommandScript s = new CommandScript("cs_late_pay");
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));
            run.apply(s.expire("session_expired", s.expiresAt()));

            run.apply(s.paymentSucceeded(PI));

            assertThat(payloadTypes(run.last.events())).containsExactly(CommandRejected.class, RefundRequested.class);
            RefundRequested refund = payload(run.last.events(), RefundRequested.class);
            assertThat(refund.getPaymentIntentId()).isEqualTo(PI);
            assertThat(refund.getStripeAccount()).isEqualTo("acct_yoga");
            assertThat(refund.getReason()).isEqualTo("session_canceled");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.terminalOrderTypes()).containsExactly("order.canceled");
        }

        @Test
        void paymentErrorAtCreationFailsTheSession() {
            CommandScript s = new CommandScript("cs_pay_error");
            FoldRun run = approved(s);

            run.apply(s.paymentFailure(PaymentStage.CREATE, "account_invalid", null));

            SessionFailed failed = payload(run.last.events(), SessionFailed.class);
            assertThat(failed.getCode()).isEqualTo("payment_error");
            assertThat(failed.getReason()).isEqualTo("account_invalid");
            assertThat(run.status()).isEqualTo(SessionStatus.FAILED);
            assertThat(run.orders).singleElement().extracting(OrderEvent::getType, OrderEvent::getReason)
                    .containsExactly("order.failed", "account_invalid");
        }

        @Test
        void aDeclinedPaymentKeepsTheSessionAwaitingPayment() {
            CommandScript s = new CommandScript("cs_declined");
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));

            run.apply(s.paymentFailure(PaymentStage.CONFIRM, "card_declined", null));

            assertThat(payloadTypes(run.last.events())).containsExactly(PaymentDeclined.class);
            assertThat(payload(run.last.events(), PaymentDeclined.class).getPaymentIntentId()).isEqualTo(PI);
            assertThat(run.status()).isEqualTo(SessionStatus.AWAITING_PAYMENT);
            assertThat(run.last.orders()).isEmpty();

            run.apply(s.paymentSucceeded(PI));
            assertThat(run.status()).isEqualTo(SessionStatus.PAID);
        }

        @Test
        void anIntentCanceledAtStripeCancelsTheSessionWithoutAskingToCancelItAgain() {
            CommandScript s = new CommandScript("cs_pi_canceled");
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));

            run.apply(s.paymentCanceled(PI));

            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class);
            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo("payment_canceled");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.terminalOrderTypes()).containsExactly("order.canceled");
        }

        @Test
        void anIntentReportedAfterTheSessionWasCanceledIsRejectedAndCanceled() {
            CommandScript s = new CommandScript("cs_stray");
            FoldRun run = approved(s);
            run.apply(s.expire("session_expired", s.expiresAt()));
            assertThat(payloadTypes(run.last.events())).containsExactly(SessionCanceled.class);
            SessionState canceled = run.state;

            run.apply(s.paymentIntent("pi_late"));

            assertThat(payloadTypes(run.last.events())).containsExactly(CommandRejected.class, CancelRequested.class);
            assertThat(payload(run.last.events(), CommandRejected.class).getCode()).isEqualTo("payment_not_expected");
            CancelRequested cancel = payload(run.last.events(), CancelRequested.class);
            assertThat(cancel.getPaymentIntentId()).isEqualTo("pi_late");
            assertThat(cancel.getStripeAccount()).isEqualTo("acct_yoga");
            assertThat(cancel.getReason()).isEqualTo("session_canceled");
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.state.getPaymentIntentId()).isNull();
            assertThat(run.state.getLastRejection().getCode()).isEqualTo("payment_not_expected");
            assertThat(run.last.orders()).isEmpty();
            assertThat(run.state.getCancellation()).isEqualTo(canceled.getCancellation());
            assertThat(run.terminalOrderTypes()).containsExactly("order.canceled");
        }
    }

    @Nested
    class Expiry {

        static Stream<Arguments> nonTerminalStates() {
            return Stream.of("open", "confirming", "partner", "pending", "awaiting").map(Arguments::of);
        }

        @ParameterizedTest(name = "expiry while {0}")
        @MethodSource("nonTerminalStates")
        void expiryCancelsEveryNonTerminalSessionAndCancelsAnExistingIntent(String stateName) {
            CommandScript s = new CommandScript("cs_expire_" + stateName);
            FoldRun run = STATES.get(stateName).apply(s);
            boolean hasIntent = run.state.getPaymentIntentId() != null;

            run.apply(s.expire("session_expired", s.expiresAt()));

            assertThat(payloadTypes(run.last.events())).containsExactlyElementsOf(hasIntent
                    ? List.of(SessionCanceled.class, CancelRequested.class) : List.of(SessionCanceled.class));
            // a session still waiting on the partner ran out of the partner's time too
            String reason = stateName.equals("partner") ? "partner_timeout" : "session_expired";
            assertThat(payload(run.last.events(), SessionCanceled.class).getReason()).isEqualTo(reason);
            if (hasIntent) {
                CancelRequested cancel = payload(run.last.events(), CancelRequested.class);
                assertThat(cancel.getPaymentIntentId()).isEqualTo(PI);
                assertThat(cancel.getReason()).isEqualTo(reason);
                assertThat(cancel.getStripeAccount()).isEqualTo("acct_yoga");
            }
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(run.last.orders()).singleElement().satisfies(order -> {
                assertThat(order.getType()).isEqualTo("order.canceled");
                assertThat(order.getReason()).isEqualTo(reason);
                assertThat(order.getPaymentIntentId()).isEqualTo(hasIntent ? PI : null);
            });
        }

        @Test
        void anExpiryNotYetDueChangesNothing() {
            CommandScript s = new CommandScript("cs_not_due");
            FoldRun run = FoldRun.of(s.create());
            SessionState before = run.state;

            run.apply(s.expire("session_expired", s.expiresAt().minusMillis(1)));

            assertThat(run.last.dropped()).isTrue();
            assertThat(run.state).isEqualTo(before);
        }
    }

    // ---- every command in every state ----------------------------------------------------------

    /**
     * What each command does in each state, written from design.md independently of the fold.
     * {@code >x}: accepted, the session moves to x. {@code =}: accepted, status unchanged.
     * {@code drop}: a duplicate or late report, dropped without events. {@code !code}: exactly one
     * CommandRejected with that code; {@code !code+} also asks to cancel the stray PaymentIntent,
     * {@code !code$} to refund a payment that arrived after the session ended.
     */
    private static final String TABLE = """
            command              open         confirming   partner      held         pending      awaiting     paid         failed       canceled
            create_same          drop         drop         drop         drop         drop         drop         drop         drop         drop
            create_other_hash    !reused      !reused      !reused      !reused      !reused      !reused      !reused      !reused      !reused
            confirm_first_key    >confirming  drop         drop         drop         drop         drop         drop         drop         drop
            confirm_new_key      >confirming  !busy        !busy        !busy        !busy        !busy        !closed      !failed      !closed
            decision_attempt_1   !decision    >pending     drop         drop         drop         drop         drop         drop         drop
            decision_attempt_2   !decision    !decision    !decision    !decision    !decision    !decision    !decision    !decision    !decision
            intent_pi_1          !payment     !payment     =            drop         >awaiting    drop         drop         !payment+    !payment+
            intent_pi_2          !payment     !payment     =            !payment     >awaiting    !payment     !payment     !payment+    !payment+
            failure_create       !failure     !failure     >failed      !failure     >failed      !failure     drop         drop         drop
            failure_confirm      !failure     !failure     !failure     =            !failure     =            drop         drop         drop
            succeeded_pi_1       !payment     !payment     !payment     !payment     !payment     >paid        drop         !payment$    !payment$
            authorized_pi_1      !auth        !auth        !auth        drop         !auth        !auth        !auth        !auth        !auth
            canceled_pi_1        !payment     !payment     !payment     >canceled    !payment     >canceled    drop         drop         drop
            partner_confirm      !partner     !partner     >pending     >awaiting    !partner     !partner     !closed      !failed      !closed
            partner_cancel       !partner     !partner     >canceled    >canceled    !partner     !partner     !closed      !failed      !closed
            expire_due           >canceled    >canceled    >canceled    >canceled    >canceled    >canceled    drop         drop         drop
            expire_not_yet_due   drop         drop         drop         drop         drop         drop         drop         drop         drop
            """;

    private static final Map<String, String> CODES = Map.of(
            "reused", "idempotency_key_reused", "busy", "confirm_in_progress", "closed", "session_closed",
            "failed", "session_failed", "decision", "decision_not_expected", "payment", "payment_not_expected",
            "failure", "payment_failure_not_expected", "auth", "authorization_not_expected", "partner", "not_awaiting_partner");

    private static final Map<String, SessionStatus> STATUS = Map.of(
            "open", SessionStatus.OPEN, "confirming", SessionStatus.CONFIRMING, "partner", SessionStatus.AWAITING_PARTNER,
            "held", SessionStatus.AWAITING_PARTNER,
            "pending", SessionStatus.PAYMENT_PENDING, "awaiting", SessionStatus.AWAITING_PAYMENT, "paid", SessionStatus.PAID,
            "failed", SessionStatus.FAILED, "canceled", SessionStatus.CANCELED);

    /** How a session reaches each state (columns of the table). */
    static final Map<String, Function<CommandScript, FoldRun>> STATES = new LinkedHashMap<>();

    static {
        STATES.put("open", s -> FoldRun.of(s.create()));
        STATES.put("confirming", s -> FoldRun.of(s.create(), s.confirm("k1", syncHook())));
        STATES.put("partner", CheckoutFoldTest::deferred);
        STATES.put("held", CheckoutFoldTest::held);
        STATES.put("pending", CheckoutFoldTest::approved);
        STATES.put("awaiting", s -> {
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));
            return run;
        });
        STATES.put("paid", s -> {
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));
            run.apply(s.paymentSucceeded(PI));
            return run;
        });
        STATES.put("failed", s -> FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.REJECTED)));
        STATES.put("canceled", s -> {
            FoldRun run = approved(s);
            run.apply(s.expire("session_expired", s.expiresAt()));
            return run;
        });
    }

    /** The commands (rows of the table). */
    static final Map<String, Function<CommandScript, CheckoutCommand>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("create_same", CommandScript::create);
        COMMANDS.put("create_other_hash", s -> s.create(CREATE_KEY, "hash-of-another-body", s.expiresAt(), 5));
        COMMANDS.put("confirm_first_key", s -> s.confirm("k1", syncHook()));
        COMMANDS.put("confirm_new_key", s -> s.confirm("k-new", syncHook()));
        COMMANDS.put("decision_attempt_1", s -> s.decision(1, HookOutcome.APPROVED));
        COMMANDS.put("decision_attempt_2", s -> s.decision(2, HookOutcome.APPROVED));
        COMMANDS.put("intent_pi_1", s -> s.paymentIntent(PI));
        COMMANDS.put("intent_pi_2", s -> s.paymentIntent("pi_2"));
        COMMANDS.put("failure_create", s -> s.paymentFailure(PaymentStage.CREATE, "api_error", null));
        COMMANDS.put("failure_confirm", s -> s.paymentFailure(PaymentStage.CONFIRM, "card_declined", PI));
        COMMANDS.put("succeeded_pi_1", s -> s.paymentSucceeded(PI));
        COMMANDS.put("authorized_pi_1", s -> s.paymentAuthorized(PI));
        COMMANDS.put("canceled_pi_1", s -> s.paymentCanceled(PI));
        COMMANDS.put("partner_confirm", CommandScript::partnerConfirm);
        COMMANDS.put("partner_cancel", s -> s.partnerCancel("no_capacity", null));
        COMMANDS.put("expire_due", s -> s.expire("session_expired", s.expiresAt()));
        COMMANDS.put("expire_not_yet_due", s -> s.expire("session_expired", T0.plus(Duration.ofMinutes(1))));
    }

    static Stream<Arguments> table() {
        List<String> lines = TABLE.lines().filter(l -> !l.isBlank()).toList();
        List<String> header = Arrays.asList(lines.get(0).trim().split("\\s+"));
        List<Arguments> cases = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.trim().split("\\s+");
            for (int i = 1; i < cells.length; i++) {
                cases.add(Arguments.of(header.get(i), cells[0], cells[i]));
            }
        }
        return cases.stream();
    }

    @Test
    void tableCoversEveryStateAndEveryCommand() {
        List<String> lines = TABLE.lines().filter(l -> !l.isBlank()).toList();
        assertThat(lines.get(0).trim().split("\\s+")).containsExactlyElementsOf(
                Stream.concat(Stream.of("command"), STATES.keySet().stream()).toList());
        assertThat(lines.subList(1, lines.size())).extracting(l -> l.trim().split("\\s+")[0])
                .containsExactlyElementsOf(COMMANDS.keySet());
        assertThat(Set.copyOf(STATUS.values())).containsExactlyInAnyOrder(SessionStatus.values());
    }

    @ParameterizedTest(name = "{0} + {1} -> {2}")
    @MethodSource("table")
    void everyCommandInEveryState(String stateName, String commandName, String expected) {
        CommandScript s = new CommandScript("cs_" + stateName + "_" + commandName);
        FoldRun run = STATES.get(stateName).apply(s);
        SessionState before = run.state;
        assertThat(before.getStatus()).isEqualTo(STATUS.get(stateName));
        CheckoutCommand command = COMMANDS.get(commandName).apply(s);

        CheckoutFold.Outcome outcome = run.apply(command);

        if (expected.equals("drop")) {
            assertThat(outcome.dropped()).as("dropped").isTrue();
            assertThat(outcome.events()).isEmpty();
            assertThat(outcome.orders()).isEmpty();
            assertThat(outcome.state()).isEqualTo(before);
        } else if (expected.startsWith("!")) {
            boolean stray = expected.endsWith("+");
            boolean refund = expected.endsWith("$");
            String code = CODES.get(expected.substring(1, expected.length() - (stray || refund ? 1 : 0)));
            assertThat(outcome.dropped()).isFalse();
            assertThat(payloadTypes(outcome.events())).containsExactlyElementsOf(stray
                    ? List.of(CommandRejected.class, CancelRequested.class)
                    : refund ? List.of(CommandRejected.class, RefundRequested.class) : List.of(CommandRejected.class));
            CommandRejected rejected = payload(outcome.events(), CommandRejected.class);
            assertThat(rejected.getCode()).isEqualTo(code);
            assertThat(rejected.getCommandType()).isEqualTo(command.getPayload().getClass().getSimpleName());
            assertThat(rejected.getMessage()).isNotBlank();
            assertThat(outcome.orders()).isEmpty();
            assertThat(outcome.state().getStatus()).isEqualTo(before.getStatus());
            assertThat(outcome.state().getLastRejection().getCommandId()).isEqualTo(command.getCommandId());
            assertThat(outcome.state().getLastRejection().getCode()).isEqualTo(code);
            assertThat(outcome.state().getSeq()).isEqualTo(before.getSeq() + outcome.events().size());
            // a refusal changes nothing the session is made of
            assertThat(outcome.state().getAttempts()).isEqualTo(before.getAttempts());
            assertThat(outcome.state().getPaymentIntentId()).isEqualTo(before.getPaymentIntentId());
            assertThat(outcome.state().getFailure()).isEqualTo(before.getFailure());
            assertThat(outcome.state().getCancellation()).isEqualTo(before.getCancellation());
        } else {
            assertThat(outcome.dropped()).isFalse();
            assertThat(payloadTypes(outcome.events())).isNotEmpty().doesNotContain(CommandRejected.class);
            SessionStatus after = expected.equals("=") ? before.getStatus() : STATUS.get(expected.substring(1));
            assertThat(outcome.state().getStatus()).isEqualTo(after);
            assertThat(outcome.state().getLastRejection()).isEqualTo(before.getLastRejection());
        }
        assertThat(EventChain.verify(run.journal)).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsOtherThanCreate")
    void aCommandForAnUnknownSessionIsRejected(String commandName) {
        CommandScript s = new CommandScript("cs_unknown");
        CheckoutCommand command = COMMANDS.get(commandName).apply(s);

        CheckoutFold.Outcome outcome = new CheckoutFold().apply(null, command);

        assertThat(outcome.dropped()).isFalse();
        assertThat(outcome.state()).isNull();
        assertThat(payloadTypes(outcome.events())).containsExactly(CommandRejected.class);
        assertThat(payload(outcome.events(), CommandRejected.class).getCode()).isEqualTo("session_not_found");
        assertThat(outcome.orders()).isEmpty();
    }

    static Stream<String> commandsOtherThanCreate() {
        return COMMANDS.keySet().stream().filter(name -> !name.startsWith("create"));
    }

    // ---- duplicates ----------------------------------------------------------------------------

    @Nested
    class Duplicates {

        @Test
        void everyCommandDeliveredTwiceIsDroppedTheSecondTime() {
            CommandScript s = new CommandScript("cs_redelivered");
            FoldRun run = new FoldRun();
            for (CheckoutCommand command : SCENARIOS.get("paid").apply(s)) {
                run.apply(command);
                SessionState after = run.state;

                CheckoutFold.Outcome again = run.apply(CommandScript.again(command));

                assertThat(again.dropped()).as("redelivered %s", command.getCommandId()).isTrue();
                assertThat(again.events()).isEmpty();
                assertThat(again.orders()).isEmpty();
                assertThat(again.state()).isEqualTo(after);
            }
            assertThat(run.status()).isEqualTo(SessionStatus.PAID);
        }

        @Test
        void onlyTheCommandIdTellsARedeliveredRefusalOrDeclineFromANewOne() {
            CommandScript s = new CommandScript("cs_redelivered_refusal");
            FoldRun run = FoldRun.of(s.create());
            CheckoutCommand refused = s.partnerConfirm();
            run.apply(refused);

            assertThat(run.apply(CommandScript.again(refused)).dropped()).isTrue();
            assertThat(run.apply(s.partnerConfirm()).events()).as("a new command is refused again").hasSize(1);

            CommandScript t = new CommandScript("cs_redelivered_decline");
            FoldRun paying = approved(t);
            paying.apply(t.paymentIntent(PI));
            CheckoutCommand declined = t.paymentFailure(PaymentStage.CONFIRM, "card_declined", PI);
            paying.apply(declined);

            assertThat(paying.apply(CommandScript.again(declined)).dropped()).isTrue();
            assertThat(paying.journal.stream().filter(e -> e.getPayload() instanceof PaymentDeclined).count()).isEqualTo(1);
        }

        @Test
        void aRepeatedConfirmIdempotencyKeyIsDropped() {
            CommandScript s = new CommandScript("cs_same_confirm");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()));

            assertThat(run.apply(s.confirm("k1", syncHook())).dropped()).isTrue();
            run.apply(s.decision(1, HookOutcome.APPROVED));
            assertThat(run.apply(s.confirm("k1", null)).dropped()).isTrue();
            assertThat(run.state.getAttempts()).hasSize(1);
        }

        @Test
        void aSecondDecisionForAnAttemptIsDropped() {
            CommandScript s = new CommandScript("cs_two_decisions");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.APPROVED));
            SessionState before = run.state;

            CheckoutFold.Outcome second = run.apply(s.decision(1, HookOutcome.REJECTED));

            assertThat(second.dropped()).isTrue();
            assertThat(second.events()).isEmpty();
            assertThat(run.state).isEqualTo(before);
        }

        @Test
        void aSecondDecisionForAReopenedAttemptIsDropped() {
            CommandScript s = new CommandScript("cs_two_decisions_reopened");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, unavailable("timeout")),
                    s.confirm("k2", syncHook()));

            assertThat(run.apply(s.decision(1, HookOutcome.APPROVED)).dropped()).isTrue();
            assertThat(run.status()).isEqualTo(SessionStatus.CONFIRMING);
        }

        @Test
        void aSecondPaymentIntentReportIsDropped() {
            CommandScript s = new CommandScript("cs_two_intents");
            FoldRun run = approved(s);
            run.apply(s.paymentIntent(PI));

            CheckoutFold.Outcome second = run.apply(s.paymentIntent(PI));

            assertThat(second.dropped()).isTrue();
            assertThat(run.orderTypes()).containsExactly("order.confirmed");
        }

        @Test
        void createSessionRepeatedWithTheSameKeyAndBodyIsDroppedButWithAnotherBodyIsRefused() {
            CommandScript s = new CommandScript("cs_create_twice");
            FoldRun run = FoldRun.of(s.create());
            SessionState created = run.state;

            assertThat(run.apply(s.create()).dropped()).isTrue();
            assertThat(run.state).isEqualTo(created);

            run.apply(s.create(CREATE_KEY, "hash-of-another-body", s.expiresAt(), 5));
            assertThat(payloadTypes(run.last.events())).containsExactly(CommandRejected.class);
            assertThat(payload(run.last.events(), CommandRejected.class).getCode()).isEqualTo("idempotency_key_reused");
            assertThat(run.state.getLastRejection().getCode()).isEqualTo("idempotency_key_reused");
            assertThat(run.state.getCreateRequestHash()).isEqualTo(CREATE_HASH);
        }

        @Test
        void aSecondPartnerConfirmOrCancelIsDropped() {
            CommandScript s = new CommandScript("cs_partner_twice");
            FoldRun confirmed = deferred(s);
            confirmed.apply(s.partnerConfirm());
            assertThat(confirmed.apply(s.partnerConfirm()).dropped()).isTrue();
            confirmed.apply(s.paymentIntent(PI));
            assertThat(confirmed.apply(s.partnerConfirm()).dropped()).isTrue();

            CommandScript t = new CommandScript("cs_partner_cancel_twice");
            FoldRun canceled = deferred(t);
            canceled.apply(t.partnerCancel("no_capacity", null));
            assertThat(canceled.apply(t.partnerCancel("no_capacity", null)).dropped()).isTrue();
            assertThat(canceled.terminalOrderTypes()).containsExactly("order.canceled");
        }

        @Test
        void aSecondSuccessReportIsDropped() {
            CommandScript s = new CommandScript("cs_paid_twice");
            FoldRun run = runScenario("paid", s);

            assertThat(run.apply(s.paymentSucceeded(PI)).dropped()).isTrue();
            assertThat(run.orderTypes()).containsExactly("order.confirmed", "order.paid");
        }
    }

    // ---- whole sessions ------------------------------------------------------------------------

    /** Complete sessions, each ending in one terminal state. */
    static final Map<String, Function<CommandScript, List<CheckoutCommand>>> SCENARIOS = new LinkedHashMap<>();
    static final Map<String, String> TERMINAL_ORDER = new LinkedHashMap<>();

    private static void scenario(String name, String terminalOrder, Function<CommandScript, List<CheckoutCommand>> commands) {
        SCENARIOS.put(name, commands);
        TERMINAL_ORDER.put(name, terminalOrder);
    }

    static {
        scenario("paid", "order.paid", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.APPROVED), s.paymentIntent(PI), s.paymentSucceeded(PI)));
        scenario("rejected", "order.failed", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.REJECTED)));
        scenario("reopened_then_paid", "order.paid", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, unavailable("timeout")), s.confirm("k2", syncHook()), s.decision(2, HookOutcome.APPROVED),
                s.paymentIntent(PI), s.paymentSucceeded(PI)));
        scenario("unavailable_exhausted", "order.failed", s -> List.of(s.create(CREATE_KEY, CREATE_HASH, s.expiresAt(), 2),
                s.confirm("k1", syncHook()), s.decision(1, unavailable("timeout")),
                s.confirm("k2", syncHook()), s.decision(2, unavailable("circuit_open"))));
        scenario("fail_open_paid", "order.paid", s -> List.of(s.create(), s.confirm("k1", hook(FailMode.OPEN, HookMode.SYNC)),
                s.decision(1, unavailable("http_5xx")), s.paymentIntent(PI), s.paymentSucceeded(PI)));
        scenario("deferred_confirmed_paid", "order.paid", s -> List.of(s.create(),
                s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED),
                s.paymentIntent(PI), s.paymentFailure(PaymentStage.CONFIRM, "card_declined", PI), s.paymentAuthorized(PI),
                s.partnerConfirm(), s.paymentSucceeded(PI)));
        scenario("deferred_confirmed_before_intent", "order.paid", s -> List.of(s.create(),
                s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED),
                s.partnerConfirm(), s.paymentIntent(PI), s.paymentAuthorized(PI), s.paymentSucceeded(PI)));
        scenario("deferred_held_then_canceled", "order.canceled", s -> List.of(s.create(),
                s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED),
                s.paymentIntent(PI), s.paymentAuthorized(PI), s.partnerCancel("no_capacity", null), s.paymentCanceled(PI)));
        scenario("deferred_canceled", "order.canceled", s -> List.of(s.create(),
                s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED),
                s.partnerCancel("no_capacity", "Fully booked")));
        scenario("deferred_timed_out", "order.canceled", s -> List.of(s.create(),
                s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED),
                s.expire("partner_timeout", T0.plus(Duration.ofMinutes(45)))));
        scenario("no_hook_paid", "order.paid", s -> List.of(s.create(), s.confirm("k1", null), s.paymentIntent(PI),
                s.paymentSucceeded(PI)));
        scenario("expired_awaiting_payment", "order.canceled", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.APPROVED), s.paymentIntent(PI), s.expire("session_expired", s.expiresAt()),
                s.paymentCanceled(PI)));
        scenario("expired_then_stray_intent", "order.canceled", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.APPROVED), s.expire("session_expired", s.expiresAt()), s.paymentIntent(PI)));
        scenario("payment_error", "order.failed", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.APPROVED), s.paymentFailure(PaymentStage.CREATE, "account_invalid", null)));
        scenario("canceled_at_stripe", "order.canceled", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.decision(1, HookOutcome.APPROVED), s.paymentIntent(PI), s.paymentCanceled(PI)));
        scenario("expired_open", "order.canceled", s -> List.of(s.create(), s.expire("session_expired", s.expiresAt())));
        scenario("expired_confirming", "order.canceled", s -> List.of(s.create(), s.confirm("k1", syncHook()),
                s.expire("session_expired", s.expiresAt()), s.decision(1, HookOutcome.APPROVED)));
    }

    static FoldRun runScenario(String name, CommandScript s) {
        FoldRun run = new FoldRun();
        SCENARIOS.get(name).apply(s).forEach(run::apply);
        return run;
    }

    static Stream<String> scenarios() {
        return SCENARIOS.keySet().stream();
    }

    @Nested
    class WholeSessions {

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.tollgate.orchestrator.checkout.CheckoutFoldTest#scenarios")
        void everySessionEndsWithExactlyOneTerminalOrderEventAndNothingEndsItAgain(String name) {
            CommandScript s = new CommandScript("cs_" + name);
            FoldRun run = runScenario(name, s);

            assertThat(SessionLifecycle.isTerminal(run.status())).isTrue();
            assertThat(run.terminalOrderTypes()).containsExactly(TERMINAL_ORDER.get(name));
            assertThat(run.orders.get(run.orders.size() - 1).getType()).isEqualTo(TERMINAL_ORDER.get(name));
            assertThat(run.orderTypes().stream().filter("order.confirmed"::equals).count()).isLessThanOrEqualTo(1);
            assertThat(run.journal.stream().filter(e -> e.getPayload() instanceof PaymentRequested).count())
                    .as("at most one payment request").isLessThanOrEqualTo(1);
            SessionStatus terminal = run.status();

            // everything that can still arrive after the end
            for (Function<CommandScript, CheckoutCommand> late : COMMANDS.values()) {
                run.apply(late.apply(s));
                assertThat(run.last.orders()).isEmpty();
                assertThat(run.status()).isEqualTo(terminal);
            }
            assertThat(run.terminalOrderTypes()).containsExactly(TERMINAL_ORDER.get(name));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.tollgate.orchestrator.checkout.CheckoutFoldTest#scenarios")
        void theJournalIsNumberedTimedAndChainedByItsCommands(String name) {
            CommandScript s = new CommandScript("cs_" + name);
            FoldRun run = new FoldRun();
            long seq = 0;
            for (CheckoutCommand command : SCENARIOS.get(name).apply(s)) {
                CheckoutFold.Outcome outcome = run.apply(command);
                for (int i = 0; i < outcome.events().size(); i++) {
                    CheckoutEvent event = outcome.events().get(i);
                    assertThat(event.getSeq()).isEqualTo(++seq);
                    assertThat(event.getEventId()).isEqualTo(command.getCommandId() + "/" + i);
                    assertThat(event.getCausedBy()).isEqualTo(command.getCommandId());
                    assertThat(event.getOccurredAt()).isEqualTo(command.getIssuedAt());
                    assertThat(event.getActor()).isEqualTo(command.getActor());
                    assertThat(event.getSessionId()).isEqualTo(command.getSessionId());
                    assertThat(event.getAgencyId()).isEqualTo(command.getAgencyId());
                    assertThat(event.getMerchantId()).isEqualTo(command.getMerchantId());
                }
                for (OrderEvent order : outcome.orders()) {
                    assertThat(order.getOccurredAt()).isEqualTo(command.getIssuedAt());
                    assertThat(order.getEventId()).startsWith(command.getCommandId() + "/");
                }
                if (!outcome.dropped()) {
                    assertThat(run.state.getSeq()).isEqualTo(seq);
                    assertThat(run.state.getUpdatedAt()).isEqualTo(command.getIssuedAt());
                    assertThat(run.state.getLastCommandId()).isEqualTo(command.getCommandId());
                }
            }
            assertThat(run.journal.get(0).getPrevHash()).isEqualTo(EventChain.GENESIS);
            assertThat(EventChain.verify(run.journal)).isTrue();
            assertThat(run.state.getLastHash()).isEqualTo(EventChain.hash(run.journal.get(run.journal.size() - 1)));
            assertThat(run.orders).extracting(OrderEvent::getEventId).doesNotHaveDuplicates();
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.tollgate.orchestrator.checkout.CheckoutFoldTest#scenarios")
        void foldingTheSameCommandsAgainReproducesEverything(String name) {
            FoldRun first = runScenario(name, new CommandScript("cs_" + name));
            FoldRun second = runScenario(name, new CommandScript("cs_" + name));

            assertThat(second.journal).isEqualTo(first.journal);
            assertThat(second.orders).isEqualTo(first.orders);
            assertThat(second.states).isEqualTo(first.states);
            assertThat(second.state).isEqualTo(first.state);
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.tollgate.orchestrator.checkout.CheckoutFoldTest#scenarios")
        void redeliveringEveryCommandChangesNothing(String name) {
            FoldRun once = runScenario(name, new CommandScript("cs_" + name));
            FoldRun twice = new FoldRun();
            for (CheckoutCommand command : SCENARIOS.get(name).apply(new CommandScript("cs_" + name))) {
                twice.apply(command);
                twice.apply(CommandScript.again(command));
            }

            assertThat(twice.journal).isEqualTo(once.journal);
            assertThat(twice.orders).isEqualTo(once.orders);
            assertThat(twice.state).isEqualTo(once.state);
        }
    }

    // ---- cancels and refunds that fail for good -------------------------------------------------

    @Nested
    class FailedPaymentActions {
        /** A session that expired while its PaymentIntent waited for the shopper: the fold asked for a cancel. */
        private FoldRun expiredWithIntent(CommandScript s) {
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.APPROVED),
                    s.paymentIntent("pi_1"), s.expire("session_expired", s.expiresAt()));
            assertThat(run.status()).isEqualTo(SessionStatus.CANCELED);
            assertThat(payload(run.journal, CancelRequested.class).getRetry()).isZero();
            return run;
        }

        @Test
        void aCancelThatFailedForGoodIsRecordedOnTheEndedSessionAndKeptInItsState() {
            CommandScript s = new CommandScript("cs_cancel_failed");
            FoldRun run = expiredWithIntent(s);
            int before = run.journal.size();

            run.apply(s.paymentActionFailed(PaymentAction.CANCEL, "pi_1", 0));

            assertThat(payloadTypes(run.journal.subList(before, run.journal.size()))).containsExactly(PaymentActionFailed.class);
            PaymentActionFailed event = payload(run.journal, PaymentActionFailed.class);
            assertThat(event.getAction()).isEqualTo(PaymentAction.CANCEL);
            assertThat(event.getCode()).isEqualTo("api_error");
            assertThat(run.status()).as("the session stays as it ended").isEqualTo(SessionStatus.CANCELED);
            assertThat(run.state.getFailedPaymentActions()).singleElement().satisfies(f -> {
                assertThat(f.getPaymentIntentId()).isEqualTo("pi_1");
                assertThat(f.getReason()).isEqualTo("session_expired");
                assertThat(f.getStripeAccount()).isEqualTo("acct_1");
                assertThat(f.getFailedAt()).isEqualTo(s.lastIssuedAt());
            });
            assertThat(run.state.getTimeline()).last().extracting(t -> t.getSummary()).asString().contains("the hold stays");

            // another report of the same failure (a redelivered journal event) adds nothing
            assertThat(run.apply(s.paymentActionFailed(PaymentAction.CANCEL, "pi_1", 0)).dropped()).isTrue();
            assertThat(EventChain.verify(run.journal)).isTrue();
        }

        @Test
        void aRetryRequestsTheCancelAgainUnderItsOwnRetryNumberOnce() {
            CommandScript s = new CommandScript("cs_cancel_retry");
            FoldRun run = expiredWithIntent(s);
            run.apply(s.paymentActionFailed(PaymentAction.CANCEL, "pi_1", 0));
            int before = run.journal.size();

            run.apply(s.retryPaymentAction(PaymentAction.CANCEL, "pi_1"));

            List<CheckoutEvent> retried = run.journal.subList(before, run.journal.size());
            assertThat(payloadTypes(retried)).containsExactly(CancelRequested.class);
            CancelRequested again = (CancelRequested) retried.get(0).getPayload();
            assertThat(again.getRetry()).isEqualTo(1);
            assertThat(again.getReason()).isEqualTo("session_expired");
            assertThat(again.getStripeAccount()).isEqualTo("acct_1");
            assertThat(run.state.getFailedPaymentActions()).isEmpty();

            run.apply(s.retryPaymentAction(PaymentAction.CANCEL, "pi_1"));
            assertThat(payload(run.journal.subList(before + 1, run.journal.size()), CommandRejected.class).getCode())
                    .isEqualTo("nothing_to_retry");

            // the retry failing too is recorded again, as that retry
            run.apply(s.paymentActionFailed(PaymentAction.CANCEL, "pi_1", 1));
            assertThat(run.state.getFailedPaymentActions()).singleElement().extracting(f -> f.getRetry()).isEqualTo(1);
            // a late report of the first try changes nothing then
            assertThat(run.apply(s.paymentActionFailed(PaymentAction.CANCEL, "pi_1", 0)).dropped()).isTrue();
        }

        @Test
        void aFailedRefundIsRetriedWithItsAmount() {
            CommandScript s = new CommandScript("cs_refund_retry");
            FoldRun run = expiredWithIntent(s);
            run.apply(s.paymentSucceeded("pi_1"));
            assertThat(payload(run.journal, RefundRequested.class).getRetry()).isZero();
            run.apply(s.paymentActionFailed(PaymentAction.REFUND, "pi_1", 0));
            assertThat(run.state.getTimeline()).last().extracting(t -> t.getSummary()).asString()
                    .contains("the money is not returned");

            run.apply(s.retryPaymentAction(PaymentAction.REFUND, "pi_1"));

            RefundRequested again = (RefundRequested) run.journal.get(run.journal.size() - 1).getPayload();
            assertThat(again.getRetry()).isEqualTo(1);
            assertThat(again.getAmountMinor()).isEqualTo(TOTAL_MINOR);
            assertThat(run.state.getFailedPaymentActions()).isEmpty();
        }

        @Test
        void aRetryOfNothingThatFailedIsRejected() {
            CommandScript s = new CommandScript("cs_retry_nothing");
            FoldRun run = expiredWithIntent(s);

            run.apply(s.retryPaymentAction(PaymentAction.REFUND, "pi_1"));

            assertThat(payload(run.journal, CommandRejected.class).getCode()).isEqualTo("nothing_to_retry");
        }
    }

    // ---- the journal itself --------------------------------------------------------------------

    @Nested
    class Journal {

        @Test
        void alteringDroppingOrReorderingAnEventBreaksTheChain() {
            List<CheckoutEvent> journal = runScenario("deferred_confirmed_paid", new CommandScript("cs_chain")).journal;
            assertThat(journal).hasSizeGreaterThan(5);
            assertThat(EventChain.verify(journal)).isTrue();

            List<CheckoutEvent> altered = new ArrayList<>(journal);
            altered.set(3, CheckoutEvent.newBuilder(journal.get(3)).setOccurredAt(journal.get(3).getOccurredAt().plusMillis(1)).build());
            assertThat(EventChain.verify(altered)).isFalse();

            List<CheckoutEvent> otherActor = new ArrayList<>(journal);
            otherActor.set(2, CheckoutEvent.newBuilder(journal.get(2)).setActor("someone-else").build());
            assertThat(EventChain.verify(otherActor)).isFalse();

            List<CheckoutEvent> dropped = new ArrayList<>(journal);
            dropped.remove(2);
            assertThat(EventChain.verify(dropped)).isFalse();

            List<CheckoutEvent> swapped = new ArrayList<>(journal);
            swapped.set(1, journal.get(2));
            swapped.set(2, journal.get(1));
            assertThat(EventChain.verify(swapped)).isFalse();
        }

        @Test
        void theStatesLastHashCoversTheNewestEvent() {
            FoldRun run = runScenario("paid", new CommandScript("cs_last_hash"));
            CheckoutEvent newest = run.journal.get(run.journal.size() - 1);
            CheckoutEvent altered = CheckoutEvent.newBuilder(newest).setActor("someone-else").build();

            assertThat(EventChain.hash(newest)).isEqualTo(run.state.getLastHash());
            assertThat(EventChain.hash(altered)).isNotEqualTo(run.state.getLastHash());
        }

        @Test
        void theTimelineKeepsTheNewestFiftyEvents() {
            CommandScript s = new CommandScript("cs_busy");
            FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.APPROVED),
                    s.paymentIntent("pi_busy"));
            // a shopper whose card is declined again and again: each decline is an event
            for (int i = 0; i < 66; i++) {
                run.apply(s.paymentFailure(PaymentStage.CONFIRM, "card_declined", "pi_busy"));
            }

            assertThat(run.state.getSeq()).isEqualTo(71);
            assertThat(run.state.getTimeline()).hasSize(50);
            assertThat(run.state.getTimeline().get(0).getSeq()).isEqualTo(22);
            assertThat(run.state.getTimeline().get(49).getSeq()).isEqualTo(71);
            assertThat(run.state.getTimeline().get(49).getType()).isEqualTo("PaymentDeclined");
            assertThat(run.state.getRecentCommandIds()).hasSizeLessThanOrEqualTo(64).contains(run.state.getLastCommandId());
            assertThat(EventChain.verify(run.journal)).isTrue();
        }

        @Test
        void refusalsPastTheLimitAreAnsweredFromTheStateWithoutGrowingTheJournal() {
            CommandScript s = new CommandScript("cs_refused_often");
            FoldRun run = FoldRun.of(s.create());
            for (int i = 0; i < 40; i++) {
                run.apply(s.partnerConfirm());
            }

            assertThat(run.journal).filteredOn(e -> e.getPayload() instanceof CommandRejected)
                    .hasSize(CheckoutFold.REJECTIONS_JOURNALED_LIMIT);
            assertThat(run.state.getRejectionsJournaled()).isEqualTo(CheckoutFold.REJECTIONS_JOURNALED_LIMIT);
            assertThat(run.state.getLastRejection().getCommandId()).as("the last refusal still answers its waiting request")
                    .isEqualTo(run.state.getLastCommandId());
            assertThat(run.state.getLastRejection().getCode()).isEqualTo("not_awaiting_partner");
            assertThat(EventChain.verify(run.journal)).isTrue();
        }

        @Test
        void theTimelineDescribesEachEvent() {
            FoldRun run = runScenario("paid", new CommandScript("cs_timeline"));

            assertThat(run.state.getTimeline()).extracting(t -> t.getType()).containsExactly("SessionCreated",
                    "CheckoutCommitted", "HookDecided", "PaymentRequested", "PaymentIntentCreated", "SessionPaid");
            assertThat(run.state.getTimeline()).extracting(t -> t.getSeq()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(run.state.getTimeline()).allSatisfy(t -> assertThat(t.getSummary()).isNotBlank());
        }
    }

    @Test
    void applyNeverChangesTheStateItIsGiven() {
        CommandScript s = new CommandScript("cs_pure");
        FoldRun run = FoldRun.of(s.create(), s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)));
        SessionState given = run.state;
        SessionState copy = SessionState.newBuilder(given).build();

        CheckoutFold.Outcome outcome = new CheckoutFold().apply(given, s.decision(1, HookOutcome.DEFERRED));

        assertThat(outcome.state().getStatus()).isEqualTo(SessionStatus.AWAITING_PARTNER);
        assertThat(given).isEqualTo(copy);
        assertThat(given.getAttempts().get(0).getDecision()).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = HookOutcome.class)
    void eachHookOutcomeLeadsWhereTheDesignSays(HookOutcome outcome) {
        CommandScript s = new CommandScript("cs_outcome_" + outcome);
        FoldRun run = FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, outcome));

        SessionStatus expected = switch (outcome) {
            case APPROVED -> SessionStatus.PAYMENT_PENDING;
            case REJECTED -> SessionStatus.FAILED;
            case UNAVAILABLE -> SessionStatus.OPEN;
            case DEFERRED -> SessionStatus.AWAITING_PARTNER;
        };
        assertThat(run.status()).isEqualTo(expected);
        assertThat(payload(run.journal, HookDecided.class).getObserved().getOutcome()).isEqualTo(outcome);
    }

    // ---- shared set-ups ------------------------------------------------------------------------

    static FoldRun approved(CommandScript s) {
        return FoldRun.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.APPROVED));
    }

    static FoldRun deferred(CommandScript s) {
        return FoldRun.of(s.create(), s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)), s.decision(1, HookOutcome.DEFERRED));
    }

    /** Deferred, its manual-capture PaymentIntent created and the shopper's funds held. */
    static FoldRun held(CommandScript s) {
        FoldRun run = deferred(s);
        run.apply(s.paymentIntent(PI));
        run.apply(s.paymentAuthorized(PI));
        return run;
    }
}
