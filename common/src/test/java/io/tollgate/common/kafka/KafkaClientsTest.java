package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {
    private final KafkaClients staticMembers = new KafkaClients("k:9092", new KafkaClients.GroupMembership("orchestrator-1", 10_000));

    @Test
    void aGroupMemberJoinsWithTheInstanceIdAndSessionTimeout() {
        Map<String, Object> worker = staticMembers.consumerOfFoldOutput("hook-caller-x", "tollgate-hook-caller");

        assertThat(worker).containsEntry(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "orchestrator-1")
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    }

    @Test
    void aReaderWithoutAGroupHasNoMembership() {
        // assign()-only readers run one per process next to group members: an instance id there would clash
        assertThat(staticMembers.consumer("replies", null)).doesNotContainKeys(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
    }

    @Test
    void theFoldsMainConsumerIsAStaticMemberToo() {
        Map<String, Object> streams = staticMembers.streams("tollgate-orchestrator", Path.of("/tmp/s"), 100, 3);

        assertThat(streams).containsEntry(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "orchestrator-1")
                .containsEntry(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000)
                .containsEntry(StreamsConfig.REPLICATION_FACTOR_CONFIG, 3);
    }

    @Test
    void withoutAnInstanceIdMembersAreDynamicWithTheConfiguredTimeout() {
        TollgateConfig config = TollgateConfig.builder().devMode(true).build();
        KafkaClients clients = new KafkaClients("k:9092", KafkaClients.GroupMembership.of(config));

        assertThat(clients.consumer("w", "g")).doesNotContainKey(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG)
                .containsEntry(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) TollgateConfig.DEFAULT_KAFKA_SESSION_TIMEOUT_MS);
        assertThat(new KafkaClients("k:9092").consumer("w", "g")).doesNotContainKeys(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG);
    }
}
