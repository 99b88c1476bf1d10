package io.tollgate.orchestrator.checkout;

import io.tollgate.schema.Attempt;
import io.tollgate.schema.AttemptReopened;
import io.tollgate.schema.AwaitingPartner;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.CommandRejected;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecided;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PartnerCancel;
import io.tollgate.schema.PartnerConfirmed;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailed;
import io.tollgate.schema.PaymentActionFailedReported;
import io.tollgate.schema.PaymentActionFailure;
import io.tollgate.schema.PaymentAuthorized;
import io.tollgate.schema.PaymentAuthorizedReported;
import io.tollgate.schema.PaymentCanceledReported;
import io.tollgate.schema.PaymentDeclined;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentCreated;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.PaymentSucceededReported;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.RequestConfirm;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schema.SessionCanceled;
import io.tollgate.schema.SessionCreated;
import io.tollgate.schema.SessionFailed;
import io.tollgate.schema.SessionPaid;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import io.tollgate.schema.TimelineEntry;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checkout fold: given a session's state and one command, what events happen and what the state
 * becomes. A pure function of its inputs — no clock, no randomness, no I/O — so that folding the
 * command log again reproduces the journal, the states and the order events exactly.
 *
 * <p>Three kinds of answer: events (the command fits); a {@code CommandRejected} event (it does not
 * fit the session's state); or nothing at all (a duplicate: a repeated command id, a repeated
 * Idempotency-Key, a second report for something already recorded — first wins).
 */
public final class CheckoutFold {
    static final int TIMELINE_LIMIT = 50;
    static final int RECENT_COMMANDS_LIMIT = 64;
    /** CommandRejected events journaled per session; later refusals are answered from the state alone. */
    static final int REJECTIONS_JOURNALED_LIMIT = 16;
    /** {@code ExpireSession.reason} of the timer's command that forgets an ended session's state. */
    public static final String FORGET = "session_forgotten";

    /**
     * What one command did. {@code state} is null when no session exists and none was created, and
     * when the session's state was {@code forgotten}: an ended session past its retention, whose
     * history stays in the journal while its state leaves the store and the state topic.
     */
    public record Outcome(SessionState state, List<CheckoutEvent> events, List<OrderEvent> orders, boolean dropped,
            boolean forgotten) {
        static Outcome dropped(SessionState state) {
            return new Outcome(state, List.of(), List.of(), true, false);
        }

        static Outcome forget() {
            return new Outcome(null, List.of(), List.of(), false, true);
        }
    }

    public CheckoutFold() {
        // Copying a state (SessionState.newBuilder(state)) loads enum classes by name, which Avro 1.12
        // refuses for untrusted classes; the fold must not depend on a serde having been built first.
        AvroClassTrust.trustContracts();
    }

    /**
     * Why a record on the command log is no command for the fold at all (it is dead-lettered, not
     * folded), or null when it is one: the fold and a replay of it must agree on this.
     */
    public static String misfiled(String key, CheckoutCommand command) {
        return command == null || key == null || !key.equals(command.getSessionId()) ? "command key must be its session_id" : null;
    }

    /** Why a command is refused: a machine-readable code and a sentence. */
    public record Refusal(String code, String message) {
    }

    /**
     * Why no new confirm attempt can start on this session, or empty when one can. The API answers
     * such a confirm from the state without appending it; the fold refuses it the same way when the
     * state changed in between.
     */
    public static Optional<Refusal> confirmRefusal(SessionState s) {
        SessionStatus status = s.getStatus();
        if (status == SessionStatus.FAILED) {
            return Optional.of(new Refusal("session_failed", "the session failed"));
        }
        if (SessionLifecycle.isTerminal(status)) {
            return Optional.of(new Refusal("session_closed", "the session is " + SessionLifecycle.name(status)));
        }
        if (status != SessionStatus.OPEN) {
            return Optional.of(new Refusal("confirm_in_progress", "an attempt is already " + SessionLifecycle.name(status)));
        }
        if (s.getAttempts().size() >= s.getMaxAttempts()) {
            return Optional.of(new Refusal("attempts_exhausted", "all " + s.getMaxAttempts() + " attempts were used"));
        }
        return Optional.empty();
    }

    public static String paymentIdempotencyKey(String sessionId) {
        return "tollgate_" + sessionId + "_pi";
    }

