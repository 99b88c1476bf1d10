package io.tollgate.orchestrator.checkout;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * One session folded command by command from nothing, keeping what a consumer of each output
 * topic would have seen: the whole journal, every order event and every state written.
 */
final class FoldRun {
    private final CheckoutFold fold = new CheckoutFold();
    final List<CheckoutEvent> journal = new ArrayList<>();
    final List<OrderEvent> orders = new ArrayList<>();
    final List<SessionState> states = new ArrayList<>();
    SessionState state;
    CheckoutFold.Outcome last;

    static FoldRun of(CheckoutCommand... commands) {
        FoldRun run = new FoldRun();
        for (CheckoutCommand command : commands) {
            run.apply(command);
        }
        return run;
    }

    CheckoutFold.Outcome apply(CheckoutCommand command) {
        last = fold.apply(state, command);
        state = last.state();
        journal.addAll(last.events());
        orders.addAll(last.orders());
        if (!last.dropped() && state != null) {
            states.add(SessionState.newBuilder(state).build());
        }
        return last;
    }

    SessionStatus status() {
        return state.getStatus();
    }

    List<String> orderTypes() {
        return orders.stream().map(OrderEvent::getType).toList();
    }

    List<String> terminalOrderTypes() {
        return orderTypes().stream().filter(t -> !t.equals("order.confirmed")).toList();
    }

    static List<Class<?>> payloadTypes(List<CheckoutEvent> events) {
        return events.stream().<Class<?>>map(e -> e.getPayload().getClass()).toList();
    }

    @SuppressWarnings("unchecked")
    static <T> T payload(List<CheckoutEvent> events, Class<T> type) {
        return (T) events.stream().map(CheckoutEvent::getPayload).filter(type::isInstance).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + payloadTypes(events)));
    }
}
