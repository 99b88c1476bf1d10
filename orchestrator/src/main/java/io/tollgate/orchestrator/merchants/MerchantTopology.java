package io.tollgate.orchestrator.merchants;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.Topics;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The merchant config fold's topology: merchants.commands.v1 → {@link MerchantConfigProcessor}
 * (state store {@value MerchantConfigProcessor#STORE}) → merchants.v1, plus the DLQ. Added to the
 * same Streams application as the checkout fold; its node names do not clash with it.
 */
public final class MerchantTopology {
    private static final String SOURCE = "merchant-commands";
    private static final String FOLD = "merchant-config-fold";

    private MerchantTopology() {
    }

    public static Topology addTo(Topology topology, Topics topics, MeterRegistry metrics) {
        return addTo(topology, topics.merchantCommands(), topics.merchants(), topics.merchantCommandsDlq(), metrics);
    }

    /** As {@link #addTo(Topology, Topics, MeterRegistry)} with the topics given one by one (tests name them apart). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Topology addTo(Topology topology, Topic<String, MerchantCommand> commands, Topic<String, MerchantConfig> merchants,
            Topic<String, byte[]> deadLetters, MeterRegistry metrics) {
        topology.addSource(SOURCE, commands.keySerde().deserializer(), commands.valueSerde().deserializer(), commands.name());
        topology.addProcessor(FOLD, () -> new MerchantConfigProcessor(new MerchantConfigFold(),
                commands.valueSerde().serializer(), commands.name(), metrics), SOURCE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(MerchantConfigProcessor.STORE),
                Serdes.String(), merchants.valueSerde()), FOLD);
        topology.addSink(MerchantConfigProcessor.CONFIGS, merchants.name(), Serdes.String().serializer(),
                (Serializer) merchants.valueSerde().serializer(), FOLD);
        topology.addSink(MerchantConfigProcessor.DLQ, deadLetters.name(), Serdes.String().serializer(),
                (Serializer) deadLetters.valueSerde().serializer(), FOLD);
        return topology;
    }
}