    public Outcome apply(SessionState current, CheckoutCommand command) {
        if (current != null && current.getRecentCommandIds().contains(command.getCommandId())) {
            return Outcome.dropped(current);
        }
        Step step = new Step(current, command);
        Object payload = command.getPayload();
        if (current == null && !(payload instanceof CreateSession)) {
            step.reject("session_not_found", "no session " + command.getSessionId());
        } else if (payload instanceof CreateSession p) {
            createSession(step, p);
        } else if (payload instanceof RequestConfirm p) {
            requestConfirm(step, p);
        } else if (payload instanceof HookDecisionReported p) {
            hookDecision(step, p);
        } else if (payload instanceof PartnerConfirm) {
            partnerConfirm(step);
        } else if (payload instanceof PartnerCancel p) {
            partnerCancel(step, p);
        } else if (payload instanceof PaymentIntentReported p) {
            paymentIntent(step, p);
        } else if (payload instanceof PaymentFailureReported p) {
            paymentFailure(step, p);
        } else if (payload instanceof PaymentAuthorizedReported p) {
            paymentAuthorized(step, p);
        } else if (payload instanceof PaymentSucceededReported p) {
            paymentSucceeded(step, p);
        } else if (payload instanceof PaymentCanceledReported p) {
            paymentCanceled(step, p);
        } else if (payload instanceof ExpireSession p) {
            expire(step, p);
        } else if (payload instanceof PaymentActionFailedReported p) {
            paymentActionFailed(step, p);
        } else if (payload instanceof RetryPaymentAction p) {
            retryPaymentAction(step, p);
        } else {
            step.reject("unknown_command", "unknown command " + payload.getClass().getSimpleName());
        }
        return step.finish();
    }

    // ---- commands ------------------------------------------------------------------------------

    private void createSession(Step step, CreateSession p) {
        if (step.state != null) {
            boolean sameRequest = p.getIdempotencyKey() != null
                    && p.getIdempotencyKey().equals(step.state.getCreateIdempotencyKey())
                    && p.getRequestHash().equals(step.state.getCreateRequestHash());
            if (sameRequest) {
                step.drop();
            } else {
                step.reject("idempotency_key_reused", "this Idempotency-Key was used with a different request");
            }
            return;
        }
        CheckoutCommand c = step.command;
        step.state = SessionState.newBuilder()
                .setSessionId(c.getSessionId()).setAgencyId(c.getAgencyId()).setMerchantId(c.getMerchantId())
                .setStatus(SessionStatus.OPEN).setSeq(0).setLastHash(EventChain.GENESIS)
                .setCreatedAt(c.getIssuedAt()).setUpdatedAt(c.getIssuedAt()).setExpiresAt(p.getExpiresAt())
                .setCreateIdempotencyKey(p.getIdempotencyKey()).setCreateRequestHash(p.getRequestHash())
                .setCart(p.getCart()).setExtensionsJson(p.getExtensionsJson()).setCustomerJson(p.getCustomerJson())
                .setStripeAccount(p.getStripeAccount()).setMaxAttempts(p.getMaxAttempts())
                .setAttempts(new ArrayList<>()).setRecentCommandIds(new ArrayList<>()).setTimeline(new ArrayList<>())
                .build();
        step.emit(SessionCreated.newBuilder()
                .setIdempotencyKey(p.getIdempotencyKey()).setRequestHash(p.getRequestHash()).setCart(p.getCart())
                .setExtensionsJson(p.getExtensionsJson()).setCustomerJson(p.getCustomerJson())
                .setExpiresAt(p.getExpiresAt()).setMaxAttempts(p.getMaxAttempts()).setStripeAccount(p.getStripeAccount())
                .build(), "session created, " + money(p.getCart().getTotalMinor(), p.getCart().getCurrency()));
    }

