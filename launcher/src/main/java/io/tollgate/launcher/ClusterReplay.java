package io.tollgate.launcher;

import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fault suite's replay: reads a small cluster's journal, order events and session states into
 * memory, then its command log, and folds the commands again to compare — keeping the journal per
 * session for checks of its own (the hash chain, sessions lost). {@code tollgate replay} compares
 * the same way but streams each partition ({@link ReplayCommand}), for clusters of any size.
 */
public final class ClusterReplay {
    /**
     * @param journal the journal as read, per session in log order (for checks of its own, such as the hash chain)
     * @param undecodable output records left out because they did not decode
     */
    public record Result(CheckoutReplay.Report report, Map<String, List<CheckoutEvent>> journal, int undecodable) {
    }

    private ClusterReplay() {
    }

    public static Result run(ClusterReader cluster) {
        var topics = cluster.topics();
        CheckoutReplay replay = new CheckoutReplay();
        int undecodable = 0;
        // Journal and outputs first, then the commands: whatever the fold writes meanwhile has its
        // commands in what is read, so it can only show as pending, never as a difference.
        Map<String, List<CheckoutEvent>> journal = new HashMap<>();
        for (var read : cluster.readAll(topics.checkoutEvents())) {
            undecodable += add(journal, read);
        }
        Map<String, List<OrderEvent>> orders = new HashMap<>();
        for (var read : cluster.readAll(topics.orderEvents())) {
            undecodable += add(orders, read);
        }
        Map<String, SessionState> states = new HashMap<>();
        for (var read : cluster.readAll(topics.sessionState())) {
            if (read.value() != null) {
                states.put(read.record().key(), read.value());
            } else if (read.undecodable() != null) {
                undecodable++;
            }
        }
        for (var read : cluster.readAll(topics.checkoutCommands())) {
            replay.fold(read.record().key(), read.value());
        }
        return new Result(replay.compare(journal, orders, states), journal, undecodable);
    }

    private static <V> int add(Map<String, List<V>> bySession, ClusterReader.Read<V> read) {
        if (read.value() == null) {
            return read.undecodable() == null ? 0 : 1;
        }
        bySession.computeIfAbsent(read.record().key(), k -> new ArrayList<>()).add(read.value());
        return 0;
    }
}
