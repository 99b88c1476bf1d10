package io.tollgate.orchestrator.merchants;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.Topics;
import io.tollgate.orchestrator.config.ConfigTopology;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import org.apache.kafka.streams.Topology;

/**
 * The merchant config fold's topology: merchants.commands.v1 → {@link MerchantConfigFold} (state
 * store {@value #STORE}) → merchants.v1, plus the DLQ. Added to the same Streams application as the
 * checkout fold; its node names do not clash with it.
 */
public final class MerchantTopology {
    public static final String STORE = "merchant-configs";

    private MerchantTopology() {
    }

    public static Topology addTo(Topology topology, Topics topics, MeterRegistry metrics) {
        return addTo(topology, topics.merchantCommands(), topics.merchants(), topics.merchantCommandsDlq(), metrics);
    }

    /** As {@link #addTo(Topology, Topics, MeterRegistry)} with the topics given one by one (tests name them apart). */
    public static Topology addTo(Topology topology, Topic<String, MerchantCommand> commands, Topic<String, MerchantConfig> merchants,
            Topic<String, byte[]> deadLetters, MeterRegistry metrics) {
        return ConfigTopology.addTo(topology, new MerchantConfigFold(), STORE, commands, merchants, deadLetters, metrics);
    }
}