    private void requestConfirm(Step step, RequestConfirm p) {
        SessionState s = step.state;
        if (s.getAttempts().stream().anyMatch(a -> a.getIdempotencyKey().equals(p.getIdempotencyKey()))) {
            step.drop();
            return;
        }
        Optional<Refusal> refusal = confirmRefusal(s);
        if (refusal.isPresent()) {
            step.reject(refusal.get().code(), refusal.get().message());
            return;
        }
        int number = s.getAttempts().size() + 1;
        s.getAttempts().add(Attempt.newBuilder().setNumber(number).setIdempotencyKey(p.getIdempotencyKey())
                .setCommandId(step.command.getCommandId()).setDeadline(p.getDeadline()).setHook(p.getHook()).build());
        step.transition(SessionStatus.CONFIRMING);
        step.emit(CheckoutCommitted.newBuilder().setAttempt(number).setIdempotencyKey(p.getIdempotencyKey())
                .setDeadline(p.getDeadline()).setHook(p.getHook()).setCart(s.getCart())
                .setExtensionsJson(s.getExtensionsJson()).setCustomerJson(s.getCustomerJson()).build(),
                "attempt " + number + " committed" + (p.getHook() == null ? ", no hook" : ", hook v" + p.getHook().getVersion()));
        if (p.getHook() == null) {
            // No hook registered: confirm automatically (Smart Glocal's automatic confirmation).
            decide(step, currentAttempt(s), null, null, HookOutcome.APPROVED, false);
        }
    }

    private void hookDecision(Step step, HookDecisionReported p) {
        SessionState s = step.state;
        Optional<Attempt> attempt = s.getAttempts().stream().filter(a -> a.getNumber() == p.getAttempt()).findFirst();
        if (attempt.isPresent() && attempt.get().getDecision() != null) {
            step.drop();
            return;
        }
        if (attempt.isEmpty() || attempt.get().getNumber() != s.getAttempts().size() || s.getStatus() != SessionStatus.CONFIRMING) {
            step.reject("decision_not_expected", "no attempt " + p.getAttempt() + " is waiting for a decision (session "
                    + SessionLifecycle.name(s.getStatus()) + ")");
            return;
        }
        Attempt a = attempt.get();
        HookDecision observed = p.getDecision();
        HookOutcome effective = observed.getOutcome();
        boolean defaultAction = false;
        if (effective == HookOutcome.UNAVAILABLE && a.getHook() != null && a.getHook().getFailMode() == FailMode.OPEN) {
            effective = HookOutcome.APPROVED;
            defaultAction = true;
        }
        decide(step, a, p.getWebhookId(), observed, effective, defaultAction);
    }

    private void decide(Step step, Attempt a, String webhookId, HookDecision observed, HookOutcome effective, boolean defaultAction) {
        SessionState s = step.state;
        a.setDecision(effective);
        a.setObserved(observed);
        a.setDefaultActionUsed(defaultAction);
        step.emit(HookDecided.newBuilder().setAttempt(a.getNumber()).setWebhookId(webhookId).setObserved(observed)
                .setEffective(effective).setDefaultActionUsed(defaultAction).build(), decisionSummary(observed, effective, defaultAction));
        switch (effective) {
            case APPROVED -> requestPayment(step, a, CaptureMethod.AUTOMATIC, observed);
            case REJECTED -> fail(step, "pre_confirmation_rejected", reasonOr(observed, "rejected"), observed.getMessage());
            case DEFERRED -> {
                // Only a hook defers: a session without one was approved when it was committed.
                Instant partnerDeadline = step.command.getIssuedAt().plus(Duration.ofMinutes(a.getHook().getPartnerWaitMinutes()));
                s.setPartnerDeadline(partnerDeadline);
                // The merchant's partner_wait_minutes governs a deferred session: the session's own
                // limit (60 minutes by default) would otherwise cut a 240-minute wait short.
                if (partnerDeadline.isAfter(s.getExpiresAt())) {
                    s.setExpiresAt(partnerDeadline);
                }
                step.transition(SessionStatus.AWAITING_PARTNER);
                step.emit(AwaitingPartner.newBuilder().setAttempt(a.getNumber()).setPartnerDeadline(partnerDeadline).build(),
                        "waiting for the partner until " + partnerDeadline);
                // The shopper pays now and the money is only held: the partner may take hours, and
                // the shopper will not come back. Partner confirm captures, cancel releases.
                emitPaymentRequested(step, a, CaptureMethod.MANUAL, observed);
            }
            case UNAVAILABLE -> {
                String cause = reasonOr(observed, "unavailable");
                if (a.getNumber() >= s.getMaxAttempts()) {
                    fail(step, "pre_confirmation_unavailable", cause, null);
                } else {
                    step.transition(SessionStatus.OPEN);
                    step.emit(AttemptReopened.newBuilder().setAttempt(a.getNumber()).setReason(cause).build(),
                            "hook unavailable (" + cause + "), session open for another attempt");
                }
            }
        }
    }

