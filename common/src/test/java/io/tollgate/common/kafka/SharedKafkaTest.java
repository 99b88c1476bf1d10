package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class SharedKafkaTest {

    @Test
    void everyCallerGetsTheSameRunningBroker() throws Exception {
        assertThat(SharedKafka.bootstrapServers()).isEqualTo(SharedKafka.bootstrapServers());
        try (Admin admin = SharedKafka.admin()) {
            assertThat(admin.describeCluster().nodes().get()).hasSize(1);
        }
    }

    @Test
    void uniqueNamesDifferAndAreLegalTopicNames() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            names.add(SharedKafka.uniqueName("orders.v1"));
        }

        assertThat(names).hasSize(1000).allSatisfy(name -> assertThat(name).matches("orders\\.v1-[0-9a-f]{12}"));
        assertThatThrownBy(() -> SharedKafka.uniqueName("bad/prefix")).isInstanceOf(IllegalArgumentException.class);
    }
}
