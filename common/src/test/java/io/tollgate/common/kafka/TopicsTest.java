package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.util.List;
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
    void theWebhookDeliveryLogAndRequestsArePartitionedWithTheOrderEventsAndKeptAWeek() {
        for (TopicSpec spec : List.of(topics.webhookDeliveries().spec(), topics.webhookRequests().spec())) {
            assertThat(topics.specs()).contains(spec);
            assertThat(spec.coPartitionGroup()).isEqualTo(topics.orderEvents().spec().coPartitionGroup());
            assertThat(spec.configs()).containsEntry("retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
        }
        assertThat(topics.webhookDeliveries().name()).isEqualTo("env.webhooks.deliveries.v1");
    }

    @Test
    void webhookEndpointsAreACompactedTopicFoldedFromTheirCommands() {
        assertThat(topics.webhookEndpoints().spec().configs()).containsEntry("cleanup.policy", "compact");
        assertThat(topics.webhookEndpoints().spec().coPartitionGroup()).isEqualTo(Topics.WEBHOOK_GROUP)
                .isEqualTo(topics.webhookCommands().spec().coPartitionGroup());
        assertThat(topics.webhookCommandsDlq().name()).isEqualTo("env.webhooks.commands.v1.dlq");
    }

    @Test
    void everyTopicIsProvisionedOnceUnderItsOwnName() {
        assertThat(topics.specs()).extracting(TopicSpec::name).doesNotHaveDuplicates().allMatch(n -> n.startsWith("env."));
    }
}