    private void requestPayment(Step step, Attempt a, CaptureMethod capture, HookDecision observed) {
        step.transition(SessionStatus.PAYMENT_PENDING);
        emitPaymentRequested(step, a, capture, observed);
    }

    private void emitPaymentRequested(Step step, Attempt a, CaptureMethod capture, HookDecision observed) {
        SessionState s = step.state;
        s.setCaptureMethod(capture);
        step.emit(PaymentRequested.newBuilder().setAttempt(a.getNumber())
                .setIdempotencyKey(paymentIdempotencyKey(s.getSessionId()))
                .setAmountMinor(s.getCart().getTotalMinor()).setCurrency(s.getCart().getCurrency())
                .setCaptureMethod(capture)
                .setScaForce(observed != null && observed.getScaForce())
                .setExemptions(observed == null ? List.of() : observed.getExemptions())
                .setStripeAccount(s.getStripeAccount()).build(),
                capture == CaptureMethod.MANUAL ? "payment requested, manual capture: held until the partner confirms" : "payment requested");
    }

    private void partnerConfirm(Step step) {
        SessionState s = step.state;
        // A repeat only if the partner already confirmed; a session that was never deferred has
        // nothing to confirm, and the API waiting on this must hear so.
        boolean confirmedBefore = s.getStatus() == SessionStatus.PAYMENT_PENDING || s.getStatus() == SessionStatus.AWAITING_PAYMENT
                || s.getStatus() == SessionStatus.PAID;
        if (confirmedBefore && wasDeferred(s)) {
            step.drop();
            return;
        }
        if (rejectUnlessAwaitingPartner(step)) {
            return;
        }
        s.setPartnerDeadline(null);
        // The held payment was requested when the hook deferred; confirming only decides its capture.
        if (s.getPaymentIntentId() == null) {
            step.transition(SessionStatus.PAYMENT_PENDING);
            step.emit(PartnerConfirmed.newBuilder().setFundsHeld(false).build(), "partner confirmed; payment intent still to come");
            return;
        }
        step.transition(SessionStatus.AWAITING_PAYMENT);
        step.emit(PartnerConfirmed.newBuilder().setFundsHeld(s.getFundsHeld()).build(),
                s.getFundsHeld() ? "partner confirmed; capturing the held funds" : "partner confirmed; capture once the shopper has paid");
        step.order("order.confirmed", null, null);
        if (s.getFundsHeld()) {
            requestCapture(step);
        }
    }

    private void partnerCancel(Step step, PartnerCancel p) {
        SessionState s = step.state;
        if (s.getStatus() == SessionStatus.CANCELED && wasDeferred(s)) {
            step.drop();
            return;
        }
        if (rejectUnlessAwaitingPartner(step)) {
            return;
        }
        cancel(step, p.getReason() == null ? "partner_canceled" : p.getReason(), p.getMessage(), true);
    }

    private void paymentIntent(Step step, PaymentIntentReported p) {
        SessionState s = step.state;
        if (p.getPaymentIntentId().equals(s.getPaymentIntentId())) {
            step.drop();
            return;
        }
        boolean heldForPartner = s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPaymentIntentId() == null;
        if (s.getStatus() != SessionStatus.PAYMENT_PENDING && !heldForPartner) {
            step.reject("payment_not_expected", "session is " + SessionLifecycle.name(s.getStatus()));
            if (SessionLifecycle.isTerminal(s.getStatus()) && s.getPaymentIntentId() == null) {
                // A PaymentIntent created for a session that ended meanwhile must not stay chargeable.
                step.emit(CancelRequested.newBuilder().setPaymentIntentId(p.getPaymentIntentId())
                        .setStripeAccount(s.getStripeAccount()).setReason("session_" + SessionLifecycle.name(s.getStatus())).build(),
                        "stray payment intent " + p.getPaymentIntentId() + " to be canceled");
            }
            return;
        }
        s.setPaymentIntentId(p.getPaymentIntentId());
        s.setClientSecret(p.getClientSecret());
        step.emit(PaymentIntentCreated.newBuilder().setPaymentIntentId(p.getPaymentIntentId())
                .setClientSecret(p.getClientSecret()).setStatus(p.getStatus()).build(), "payment intent " + p.getPaymentIntentId());
        if (!heldForPartner) {
            step.transition(SessionStatus.AWAITING_PAYMENT);
            step.order("order.confirmed", null, null);
        }
    }

