package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig.InvalidConfigException;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * Access to a running Tollgate cluster for the operator's tools (audit, replay, dlq): what the topics
 * held when asked (every partition read to the end offsets seen at start, committed records only),
 * decoded with the schemas the registry holds — the Confluent-API one, or the in-process registry's
 * own storage topic. Records that do not decode are counted, not fatal: an audit must see past them.
 * It only reads; a tool that writes (dlq resend) makes its producer from {@link #clients()}.
 */
public final class ClusterReader implements AutoCloseable {
    /**
     * The audit tools neither decrypt nor serve anything, so they need no master key: the layer under
     * the file turns dev mode on (which only waives that requirement here), as demo and up do.
     */
    static final Map<String, String> DEFAULTS = DemoCommand.DEFAULTS;

    /** A decoded record, or the reason it could not be decoded. */
    public record Read<V>(ConsumerRecord<String, byte[]> record, V value, String undecodable) {
    }

    private final Resources resources = new Resources();
    private final KafkaClients kafka;
    private final Topics topics;

    private ClusterReader(TollgateConfig config, String topicPrefix) {
        String bootstrap = config.bootstrapServers().orElseThrow(() -> new InvalidConfigException(TollgateConfig.Setting.BOOTSTRAP_SERVERS,
                "this command reads a running cluster: set TOLLGATE_BOOTSTRAP_SERVERS or --bootstrap-servers "
                        + "(tollgate up's ready file has them)"));
        this.kafka = new KafkaClients(bootstrap);
        SchemaRegistryClient registry = TollgateStack.schemaRegistry(config, bootstrap, resources);
        this.topics = new Topics(registry, config.partitions(), topicPrefix);
    }

    public static ClusterReader connect(TollgateConfig config) {
        return connect(config, "");
    }

    /** With every topic name prefixed, as {@link Topics} allows: tests keep their own topics on a shared broker. */
    static ClusterReader connect(TollgateConfig config, String topicPrefix) {
        return new ClusterReader(config, topicPrefix);
    }

    public Topics topics() {
        return topics;
    }

    /** The cluster's client settings, for a tool that writes. */
    KafkaClients clients() {
        return kafka;
    }

    /** Every committed record of the topic, partition by partition, in log order within each. */
    public <V> List<Read<V>> readAll(Topic<String, V> topic) {
        return read(topic, null);
    }

    /** The committed records of the one partition the default partitioner puts {@code key} on. */
    <V> List<Read<V>> readPartitionOf(Topic<String, V> topic, String key) {
        return read(topic, key);
    }

    /** How many partitions the topic has. */
    int partitions(Topic<String, ?> topic) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            return consumer.partitionsFor(topic.name(), Duration.ofSeconds(30)).size();
        }
    }

    /**
     * One partition read as it is iterated, from its start to the end offset it had when this was
     * called (committed records only), holding one poll's worth of records at a time. Close it, or
     * read it to the end, to release its consumer.
     */
    <V> Cursor<V> cursor(Topic<String, V> topic, int partition) {
        return new Cursor<>(topic, new TopicPartition(topic.name(), partition));
    }

    /** A partition's records in log order, decoded as they are reached. */
    final class Cursor<V> implements Iterator<Read<V>>, AutoCloseable {
        private final Topic<String, V> topic;
        private final KafkaConsumer<String, byte[]> consumer = consumer();
        private final TopicPartition partition;
        private final long end;
        private Iterator<ConsumerRecord<String, byte[]>> batch = Collections.emptyIterator();

        private Cursor(Topic<String, V> topic, TopicPartition partition) {
            this.topic = topic;
            this.partition = partition;
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            this.end = consumer.endOffsets(List.of(partition)).get(partition);
        }

        @Override
        public boolean hasNext() {
            while (!batch.hasNext()) {
                if (consumer.position(partition) >= end) {
                    close();
                    return false;
                }
                List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (r.offset() < end) {
                        records.add(r);
                    }
                });
                batch = records.iterator();
            }
            return true;
        }

        @Override
        public Read<V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return decode(topic, batch.next());
        }

        @Override
        public void close() {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    private static <V> Read<V> decode(Topic<String, V> topic, ConsumerRecord<String, byte[]> record) {
        try {
            return new Read<>(record, record.value() == null ? null : topic.valueSerde().deserializer().deserialize(topic.name(),
                    record.value()), null);
        } catch (RuntimeException e) {
            return new Read<>(record, null, e.toString());
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties props = new Properties();
        props.putAll(kafka.consumer("tollgate-audit", null));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private <V> List<Read<V>> read(Topic<String, V> topic, String keyOrNull) {
        List<Read<V>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic.name(), Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            if (keyOrNull != null) {
                int partition = Utils.toPositive(Utils.murmur2(keyOrNull.getBytes(StandardCharsets.UTF_8))) % partitions.size();
                partitions.removeIf(p -> p.partition() != partition);
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> remaining = new HashMap<>(consumer.endOffsets(partitions));
            while (true) {
                remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                if (remaining.isEmpty()) {
                    break;
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (keyOrNull != null && !keyOrNull.equals(record.key())) {
                        continue;
                    }
                    out.add(decode(topic, record));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        resources.close();
    }
}
