package io.tollgate.orchestrator.checkout;

import static io.tollgate.schema.SessionStatus.AWAITING_PARTNER;
import static io.tollgate.schema.SessionStatus.AWAITING_PAYMENT;
import static io.tollgate.schema.SessionStatus.CANCELED;
import static io.tollgate.schema.SessionStatus.CONFIRMING;
import static io.tollgate.schema.SessionStatus.FAILED;
import static io.tollgate.schema.SessionStatus.OPEN;
import static io.tollgate.schema.SessionStatus.PAID;
import static io.tollgate.schema.SessionStatus.PAYMENT_PENDING;

import io.tollgate.schema.SessionStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The session state machine of design.md, written once. The fold asks it before every status
 * change; the tests enumerate it. Any non-terminal session may also be canceled by expiry.
 */
public final class SessionLifecycle {
    private static final Map<SessionStatus, EnumSet<SessionStatus>> ALLOWED = new EnumMap<>(SessionStatus.class);

    static {
        ALLOWED.put(OPEN, EnumSet.of(CONFIRMING, CANCELED));
        ALLOWED.put(CONFIRMING, EnumSet.of(PAYMENT_PENDING, AWAITING_PARTNER, FAILED, OPEN, CANCELED));
        // Partner confirm goes to awaiting_payment when the held PaymentIntent already exists, to
        // payment_pending when it is still being created; that creation can fail.
        ALLOWED.put(AWAITING_PARTNER, EnumSet.of(PAYMENT_PENDING, AWAITING_PAYMENT, FAILED, CANCELED));
        ALLOWED.put(PAYMENT_PENDING, EnumSet.of(AWAITING_PAYMENT, FAILED, CANCELED));
        ALLOWED.put(AWAITING_PAYMENT, EnumSet.of(PAID, CANCELED));
        ALLOWED.put(PAID, EnumSet.noneOf(SessionStatus.class));
        ALLOWED.put(FAILED, EnumSet.noneOf(SessionStatus.class));
        ALLOWED.put(CANCELED, EnumSet.noneOf(SessionStatus.class));
    }

    private SessionLifecycle() {
    }

    public static boolean allows(SessionStatus from, SessionStatus to) {
        return from == to || ALLOWED.get(from).contains(to);
    }

    public static Set<SessionStatus> next(SessionStatus from) {
        return EnumSet.copyOf(ALLOWED.get(from));
    }

    /** The status as the API and the journal's summaries spell it: {@code awaiting_payment}. */
    public static String name(SessionStatus status) {
        return status.name().toLowerCase(java.util.Locale.ROOT);
    }

    public static boolean isTerminal(SessionStatus status) {
        return ALLOWED.get(status).isEmpty();
    }
}