    private void paymentFailure(Step step, PaymentFailureReported p) {
        SessionState s = step.state;
        if (SessionLifecycle.isTerminal(s.getStatus())) {
            step.drop();
            return;
        }
        boolean intentPending = s.getPaymentIntentId() == null
                && (s.getStatus() == SessionStatus.PAYMENT_PENDING || s.getStatus() == SessionStatus.AWAITING_PARTNER);
        boolean shopperPaying = s.getPaymentIntentId() != null
                && (s.getStatus() == SessionStatus.AWAITING_PAYMENT || s.getStatus() == SessionStatus.AWAITING_PARTNER);
        if (p.getStage() == PaymentStage.CREATE && intentPending) {
            fail(step, "payment_error", p.getCode(), p.getMessage());
        } else if (p.getStage() == PaymentStage.CONFIRM && shopperPaying) {
            step.emit(PaymentDeclined.newBuilder().setPaymentIntentId(p.getPaymentIntentId() == null ? s.getPaymentIntentId() : p.getPaymentIntentId())
                    .setCode(p.getCode()).setMessage(p.getMessage()).build(), "payment declined: " + p.getCode());
        } else if (p.getStage() == PaymentStage.CAPTURE && s.getStatus() == SessionStatus.AWAITING_PAYMENT && s.getFundsHeld()) {
            // The held money cannot be taken (Stripe refused the capture for good): release the hold
            // rather than leave the session waiting for its expiry.
            cancel(step, "capture_failed", p.getCode() + (p.getMessage() == null ? "" : ": " + p.getMessage()), true);
        } else {
            step.reject("payment_failure_not_expected", p.getStage() + " failure while " + SessionLifecycle.name(s.getStatus()));
        }
    }

    private void paymentAuthorized(Step step, PaymentAuthorizedReported p) {
        SessionState s = step.state;
        boolean holding = s.getStatus() == SessionStatus.AWAITING_PARTNER || s.getStatus() == SessionStatus.AWAITING_PAYMENT;
        if (!holding || s.getCaptureMethod() != CaptureMethod.MANUAL || !p.getPaymentIntentId().equals(s.getPaymentIntentId())) {
            step.reject("authorization_not_expected", "payment " + p.getPaymentIntentId() + " authorized while session is "
                    + SessionLifecycle.name(s.getStatus()));
            return;
        }
        if (s.getFundsHeld()) {
            step.drop();
            return;
        }
        s.setFundsHeld(true);
        step.emit(PaymentAuthorized.newBuilder().setPaymentIntentId(p.getPaymentIntentId())
                .setAmountCapturableMinor(p.getAmountCapturableMinor()).build(), "funds held");
        // Held while the partner decides; captured at once if the partner already confirmed.
        if (s.getStatus() == SessionStatus.AWAITING_PAYMENT) {
            requestCapture(step);
        }
    }

    private void requestCapture(Step step) {
        SessionState s = step.state;
        step.emit(CaptureRequested.newBuilder().setPaymentIntentId(s.getPaymentIntentId())
                .setStripeAccount(s.getStripeAccount()).build(), "capture requested");
    }

    private void paymentSucceeded(Step step, PaymentSucceededReported p) {
        SessionState s = step.state;
        if (s.getStatus() == SessionStatus.PAID) {
            step.drop();
            return;
        }
        if (s.getStatus() != SessionStatus.AWAITING_PAYMENT || !p.getPaymentIntentId().equals(s.getPaymentIntentId())) {
            step.reject("payment_not_expected", "payment " + p.getPaymentIntentId() + " succeeded while session is "
                    + SessionLifecycle.name(s.getStatus()));
            if (SessionLifecycle.isTerminal(s.getStatus())) {
                // The shopper paid after the session ended (the cancel lost the race at Stripe): the
                // session stays ended, so the money must go back.
                step.emit(RefundRequested.newBuilder().setPaymentIntentId(p.getPaymentIntentId())
                        .setStripeAccount(s.getStripeAccount()).setAmountMinor(p.getAmountReceivedMinor())
                        .setReason("session_" + SessionLifecycle.name(s.getStatus())).build(),
                        "late payment " + p.getPaymentIntentId() + " to be refunded");
            }
            return;
        }
        step.transition(SessionStatus.PAID);
        step.emit(SessionPaid.newBuilder().setPaymentIntentId(p.getPaymentIntentId())
                .setAmountReceivedMinor(p.getAmountReceivedMinor()).build(), "paid");
        step.order("order.paid", null, null);
    }

