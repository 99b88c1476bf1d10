package io.tollgate.orchestrator.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.Topic;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * A config fold's place in the orchestrator's Streams topology: its command topic → a
 * {@link ConfigFoldProcessor} with its state store → its compacted config topic, plus its dead-letter
 * topic. Every node is named after the kind, so several folds share one topology.
 */
public final class ConfigTopology {

    /** The node and store names of one kind's fold. */
    public record Names(String source, String fold, String store, String configsSink, String deadLetterSink) {
        static Names of(String kind, String store) {
            return new Names(kind + "-commands", kind + "-config-fold", store, "to-" + kind + "-configs",
                    "to-" + kind + "-commands-dlq");
        }
    }

    private ConfigTopology() {
    }

    /**
     * Adds the fold of one kind of configuration.
     *
     * @param store the state store's name, which also names its changelog topic
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <C, V> Topology addTo(Topology topology, ConfigFoldProcessor.Kind<C, V> kind, String store,
            Topic<String, C> commands, Topic<String, V> configs, Topic<String, byte[]> deadLetters, MeterRegistry metrics) {
        Names names = Names.of(kind.name().replace('_', '-'), store);
        topology.addSource(names.source(), commands.keySerde().deserializer(), commands.valueSerde().deserializer(),
                commands.name());
        topology.addProcessor(names.fold(), () -> new ConfigFoldProcessor<>(kind, names, commands.valueSerde().serializer(),
                commands.name(), metrics), names.source());
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(store), Serdes.String(),
                configs.valueSerde()), names.fold());
        topology.addSink(names.configsSink(), configs.name(), Serdes.String().serializer(),
                (Serializer) configs.valueSerde().serializer(), names.fold());
        topology.addSink(names.deadLetterSink(), deadLetters.name(), Serdes.String().serializer(),
                (Serializer) deadLetters.valueSerde().serializer(), names.fold());
        return topology;
    }
}
