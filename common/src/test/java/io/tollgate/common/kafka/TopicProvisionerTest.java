package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class TopicProvisionerTest {
    private static Admin admin;

    @BeforeAll
    static void connect() {
        admin = SharedKafka.admin();
    }

    @AfterAll
    static void disconnect() {
        admin.close();
    }

    @Test
    void createsMissingTopicsWithTheirConfigsAndLeavesExistingOnesAlone() throws Exception {
        String journal = SharedKafka.uniqueName("journal");
        String state = SharedKafka.uniqueName("state");
        List<TopicSpec> specs = List.of(
                new TopicSpec(journal, 3, Map.of("cleanup.policy", "delete", "retention.ms", "-1"), "checkout"),
                new TopicSpec(state, 3, Map.of("cleanup.policy", "compact"), "checkout"));

        Map<String, Integer> created = TopicProvisioner.ensure(admin, specs);
        Map<String, Integer> again = TopicProvisioner.ensure(admin, specs);

        assertThat(created).containsOnly(Map.entry(journal, 3), Map.entry(state, 3));
        assertThat(again).isEqualTo(created);
        TopicDescription description = admin.describeTopics(List.of(state)).allTopicNames().get().get(state);
        assertThat(description.partitions()).hasSize(3);
        assertThat(description.partitions().get(0).replicas()).hasSize(1);
        assertThat(topicConfig(state).get("cleanup.policy").value()).isEqualTo("compact");
        assertThat(topicConfig(journal).get("retention.ms").value()).isEqualTo("-1");
    }

    @Test
    void refusesAGroupWhoseExistingTopicHasAnotherPartitionCountAndCreatesNothing() throws Exception {
        String commands = SharedKafka.uniqueName("commands");
        String events = SharedKafka.uniqueName("events");
        TopicProvisioner.ensure(admin, List.of(TopicSpec.of(commands, 2)));

        assertThatThrownBy(() -> TopicProvisioner.ensure(admin, List.of(
                new TopicSpec(commands, 4, Map.of(), "fold"),
                new TopicSpec(events, 4, Map.of(), "fold"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'fold'")
                .hasMessageContaining(commands + "=2 (exists)")
                .hasMessageContaining(events + "=4 (to create)");
        assertThat(admin.listTopics().names().get()).doesNotContain(events);
    }

    @Test
    void refusesAGroupSpecifiedWithDifferentCounts() {
        String a = SharedKafka.uniqueName("a");
        String b = SharedKafka.uniqueName("b");

        assertThatThrownBy(() -> TopicProvisioner.ensure(admin, List.of(
                new TopicSpec(a, 6, Map.of(), "g"), new TopicSpec(b, 3, Map.of(), "g"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(a + "=6")
                .hasMessageContaining(b + "=3");
    }

    @Test
    void anExistingTopicOutsideAGroupKeepsItsPartitionCount() {
        String dlq = SharedKafka.uniqueName("dlq");
        TopicProvisioner.ensure(admin, List.of(TopicSpec.of(dlq, 1)));

        assertThat(TopicProvisioner.ensure(admin, List.of(TopicSpec.of(dlq, 5)))).containsEntry(dlq, 1);
    }

    @Test
    void replicationFactorIsTheConfiguredOneElseAtMostThree() {
        // the shared broker is one node: min(3, 1)
        assertThat(TopicProvisioner.replicationFactor(admin, Optional.empty())).isEqualTo((short) 1);
        assertThat(TopicProvisioner.replicationFactor(admin, Optional.of(3))).isEqualTo((short) 3);
    }

    @Test
    void specsAreChecked() {
        assertThatThrownBy(() -> TopicSpec.of("has space", 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopicSpec.of("t", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new TopicSpec("t", 1, null, null).configs()).isEmpty();
    }

    private static Config topicConfig(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }
}