    private void paymentCanceled(Step step, PaymentCanceledReported p) {
        SessionState s = step.state;
        if (SessionLifecycle.isTerminal(s.getStatus())) {
            step.drop();
            return;
        }
        if (!p.getPaymentIntentId().equals(s.getPaymentIntentId())) {
            step.reject("payment_not_expected", "unknown payment intent " + p.getPaymentIntentId());
            return;
        }
        // Stripe already canceled it: asking the worker to cancel it again would only fail there.
        cancel(step, "payment_canceled", null, false);
    }

    private void expire(Step step, ExpireSession p) {
        SessionState s = step.state;
        if (SessionLifecycle.isTerminal(s.getStatus())) {
            if (FORGET.equals(p.getReason())) {
                step.forget();
            } else {
                step.drop();
            }
            return;
        }
        if (FORGET.equals(p.getReason())) {
            // only an ended session is ever forgotten
            step.drop();
            return;
        }
        boolean sessionDue = !p.getDueAt().isBefore(s.getExpiresAt());
        boolean partnerDue = s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPartnerDeadline() != null
                && !p.getDueAt().isBefore(s.getPartnerDeadline());
        if (!sessionDue && !partnerDue) {
            step.drop();
            return;
        }
        // waiting on the partner is what ran out, whichever timer fired
        cancel(step, partnerDue ? "partner_timeout" : "session_expired", null, true);
    }

    /**
     * A cancel or refund the payment worker gave up on. Whatever the session's status (they come after it
     * ended), it is recorded, not dropped: money held or kept must stay visible until it is retried.
     */
    private void paymentActionFailed(Step step, PaymentActionFailedReported p) {
        SessionState s = step.state;
        if (s.getFailedPaymentActions().stream().anyMatch(f -> f.getAction() == p.getAction()
                && f.getPaymentIntentId().equals(p.getPaymentIntentId()) && f.getRetry() >= p.getRetry())) {
            step.drop();
            return;
        }
        List<PaymentActionFailure> failures = new ArrayList<>(s.getFailedPaymentActions());
        failures.removeIf(f -> f.getAction() == p.getAction() && f.getPaymentIntentId().equals(p.getPaymentIntentId()));
        failures.add(PaymentActionFailure.newBuilder().setAction(p.getAction()).setPaymentIntentId(p.getPaymentIntentId())
                .setStripeAccount(p.getStripeAccount()).setAmountMinor(p.getAmountMinor()).setReason(p.getReason())
                .setRetry(p.getRetry()).setCode(p.getCode()).setMessage(p.getMessage())
                .setFailedAt(step.command.getIssuedAt()).build());
        s.setFailedPaymentActions(failures);
        step.emit(PaymentActionFailed.newBuilder().setAction(p.getAction()).setPaymentIntentId(p.getPaymentIntentId())
                .setRetry(p.getRetry()).setCode(p.getCode()).setMessage(p.getMessage()).build(),
                actionName(p.getAction()) + " of " + p.getPaymentIntentId() + " failed (" + p.getCode() + "): "
                        + (p.getAction() == PaymentAction.CANCEL ? "the hold stays" : "the money is not returned")
                        + " until it is retried");
    }

