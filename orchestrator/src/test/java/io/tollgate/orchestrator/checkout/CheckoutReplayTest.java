package io.tollgate.orchestrator.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Replay against what a fold wrote: every seed-like scenario reproduces, and every kind of tampering shows. */
class CheckoutReplayTest {
    private final Map<String, List<CheckoutEvent>> journal = new HashMap<>();
    private final Map<String, List<OrderEvent>> orders = new HashMap<>();
    private final Map<String, SessionState> states = new HashMap<>();
    private final CheckoutReplay replay = new CheckoutReplay();

    /** Every scenario of the fold tests, each its own session, written by a fold and then replayed. */
    @BeforeEach
    void writeEveryScenario() {
        CheckoutFoldTest.SCENARIOS.forEach((name, script) -> {
            CommandScript s = new CommandScript("cs_replay_" + name);
            List<CheckoutCommand> commands = script.apply(s);
            FoldRun written = FoldRun.of(commands.toArray(CheckoutCommand[]::new));
            journal.put(s.sessionId, new ArrayList<>(written.journal));
            orders.put(s.sessionId, new ArrayList<>(written.orders));
            states.put(s.sessionId, written.state);
            commands.forEach(c -> replay.fold(c.getSessionId(), c));
        });
    }

    @Test
    void foldingTheCommandsAgainReproducesJournalOrdersAndStates() {
        CheckoutReplay.Report report = replay.compare(journal, orders, states);

        assertThat(report.differences()).isEmpty();
        assertThat(report.pendingSessions()).isEmpty();
        assertThat(report.reproduced()).isTrue();
        assertThat(report.sessions()).isEqualTo(CheckoutFoldTest.SCENARIOS.size());
        assertThat(report.events()).isEqualTo(journal.values().stream().mapToLong(List::size).sum());
    }

    @Test
    void anEditedEventIsADifference() {
        List<CheckoutEvent> events = journal.get("cs_replay_paid");
        CheckoutEvent edited = CheckoutEvent.newBuilder(events.get(2)).setActor("someone-else").build();
        events.set(2, edited);

        CheckoutReplay.Report report = replay.compare(journal, orders, states);

        assertThat(report.reproduced()).isFalse();
        assertThat(report.differences()).singleElement().satisfies(d -> {
            assertThat(d.sessionId()).isEqualTo("cs_replay_paid");
            assertThat(d.what()).isEqualTo("journal event differs");
            assertThat(d.seq()).isEqualTo(edited.getSeq());
        });
    }

    @Test
    void anEventNoCommandExplainsIsADifference() {
        List<CheckoutEvent> events = journal.get("cs_replay_rejected");
        events.add(CheckoutEvent.newBuilder(events.get(events.size() - 1)).setSeq(99).build());

        CheckoutReplay.Report report = replay.compare(journal, orders, states);

        assertThat(report.differences()).singleElement()
                .satisfies(d -> assertThat(d.what()).isEqualTo("journal event the command log does not produce"));
    }

    @Test
    void swappedEventsAreADifference() {
        List<CheckoutEvent> events = journal.get("cs_replay_paid");
        CheckoutEvent first = events.get(1);
        events.set(1, events.get(2));
        events.set(2, first);

        assertThat(replay.compare(journal, orders, states).differences()).isNotEmpty();
    }

    @Test
    void aChangedOrderEventOrStateIsADifference() {
        List<OrderEvent> paidOrders = orders.get("cs_replay_paid");
        paidOrders.set(0, OrderEvent.newBuilder(paidOrders.get(0)).setAmountMinor(1).build());
        SessionState rejected = states.get("cs_replay_rejected");
        states.put("cs_replay_rejected", SessionState.newBuilder(rejected).setMaxAttempts(99).build());

        CheckoutReplay.Report report = replay.compare(journal, orders, states);

        assertThat(report.differences()).extracting(CheckoutReplay.Difference::what)
                .containsExactlyInAnyOrder("order event differs", "session state");
    }

    @Test
    void outputNotWrittenYetIsPendingNotADifference() {
        List<CheckoutEvent> events = journal.get("cs_replay_paid");
        events.remove(events.size() - 1);

        CheckoutReplay.Report report = replay.compare(journal, orders, states);

        assertThat(report.differences()).isEmpty();
        assertThat(report.pendingSessions()).containsExactly("cs_replay_paid");
    }
}
