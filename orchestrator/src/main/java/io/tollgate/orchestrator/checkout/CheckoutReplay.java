package io.tollgate.orchestrator.checkout;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Folds the command log again, as the checkout fold did, and compares what comes out with what the
 * fold wrote: the journal, the order events and the last session state, session by session. The
 * promise it checks is design.md's "folding the command log again reproduces the journal, states and
 * order events exactly".
 *
 * <p>Commands must be fed in log order per session (one partition's order is enough, since a
 * session lives on one partition). Output the fold has not written yet — the log was read a moment
 * after the outputs, or the fold is behind — is reported as pending, not as a difference: written
 * output must be a prefix of the replayed output.
 */
public final class CheckoutReplay {
    /** One way the written output departs from the replayed one. */
    public record Difference(String sessionId, String what, long seq, String expected, String actual) {
        @Override
        public String toString() {
            return "session " + sessionId + ": " + what + (seq > 0 ? " at seq " + seq : "") + ": expected " + expected
                    + ", found " + actual;
        }
    }

    /**
     * What the comparison found. {@code unansweredCommands} are the ids of commands the fold answers with
     * journal events when folded again, of which the journal holds none: pending, or lost.
     */
    public record Report(long commands, long skippedCommands, int sessions, long events, long orders,
            List<Difference> differences, List<String> pendingSessions, List<String> unansweredCommands) {
        public boolean reproduced() {
            return differences.isEmpty();
        }
    }

    private final CheckoutFold fold = new CheckoutFold();
    private final Map<String, SessionState> states = new HashMap<>();
    private final States inMemory = States.in(states);
    private final Map<String, List<CheckoutEvent>> events = new LinkedHashMap<>();
    private final Map<String, List<OrderEvent>> orders = new HashMap<>();
    private long commands;
    private long skipped;

    /** Where a replay keeps the sessions it has folded so far. */
    public interface States {
        SessionState get(String sessionId);

        void put(String sessionId, SessionState state);

        void remove(String sessionId);

        /** Sessions kept in a map: for a replay small enough to hold in memory. */
        static States in(Map<String, SessionState> map) {
            return new States() {
                @Override
                public SessionState get(String sessionId) {
                    return map.get(sessionId);
                }

                @Override
                public void put(String sessionId, SessionState state) {
                    map.put(sessionId, state);
                }

                @Override
                public void remove(String sessionId) {
                    map.remove(sessionId);
                }
            };
        }
    }

    /**
     * Folds one command as {@link CheckoutFoldProcessor} does, updating {@code states}: a command keyed
     * by another session, or one the fold throws on, was dead-lettered there and changes nothing here
     * either (null). A dropped duplicate comes back as an outcome with nothing in it.
     */
    static CheckoutFold.Outcome step(CheckoutFold fold, States states, String key, CheckoutCommand command) {
        if (CheckoutFold.misfiled(key, command) != null) {
            return null;
        }
        CheckoutFold.Outcome outcome;
        try {
            outcome = fold.apply(states.get(key), command);
        } catch (RuntimeException e) {
            return null;
        }
        if (outcome.forgotten()) {
            states.remove(key);
        } else if (!outcome.dropped() && outcome.state() != null) {
            states.put(key, outcome.state());
        }
        return outcome;
    }

    /** Folds one command (see {@link #step}). */
    public void fold(String key, CheckoutCommand command) {
        commands++;
        CheckoutFold.Outcome outcome = step(fold, inMemory, key, command);
        if (outcome == null) {
            skipped++;
            return;
        }
        if (outcome.dropped()) {
            return;
        }
        events.computeIfAbsent(key, k -> new ArrayList<>()).addAll(outcome.events());
        orders.computeIfAbsent(key, k -> new ArrayList<>()).addAll(outcome.orders());
    }

    /**
     * Compares with what was written.
     *
     * @param writtenEvents the journal, per session, in log order
     * @param writtenOrders order events, per session, in log order
     * @param writtenStates the latest state per session (the compacted topic)
     */
    public Report compare(Map<String, List<CheckoutEvent>> writtenEvents, Map<String, List<OrderEvent>> writtenOrders,
            Map<String, SessionState> writtenStates) {
        List<Difference> differences = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<String> unanswered = new ArrayList<>();
        long eventCount = 0;
        long orderCount = 0;
        List<String> sessions = union(events.keySet(), writtenEvents.keySet());
        for (String session : sessions) {
            List<CheckoutEvent> expected = events.getOrDefault(session, List.of());
            List<CheckoutEvent> actual = writtenEvents.getOrDefault(session, List.of());
            eventCount += actual.size();
            boolean eventsComplete = comparePrefix(session, "journal event", expected, actual, differences,
                    e -> e.getSeq() + " " + e.getPayload().getClass().getSimpleName(), CheckoutEvent::getSeq);
            List<OrderEvent> expectedOrders = orders.getOrDefault(session, List.of());
            List<OrderEvent> actualOrders = writtenOrders.getOrDefault(session, List.of());
            orderCount += actualOrders.size();
            boolean ordersComplete = comparePrefix(session, "order event", expectedOrders, actualOrders, differences,
                    OrderEvent::getType, o -> 0L);
            Set<String> answered = new HashSet<>();
            actual.forEach(e -> answered.add(e.getCausedBy()));
            expected.stream().map(CheckoutEvent::getCausedBy).distinct().filter(c -> !answered.contains(c)).forEach(unanswered::add);
            if (!eventsComplete || !ordersComplete) {
                pending.add(session);
            } else if (states.containsKey(session) && !Objects.equals(states.get(session), writtenStates.get(session))) {
                SessionState written = writtenStates.get(session);
                differences.add(new Difference(session, "session state", 0, describe(states.get(session)),
                        written == null ? "none" : describe(written)));
            }
        }
        return new Report(commands, skipped, sessions.size(), eventCount, orderCount,
                differences, pending, unanswered);
    }

    /** Returns true when {@code actual} is all of {@code expected}; records a difference when it is not a prefix. */
    private static <T> boolean comparePrefix(String session, String what, List<T> expected, List<T> actual,
            List<Difference> differences, Function<T, String> describe,
            ToLongFunction<T> seq) {
        for (int i = 0; i < actual.size(); i++) {
            T written = actual.get(i);
            if (i >= expected.size()) {
                differences.add(new Difference(session, what + " the command log does not produce", seq.applyAsLong(written),
                        "nothing", describe.apply(written)));
                return true;
            }
            if (!expected.get(i).equals(written)) {
                differences.add(new Difference(session, what + " differs", seq.applyAsLong(written),
                        describe.apply(expected.get(i)), describe.apply(written)));
                return true;
            }
        }
        return actual.size() == expected.size();
    }

    static String describe(SessionState s) {
        return SessionLifecycle.name(s.getStatus()) + " at seq " + s.getSeq();
    }

    private static List<String> union(Set<String> a, Set<String> b) {
        LinkedHashSet<String> all = new LinkedHashSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }
}
