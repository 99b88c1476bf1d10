package io.tollgate.common.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The newest records of one key of a log-like topic, read on request backwards from the end of the
 * key's partition, a chunk at a time. For a history that is asked for now and then (a merchant's
 * recent hook calls) on a topic written all the time: nothing is read, decoded or kept between
 * requests, so it costs nothing while traffic flows and start-up does not grow with it. The topic's
 * records must be keyed as the producer's default partitioner places them.
 */
public final class KeyedTail<V> implements AutoCloseable {
    private final Topic<String, V> topic;
    private final Deserializer<V> values;
    private final Map<String, Object> consumerConfig;
    private final int chunk;
    private final long maxScanned;
    private KafkaConsumer<byte[], byte[]> consumer;

    /**
     * @param chunk records read per step back
     * @param maxScanned the most records one request reads before it answers with what it found
     */
    public KeyedTail(Topic<String, V> topic, Map<String, Object> consumerConfig, int chunk, long maxScanned) {
        this.topic = topic;
        this.values = topic.valueSerde().deserializer();
        this.consumerConfig = Map.copyOf(consumerConfig);
        this.chunk = chunk;
        this.maxScanned = maxScanned;
    }

    /** Up to {@code n} of the key's newest records, oldest first, and whether older ones may exist. */
    public record Tail<V>(List<V> records, boolean more) {
    }

    public synchronized Tail<V> newest(String key, int n) {
        KafkaConsumer<byte[], byte[]> c = consumer();
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        TopicPartition partition = new TopicPartition(topic.name(),
                Utils.toPositive(Utils.murmur2(keyBytes)) % c.partitionsFor(topic.name()).size());
        c.assign(List.of(partition));
        long begin = c.beginningOffsets(List.of(partition)).get(partition);
        long end = c.endOffsets(List.of(partition)).get(partition);
        Deque<V> found = new ArrayDeque<>();
        long upTo = end;
        long scanned = 0;
        while (found.size() < n && upTo > begin && scanned < maxScanned) {
            long from = Math.max(begin, upTo - chunk);
            List<V> step = new ArrayList<>();
            c.seek(partition, from);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (c.position(partition) < upTo && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(200))) {
                    if (record.offset() < upTo && record.value() != null && Arrays.equals(keyBytes, record.key())) {
                        step.add(values.deserialize(record.topic(), record.headers(), record.value()));
                    }
                }
            }
            for (int i = step.size() - 1; i >= 0 && found.size() < n; i--) {
                found.addFirst(step.get(i));
            }
            scanned += upTo - from;
            upTo = from;
        }
        return new Tail<>(List.copyOf(found), upTo > begin);
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        if (consumer == null) {
            Properties props = new Properties();
            props.putAll(consumerConfig);
            props.remove(ConsumerConfig.GROUP_ID_CONFIG);
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }
        return consumer;
    }

    @Override
    public synchronized void close() {
        if (consumer != null) {
            consumer.close(Duration.ofSeconds(2));
        }
    }
}
