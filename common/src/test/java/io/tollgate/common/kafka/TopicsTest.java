package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import org.junit.jupiter.api.Test;

class TopicsTest {
    private final Topics topics = new Topics(new InMemorySchemaRegistry(), 3, "env.");

    @Test
    void theHookCallLogIsProvisionedWithADaysRetentionAndNoCoPartitionGroup() {
        TopicSpec calls = topics.hookCalls().spec();

        assertThat(topics.specs()).contains(calls);
        assertThat(calls.name()).isEqualTo("env.merchants.hook-calls.v1");
        assertThat(calls.partitions()).isEqualTo(3);
        assertThat(calls.configs()).containsEntry("cleanup.policy", "delete").containsEntry("retention.ms", "86400000");
        assertThat(calls.coPartitionGroup()).isNull();
    }

    @Test
    void everyTopicIsProvisionedOnceUnderItsOwnName() {
        assertThat(topics.specs()).extracting(TopicSpec::name).doesNotHaveDuplicates().allMatch(n -> n.startsWith("env."));
    }
}