    /** An operator's retry of a failed cancel or refund: requested anew, under a fresh Stripe idempotency key. */
    private void retryPaymentAction(Step step, RetryPaymentAction p) {
        SessionState s = step.state;
        Optional<PaymentActionFailure> failed = s.getFailedPaymentActions().stream()
                .filter(f -> f.getAction() == p.getAction() && f.getPaymentIntentId().equals(p.getPaymentIntentId()))
                .findFirst();
        if (failed.isEmpty()) {
            step.reject("nothing_to_retry", "no failed " + actionName(p.getAction()) + " of " + p.getPaymentIntentId());
            return;
        }
        PaymentActionFailure f = failed.get();
        List<PaymentActionFailure> failures = new ArrayList<>(s.getFailedPaymentActions());
        failures.remove(f);
        s.setFailedPaymentActions(failures);
        int retry = f.getRetry() + 1;
        String summary = actionName(f.getAction()) + " of " + f.getPaymentIntentId() + " retried (retry " + retry + ")";
        if (f.getAction() == PaymentAction.CANCEL) {
            step.emit(CancelRequested.newBuilder().setPaymentIntentId(f.getPaymentIntentId())
                    .setStripeAccount(f.getStripeAccount()).setReason(f.getReason()).setRetry(retry).build(), summary);
        } else {
            step.emit(RefundRequested.newBuilder().setPaymentIntentId(f.getPaymentIntentId())
                    .setStripeAccount(f.getStripeAccount()).setAmountMinor(f.getAmountMinor()).setReason(f.getReason())
                    .setRetry(retry).build(), summary);
        }
    }

    private static String actionName(PaymentAction action) {
        return action == PaymentAction.CANCEL ? "cancel" : "refund";
    }

    // ---- shared moves --------------------------------------------------------------------------

    private boolean rejectIfClosed(Step step) {
        SessionStatus status = step.state.getStatus();
        if (status == SessionStatus.FAILED) {
            step.reject("session_failed", "the session failed");
            return true;
        }
        if (SessionLifecycle.isTerminal(status)) {
            step.reject("session_closed", "the session is " + SessionLifecycle.name(status));
            return true;
        }
        return false;
    }

    /** Partner decisions fit only a deferred session still waiting for one. */
    private boolean rejectUnlessAwaitingPartner(Step step) {
        if (rejectIfClosed(step)) {
            return true;
        }
        if (step.state.getStatus() != SessionStatus.AWAITING_PARTNER) {
            step.reject("not_awaiting_partner", "session is " + SessionLifecycle.name(step.state.getStatus()));
            return true;
        }
        return false;
    }

    private void fail(Step step, String code, String reason, String message) {
        SessionFailed failed = SessionFailed.newBuilder().setCode(code).setReason(reason).setMessage(message).build();
        step.state.setFailure(failed);
        step.transition(SessionStatus.FAILED);
        step.emit(failed, "failed: " + code + (reason == null ? "" : " (" + reason + ")"));
        step.order("order.failed", reason == null ? code : reason, message);
    }

    private void cancel(Step step, String reason, String message, boolean cancelIntent) {
        SessionState s = step.state;
        SessionCanceled canceled = SessionCanceled.newBuilder().setReason(reason).setMessage(message).build();
        s.setCancellation(canceled);
        s.setPartnerDeadline(null);
        step.transition(SessionStatus.CANCELED);
        step.emit(canceled, "canceled: " + reason);
        if (cancelIntent && s.getPaymentIntentId() != null) {
            step.emit(CancelRequested.newBuilder().setPaymentIntentId(s.getPaymentIntentId())
                    .setStripeAccount(s.getStripeAccount()).setReason(reason).build(), "payment intent to be canceled");
        }
        step.order("order.canceled", reason, message);
    }

    /** The session's current attempt was deferred to the partner. */
    static boolean wasDeferred(SessionState s) {
        return !s.getAttempts().isEmpty() && currentAttempt(s).getDecision() == HookOutcome.DEFERRED;
    }

    private static Attempt currentAttempt(SessionState s) {
        return s.getAttempts().get(s.getAttempts().size() - 1);
    }

    private static String reasonOr(HookDecision observed, String fallback) {
        return observed == null || observed.getReason() == null ? fallback : observed.getReason();
    }

    private static String decisionSummary(HookDecision observed, HookOutcome effective, boolean defaultAction) {
        if (observed == null) {
            return "approved automatically (no hook)";
        }
        String seen = observed.getOutcome().name().toLowerCase()
                + (observed.getReason() == null ? "" : " (" + observed.getReason() + ")")
                + (observed.getHttpStatus() == null ? "" : " http " + observed.getHttpStatus())
                + " in " + observed.getDurationMs() + " ms";
        return defaultAction ? "hook " + seen + "; fail_mode open: approved by default" : "hook " + seen;
    }

    private static String money(long minor, String currency) {
        return minor + " " + currency + " minor units";
    }

