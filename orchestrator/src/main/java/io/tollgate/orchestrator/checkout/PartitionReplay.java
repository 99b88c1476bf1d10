package io.tollgate.orchestrator.checkout;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Replays one partition of the command log as a stream, with memory bounded whatever the history:
 * commands are folded in log order and what each produces is compared at once with the next event
 * and order event the fold wrote to the same partition of the journal and of order.events.v1. The
 * fold is the one writer of both and folds a partition's commands in order, so what it wrote there
 * is exactly the concatenation of what it produced, command after command — the same sequence a
 * replay must produce. Sessions live in {@link CheckoutReplay.States}, which may keep them on disk.
 *
 * <p>Written output that ends early is pending (the fold is behind, or commands arrived while
 * reading), never a difference. After the first difference in a sequence the rest of it is not
 * compared: the two no longer line up, and the first place they part is what an auditor needs.
 */
public final class PartitionReplay {
    private final CheckoutFold fold = new CheckoutFold();
    private final CheckoutReplay.States states;
    private final Iterator<CheckoutEvent> journal;
    private final Iterator<OrderEvent> orders;
    private final List<CheckoutReplay.Difference> differences = new ArrayList<>();
    private boolean journalDiverged;
    private boolean ordersDiverged;
    private boolean pending;
    private long commands;
    private long skipped;
    private long events;
    private long orderEvents;

    /**
     * @param journal the partition's journal as the fold wrote it (committed records), in log order
     * @param orders the partition's order events as the fold wrote them, in log order
     */
    public PartitionReplay(CheckoutReplay.States states, Iterator<CheckoutEvent> journal, Iterator<OrderEvent> orders) {
        this.states = states;
        this.journal = journal;
        this.orders = orders;
    }

    public void fold(String key, CheckoutCommand command) {
        commands++;
        CheckoutFold.Outcome outcome = CheckoutReplay.step(fold, states, key, command);
        if (outcome == null) {
            skipped++;
            return;
        }
        for (CheckoutEvent event : outcome.events()) {
            events++;
            journalDiverged = compare("journal event", journalDiverged, journal, event, event.getSessionId(), event.getSeq(),
                    e -> e.getSeq() + " " + e.getPayload().getClass().getSimpleName());
        }
        for (OrderEvent order : outcome.orders()) {
            orderEvents++;
            ordersDiverged = compare("order event", ordersDiverged, orders, order, order.getSessionId(), 0, OrderEvent::getType);
        }
    }

    private <T> boolean compare(String what, boolean diverged, Iterator<T> written, T replayed, String session, long seq,
            java.util.function.Function<T, String> describe) {
        if (diverged) {
            return true;
        }
        if (!written.hasNext()) {
            pending = true;
            return false;
        }
        T actual = written.next();
        if (!replayed.equals(actual)) {
            differences.add(new CheckoutReplay.Difference(session, what + " differs", seq, describe.apply(replayed),
                    describe.apply(actual)));
            return true;
        }
        return false;
    }

    /**
     * Ends the partition: written output the command log does not produce is a difference. Returns
     * whether this partition's output was complete (nothing pending), which is when its states can
     * be compared.
     */
    public boolean finish() {
        if (!journalDiverged && !pending && journal.hasNext()) {
            CheckoutEvent extra = journal.next();
            differences.add(new CheckoutReplay.Difference(extra.getSessionId(), "journal event the command log does not produce",
                    extra.getSeq(), "nothing", extra.getSeq() + " " + extra.getPayload().getClass().getSimpleName()));
        }
        if (!ordersDiverged && !pending && orders.hasNext()) {
            OrderEvent extra = orders.next();
            differences.add(new CheckoutReplay.Difference(extra.getSessionId(), "order event the command log does not produce",
                    0, "nothing", extra.getType()));
        }
        return !pending;
    }

    /**
     * The written state of a session against the replayed one. A written state from an earlier
     * command than the replay's last (the fold had not folded it when the topic was read) is not a
     * difference.
     */
    public static CheckoutReplay.Difference compareState(String session, SessionState replayed, SessionState written) {
        if (Objects.equals(replayed, written)) {
            return null;
        }
        if (replayed != null && written != null && !Objects.equals(replayed.getLastCommandId(), written.getLastCommandId())
                && written.getSeq() <= replayed.getSeq()) {
            return null;
        }
        return new CheckoutReplay.Difference(session, "session state", 0,
                replayed == null ? "none" : CheckoutReplay.describe(replayed), written == null ? "none" : CheckoutReplay.describe(written));
    }

    public List<CheckoutReplay.Difference> differences() {
        return differences;
    }

    public long commands() {
        return commands;
    }

    public long skippedCommands() {
        return skipped;
    }

    public long events() {
        return events;
    }

    public long orderEvents() {
        return orderEvents;
    }
}
