package io.tollgate.orchestrator.checkout;

import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.util.Map;

/**
 * When the fold has settled a partner-confirm or partner-cancel, and what the API answers. The
 * request waits for its own command: the state it finds first may be one the fold has not yet
 * checked the command against (a canceled session is no confirmed one).
 */
final class PartnerDecisionAnswer {
    static final String NOT_AWAITING_PARTNER = "not_awaiting_partner";

    private PartnerDecisionAnswer() {
    }

    /**
     * True once the fold applied or refused {@code command}, or would drop it as a repeat of the
     * decision already made (a drop leaves no trace in the state, so the state it leaves is matched:
     * the same test as the fold's).
     */
    static boolean settled(SessionState st, CheckoutCommand command) {
        if (command.getCommandId().equals(st.getLastCommandId()) || refused(st, command)) {
            return true;
        }
        if (!CheckoutFold.wasDeferred(st)) {
            return false;
        }
        SessionStatus status = st.getStatus();
        return command.getPayload() instanceof PartnerConfirm
                ? status == SessionStatus.PAYMENT_PENDING || status == SessionStatus.AWAITING_PAYMENT || status == SessionStatus.PAID
                : status == SessionStatus.CANCELED;
    }

    static boolean refused(SessionState st, CheckoutCommand command) {
        return st.getLastRejection() != null && st.getLastRejection().getCommandId().equals(command.getCommandId());
    }

    /**
     * The 409 for a refused decision. A session that is not waiting for the partner, ended ones
     * included, is {@code not_awaiting_partner} (docs/api.md); the fold's own code stays in the
     * journal and in {@code meta.reason}.
     */
    static ApiError refusal(SessionState st) {
        return new ApiError(409, NOT_AWAITING_PARTNER, st.getLastRejection().getMessage(),
                Map.of("session_status", ConfirmAnswer.status(st), "reason", st.getLastRejection().getCode()));
    }
}
