package io.tollgate.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaTest {

    @TempDir
    Path tmp;

    @Test
    void aGivenDataDirectoryKeepsTopicsAndRecordsAcrossARestart() throws Exception {
        Path dataDir = tmp.resolve("kafka");
        String topic = SharedKafka.uniqueName("restart");

        try (EmbeddedKafka kafka = EmbeddedKafka.start(dataDir)) {
            try (Admin admin = admin(kafka)) {
                TopicProvisioner.ensure(admin, List.of(TopicSpec.of(topic, 1)));
            }
            produce(kafka, topic, "session-1", "committed");

            // a second broker on a directory in use fails and leaves this JVM (and the first broker) alive
            assertThatThrownBy(() -> EmbeddedKafka.start(dataDir))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            assertThat(consumeAll(kafka, topic)).containsExactly("session-1=committed");
        }
        assertThat(dataDir).isDirectory();

        try (EmbeddedKafka restarted = EmbeddedKafka.start(dataDir)) {
            assertThat(consumeAll(restarted, topic)).containsExactly("session-1=committed");
        }
    }

    @Test
    void withoutADataDirectoryTheTempDirectoryIsDeletedOnClose() throws Exception {
        EmbeddedKafka kafka = EmbeddedKafka.start(null);
        Path dataDir = kafka.dataDir();
        try {
            assertThat(kafka.bootstrapServers()).matches("127\\.0\\.0\\.1:\\d+");
            assertThat(Files.list(dataDir)).isNotEmpty();
        } finally {
            kafka.close();
        }
        assertThat(dataDir).doesNotExist();
        kafka.close();
    }

    private static Admin admin(EmbeddedKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static void produce(EmbeddedKafka kafka, String topic, String key, String value) throws Exception {
        Map<String, Object> config = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static List<String> consumeAll(EmbeddedKafka kafka, String topic) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            List<String> seen = new ArrayList<>();
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.key() + "=" + record.value());
                }
            }
            return seen;
        }
    }
}
