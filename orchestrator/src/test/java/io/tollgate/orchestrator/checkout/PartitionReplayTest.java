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

/**
 * The streaming replay of one partition: every scenario of the fold tests interleaved on one command
 * log, the fold's output written as it would be, then replayed command by command against it.
 */
class PartitionReplayTest {
    private final List<CheckoutCommand> log = new ArrayList<>();
    private final List<CheckoutEvent> journal = new ArrayList<>();
    private final List<OrderEvent> orders = new ArrayList<>();
    private final Map<String, SessionState> writtenStates = new HashMap<>();

    /** What a fold writes for the scenarios, their commands interleaved one by one as a busy partition would have them. */
    @BeforeEach
    void writeEveryScenarioInterleaved() {
        List<List<CheckoutCommand>> scripts = new ArrayList<>();
        CheckoutFoldTest.SCENARIOS.forEach((name, script) -> scripts.add(new ArrayList<>(script.apply(new CommandScript("cs_part_" + name)))));
        while (scripts.stream().anyMatch(s -> !s.isEmpty())) {
            for (List<CheckoutCommand> script : scripts) {
                if (!script.isEmpty()) {
                    log.add(script.remove(0));
                }
            }
        }
        CheckoutFold fold = new CheckoutFold();
        for (CheckoutCommand command : log) {
            CheckoutFold.Outcome outcome = fold.apply(writtenStates.get(command.getSessionId()), command);
            if (outcome.dropped()) {
                continue;
            }
            journal.addAll(outcome.events());
            orders.addAll(outcome.orders());
            writtenStates.put(command.getSessionId(), outcome.state());
        }
    }

    @Test
    void theCommandLogReplayedAsAStreamReproducesEverything() {
        Map<String, SessionState> replayed = new HashMap<>();
        PartitionReplay replay = replay(replayed, journal, orders);

        assertThat(replay.finish()).as("complete").isTrue();
        assertThat(replay.differences()).isEmpty();
        assertThat(replay.events()).isEqualTo(journal.size());
        assertThat(replay.orderEvents()).isEqualTo(orders.size());
        replayed.forEach((session, state) -> assertThat(PartitionReplay.compareState(session, state, writtenStates.get(session))).isNull());
    }

    @Test
    void anEditedEventIsTheFirstDifference() {
        CheckoutEvent edited = CheckoutEvent.newBuilder(journal.get(7)).setActor("someone-else").build();
        journal.set(7, edited);

        PartitionReplay replay = replay(new HashMap<>(), journal, orders);
        replay.finish();

        assertThat(replay.differences()).singleElement().satisfies(d -> {
            assertThat(d.sessionId()).isEqualTo(edited.getSessionId());
            assertThat(d.what()).isEqualTo("journal event differs");
            assertThat(d.seq()).isEqualTo(edited.getSeq());
        });
    }

    @Test
    void aDroppedEventAndAnAddedOneAreDifferences() {
        List<CheckoutEvent> dropped = new ArrayList<>(journal);
        dropped.remove(3);
        PartitionReplay missing = replay(new HashMap<>(), dropped, orders);
        missing.finish();
        assertThat(missing.differences()).extracting(CheckoutReplay.Difference::what).containsExactly("journal event differs");

        List<CheckoutEvent> added = new ArrayList<>(journal);
        added.add(journal.get(0));
        PartitionReplay extra = replay(new HashMap<>(), added, orders);
        extra.finish();
        assertThat(extra.differences()).extracting(CheckoutReplay.Difference::what)
                .containsExactly("journal event the command log does not produce");
    }

    @Test
    void outputTheFoldHasNotWrittenYetIsPendingNotADifference() {
        PartitionReplay replay = replay(new HashMap<>(), journal.subList(0, journal.size() - 4), orders.subList(0, orders.size() - 1));

        assertThat(replay.finish()).as("complete").isFalse();
        assertThat(replay.differences()).isEmpty();
    }

    @Test
    void aWrittenStateFromAnEarlierCommandIsPendingButAnAlteredOneIsADifference() {
        String session = log.get(0).getSessionId();
        SessionState last = writtenStates.get(session);
        SessionState earlier = SessionState.newBuilder(last).setSeq(last.getSeq() - 1).setLastCommandId("an-earlier-command").build();
        SessionState altered = SessionState.newBuilder(last).setMaxAttempts(last.getMaxAttempts() + 1).build();

        assertThat(PartitionReplay.compareState(session, last, earlier)).isNull();
        assertThat(PartitionReplay.compareState(session, last, altered)).isNotNull()
                .satisfies(d -> assertThat(d.what()).isEqualTo("session state"));
        assertThat(PartitionReplay.compareState(session, last, null)).as("a state that was never written").isNotNull();
    }

    private PartitionReplay replay(Map<String, SessionState> states, List<CheckoutEvent> writtenJournal, List<OrderEvent> writtenOrders) {
        PartitionReplay replay = new PartitionReplay(CheckoutReplay.States.in(states), writtenJournal.iterator(),
                writtenOrders.iterator());
        log.forEach(c -> replay.fold(c.getSessionId(), c));
        return replay;
    }
}
