package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.SharedKafka;

/**
 * The configuration of a whole stack on the test JVM's shared broker: dev mode, any free ports, two
 * partitions (the launcher tests share topics of that count), a short commit interval, and a group
 * and application id prefix of its own.
 */
final class SharedStackConfig {
    private SharedStackConfig() {
    }

    static TollgateConfig.Builder named(String prefix) {
        return withApplicationIdPrefix(SharedKafka.uniqueName(prefix));
    }

    /** The same with a prefix already made unique ({@link SharedKafka#uniqueName}). */
    static TollgateConfig.Builder withApplicationIdPrefix(String uniquePrefix) {
        return TollgateConfig.builder().devMode(true).port(0).managementPort(0).partitions(2)
                .bootstrapServers(SharedKafka.bootstrapServers()).applicationIdPrefix(uniquePrefix).commitIntervalMs(10);
    }
}