    static String decisionName(SessionState s) {
        if (s.getAttempts().isEmpty()) {
            return null;
        }
        Attempt a = currentAttempt(s);
        if (a.getDecision() == null) {
            return null;
        }
        return a.getHook() == null ? "none" : a.getDecision().name().toLowerCase();
    }

    /** The working context of one command: the state being changed and what it emits. */
    private static final class Step {
        final CheckoutCommand command;
        SessionState state;
        final List<CheckoutEvent> events = new ArrayList<>();
        final List<OrderEvent> orders = new ArrayList<>();
        boolean dropped;
        boolean forgotten;

        Step(SessionState current, CheckoutCommand command) {
            this.command = command;
            this.state = current == null ? null : SessionState.newBuilder(current).build();
        }

        void drop() {
            dropped = true;
        }

        void forget() {
            forgotten = true;
        }

        void transition(SessionStatus to) {
            if (!SessionLifecycle.allows(state.getStatus(), to)) {
                throw new IllegalStateException("illegal transition " + state.getStatus() + " -> " + to + " for " + state.getSessionId());
            }
            state.setStatus(to);
        }

        void reject(String code, String message) {
            String type = command.getPayload().getClass().getSimpleName();
            if (state != null) {
                state.setLastRejection(Rejection.newBuilder().setCommandId(command.getCommandId()).setCode(code).setMessage(message).build());
                if (state.getRejectionsJournaled() >= REJECTIONS_JOURNALED_LIMIT) {
                    return;
                }
                state.setRejectionsJournaled(state.getRejectionsJournaled() + 1);
            }
            emit(CommandRejected.newBuilder().setCommandType(type).setCode(code).setMessage(message).build(),
                    type + " rejected: " + code);
        }

        void emit(Object payload, String summary) {
            long seq = state == null ? 0 : state.getSeq() + 1;
            String prev = state == null ? EventChain.GENESIS : state.getLastHash();
            CheckoutEvent event = CheckoutEvent.newBuilder()
                    .setEventId(command.getCommandId() + "/" + events.size())
                    .setSessionId(command.getSessionId()).setAgencyId(command.getAgencyId()).setMerchantId(command.getMerchantId())
                    .setSeq(seq).setOccurredAt(command.getIssuedAt()).setCausedBy(command.getCommandId())
                    .setActor(command.getActor()).setPrevHash(prev).setPayload(payload).build();
            events.add(event);
            if (state != null) {
                state.setSeq(seq);
                state.setLastHash(EventChain.hash(event));
                List<TimelineEntry> timeline = state.getTimeline();
                timeline.add(TimelineEntry.newBuilder().setSeq(seq).setAt(command.getIssuedAt())
                        .setType(payload.getClass().getSimpleName()).setActor(command.getActor()).setSummary(summary).build());
                if (timeline.size() > TIMELINE_LIMIT) {
                    timeline.remove(0);
                }
            }
        }

        void order(String type, String reason, String message) {
            Attempt attempt = state.getAttempts().isEmpty() ? null : currentAttempt(state);
            orders.add(OrderEvent.newBuilder()
                    .setEventId(command.getCommandId() + "/" + type)
                    .setType(type).setOccurredAt(command.getIssuedAt())
                    .setSessionId(state.getSessionId()).setAgencyId(state.getAgencyId()).setMerchantId(state.getMerchantId())
                    .setAmountMinor(state.getCart().getTotalMinor()).setCurrency(state.getCart().getCurrency())
                    .setPaymentIntentId(state.getPaymentIntentId())
                    .setDecision(decisionName(state))
                    .setReason(reason).setMessage(message)
                    .setDefaultActionUsed(attempt != null && attempt.getDefaultActionUsed())
                    .build());
        }

        Outcome finish() {
            if (dropped) {
                return Outcome.dropped(state);
            }
            if (forgotten) {
                return Outcome.forget();
            }
            if (state != null) {
                List<String> recent = state.getRecentCommandIds();
                recent.add(command.getCommandId());
                if (recent.size() > RECENT_COMMANDS_LIMIT) {
                    recent.remove(0);
                }
                state.setLastCommandId(command.getCommandId());
                state.setUpdatedAt(command.getIssuedAt());
            }
            return new Outcome(state, List.copyOf(events), List.copyOf(orders), false, false);
        }
    }
}
