package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.SessionState;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry's storage on a real broker: what one registry assigned, the next one finds. */
@ExtendWith(SharedKafka.class)
class KafkaSchemaLogTest {
    private static final Schema REJECTION = Rejection.getClassSchema();
    private static final Schema STATE = SessionState.getClassSchema();
    private static final Schema COMMAND = CheckoutCommand.getClassSchema();

    private final String topic = SharedKafka.uniqueName("_tollgate_schemas");

    @Test
    void idsVersionsAndSettingsSurviveARestartOfTheRegistry() {
        Rejection rejection = Rejection.newBuilder().setCommandId("c1").setCode("dup").setMessage("seen").build();
        byte[] written;
        int rejectionId;
        int stateId;
        try (KafkaSchemaLog log = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic);
             SchemaRegistryServer server = SchemaRegistryServer.start(new InMemorySchemaRegistry(log))) {
            written = serde(server).serializer().serialize("rejections.v1", rejection);
            rejectionId = server.registry().latest("rejections.v1-value").id();
            stateId = server.registry().register("checkout.session-state.v1-value", STATE);
            server.registry().setCompatibility("checkout.session-state.v1-value", "FULL");
        }

        try (KafkaSchemaLog log = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic);
             SchemaRegistryServer restarted = SchemaRegistryServer.start(new InMemorySchemaRegistry(log))) {
            InMemorySchemaRegistry registry = restarted.registry();

            assertThat(new RestSchemaRegistryClient(restarted.url()).schemaById(rejectionId)).isEqualTo(REJECTION);
            assertThat(serde(restarted).deserializer().deserialize("rejections.v1", written)).isEqualTo(rejection);
            assertThat(registry.register("checkout.session-state.v1-value", STATE)).isEqualTo(stateId);
            assertThat(registry.versions("checkout.session-state.v1-value")).containsExactly(1);
            assertThat(registry.compatibilityOf("checkout.session-state.v1-value")).isEqualTo("FULL");
            assertThat(registry.register("checkout.commands.v1-value", COMMAND)).isGreaterThan(Math.max(rejectionId, stateId));
        }
    }

    @Test
    void createsTheTopicCompactedWithOnePartition() throws Exception {
        try (KafkaSchemaLog log = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic); Admin admin = SharedKafka.admin()) {
            assertThat(log.topic()).isEqualTo(topic);
            assertThat(admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(1);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config config = admin.describeConfigs(Set.of(resource)).all().get().get(resource);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
    }

    @Test
    void entriesAreKeyedLikeConfluentsSchemasTopic() throws Exception {
        try (KafkaSchemaLog log = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic)) {
            InMemorySchemaRegistry registry = new InMemorySchemaRegistry(log);
            int id = registry.register("rejections.v1-value", REJECTION);
            registry.setCompatibility(null, "BACKWARD");

            List<ConsumerRecord<String, String>> records = readRaw(2);
            ObjectMapper json = new ObjectMapper();
            JsonNode schemaKey = json.readTree(records.get(0).key());
            JsonNode schemaValue = json.readTree(records.get(0).value());
            assertThat(schemaKey.toString()).isEqualTo("{\"keytype\":\"SCHEMA\",\"subject\":\"rejections.v1-value\",\"version\":1,\"magic\":1}");
            assertThat(schemaValue.get("id").asInt()).isEqualTo(id);
            assertThat(schemaValue.get("subject").asText()).isEqualTo("rejections.v1-value");
            assertThat(new Schema.Parser().parse(schemaValue.get("schema").asText())).isEqualTo(REJECTION);
            assertThat(records.get(1).key()).isEqualTo("{\"keytype\":\"CONFIG\",\"subject\":null,\"magic\":0}");
            assertThat(records.get(1).value()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD\"}");
        }
    }

    @Test
    void twoRegistriesOnOneTopicSeeEachOthersIdsAndDoNotReuseThem() {
        try (KafkaSchemaLog first = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic);
             KafkaSchemaLog second = new KafkaSchemaLog(SharedKafka.bootstrapServers(), topic)) {
            InMemorySchemaRegistry a = new InMemorySchemaRegistry(first);
            InMemorySchemaRegistry b = new InMemorySchemaRegistry(second);

            int rejectionId = a.register("rejections.v1-value", REJECTION);

            assertThat(b.schemaById(rejectionId)).isEqualTo(REJECTION);
            int stateId = b.register("checkout.session-state.v1-value", STATE);
            assertThat(stateId).isNotEqualTo(rejectionId);
            assertThat(a.latest("checkout.session-state.v1-value").id()).isEqualTo(stateId);
        }
    }

    @Test
    void refusesATopicThatWouldLoseOrReorderSchemas() throws Exception {
        String spread = SharedKafka.uniqueName("schemas-spread");
        String expiring = SharedKafka.uniqueName("schemas-expiring");
        try (Admin admin = SharedKafka.admin()) {
            admin.createTopics(List.of(
                    new NewTopic(spread, Optional.of(3), Optional.empty())
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "compact")),
                    new NewTopic(expiring, Optional.of(1), Optional.empty())
                            .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, "delete")))).all().get();
        }

        assertThatThrownBy(() -> new KafkaSchemaLog(SharedKafka.bootstrapServers(), spread))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("3 partitions");
        assertThatThrownBy(() -> new KafkaSchemaLog(SharedKafka.bootstrapServers(), expiring))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cleanup.policy=delete");
    }

    private static AvroSerde<Rejection> serde(SchemaRegistryServer server) {
        AvroSerde<Rejection> serde = new AvroSerde<>(Rejection.class);
        serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
        return serde;
    }

    private List<ConsumerRecord<String, String>> readRaw(int count) {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of("bootstrap.servers", SharedKafka.bootstrapServers()), new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<String, String>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (records.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(records).hasSize(count);
            return records;
        }
    }
}
