package io.tollgate.orchestrator.checkout;

import io.tollgate.common.kafka.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The checkout fold's topology: checkout.commands.v1 → {@link CheckoutFoldProcessor} → the journal,
 * the session state, the order events (expiry commands go back onto the command log outside the
 * topology: see {@link CheckoutFoldProcessor}).
 */
public final class CheckoutTopology {
    private static final String SOURCE = "checkout-commands";
    private static final String FOLD = "checkout-fold";

    private CheckoutTopology() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Topology addTo(Topology topology, Topics topics, CheckoutFoldProcessor.Timers timers,
            CheckoutFoldProcessor.ExpiryLog expiries, FoldMetrics metrics, FoldProgress progress) {
        var commands = topics.checkoutCommands();
        topology.addSource(SOURCE, commands.keySerde().deserializer(), commands.valueSerde().deserializer(), commands.name());
        topology.addProcessor(FOLD, () -> new CheckoutFoldProcessor(new CheckoutFold(), timers, expiries,
                commands.valueSerde().serializer(), commands.name(), metrics, progress), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE),
                Serdes.String(), topics.sessionState().valueSerde()), FOLD);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CheckoutFoldProcessor.DUE_STORE),
                Serdes.String(), Serdes.String()), FOLD);
        topology.addSink(CheckoutFoldProcessor.EVENTS, topics.checkoutEvents().name(), Serdes.String().serializer(),
                (Serializer) topics.checkoutEvents().valueSerde().serializer(), FOLD);
        topology.addSink(CheckoutFoldProcessor.STATES, topics.sessionState().name(), Serdes.String().serializer(),
                (Serializer) topics.sessionState().valueSerde().serializer(), FOLD);
        topology.addSink(CheckoutFoldProcessor.ORDERS, topics.orderEvents().name(), Serdes.String().serializer(),
                (Serializer) topics.orderEvents().valueSerde().serializer(), FOLD);
        topology.addSink(CheckoutFoldProcessor.DLQ, topics.checkoutCommandsDlq().name(), Serdes.String().serializer(),
                (Serializer) topics.checkoutCommandsDlq().valueSerde().serializer(), FOLD);
        return topology;
    }
}
