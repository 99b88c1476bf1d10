package io.tollgate.orchestrator.checkout;

import static io.tollgate.schema.SessionStatus.AWAITING_PARTNER;
import static io.tollgate.schema.SessionStatus.AWAITING_PAYMENT;
import static io.tollgate.schema.SessionStatus.CANCELED;
import static io.tollgate.schema.SessionStatus.CONFIRMING;
import static io.tollgate.schema.SessionStatus.FAILED;
import static io.tollgate.schema.SessionStatus.OPEN;
import static io.tollgate.schema.SessionStatus.PAID;
import static io.tollgate.schema.SessionStatus.PAYMENT_PENDING;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.SessionStatus;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle table of design.md ("Session lifecycle"), written here a second time by hand, plus
 * expiry's cancel from every non-terminal state. The production table must match it pair by pair.
 */
class SessionLifecycleTest {

    private static final Map<SessionStatus, Set<SessionStatus>> EXPECTED = Map.of(
            OPEN, EnumSet.of(CONFIRMING, CANCELED),
            CONFIRMING, EnumSet.of(PAYMENT_PENDING, AWAITING_PARTNER, FAILED, OPEN, CANCELED),
            AWAITING_PARTNER, EnumSet.of(PAYMENT_PENDING, AWAITING_PAYMENT, FAILED, CANCELED),
            PAYMENT_PENDING, EnumSet.of(AWAITING_PAYMENT, FAILED, CANCELED),
            AWAITING_PAYMENT, EnumSet.of(PAID, CANCELED),
            PAID, EnumSet.noneOf(SessionStatus.class),
            FAILED, EnumSet.noneOf(SessionStatus.class),
            CANCELED, EnumSet.noneOf(SessionStatus.class));

    static Stream<Arguments> everyPair() {
        return Arrays.stream(SessionStatus.values())
                .flatMap(from -> Arrays.stream(SessionStatus.values()).map(to -> Arguments.of(from, to)));
    }

    @Test
    void expectedTableCoversEveryStatus() {
        assertThat(EXPECTED).containsOnlyKeys(SessionStatus.values());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyPair")
    void allowsExactlyTheTransitionsOfTheDesign(SessionStatus from, SessionStatus to) {
        boolean expected = from == to || EXPECTED.get(from).contains(to);

        assertThat(SessionLifecycle.allows(from, to)).as("%s -> %s", from, to).isEqualTo(expected);
        assertThat(SessionLifecycle.next(from).contains(to)).as("next(%s) contains %s", from, to)
                .isEqualTo(from != to && expected);
    }

    @ParameterizedTest
    @EnumSource(SessionStatus.class)
    void nextListsTheExitsAndNeverTheStateItself(SessionStatus from) {
        assertThat(SessionLifecycle.next(from)).containsExactlyInAnyOrderElementsOf(EXPECTED.get(from)).doesNotContain(from);
    }

    @ParameterizedTest
    @EnumSource(SessionStatus.class)
    void terminalExactlyWhenThereIsNoExit(SessionStatus status) {
        boolean terminal = status == PAID || status == FAILED || status == CANCELED;

        assertThat(SessionLifecycle.isTerminal(status)).isEqualTo(terminal);
        if (terminal) {
            assertThat(SessionLifecycle.next(status)).isEmpty();
        }
    }

    @ParameterizedTest
    @EnumSource(value = SessionStatus.class, names = {"OPEN", "CONFIRMING", "AWAITING_PARTNER", "PAYMENT_PENDING", "AWAITING_PAYMENT"})
    void everyNonTerminalStateCanBeCanceledByExpiry(SessionStatus status) {
        assertThat(SessionLifecycle.allows(status, CANCELED)).isTrue();
    }

    @Test
    void nextReturnsACopyThatCannotChangeTheTable() {
        SessionLifecycle.next(OPEN).add(PAID);

        assertThat(SessionLifecycle.allows(OPEN, PAID)).isFalse();
    }
}
