package io.tollgate.payment;

import static org.awaitility.Awaitility.await;

import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.schema.CheckoutCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The commands topic read from its start, each command decoded as the fold reads it and kept as the bytes
 * Kafka stores, so tests can check that nothing secret is in clear.
 */
final class CommandTail implements AutoCloseable {

    record Stored(CheckoutCommand command, byte[] bytes) {}

    private final String topic;
    private final Deserializer<CheckoutCommand> decoder;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<Stored> stored = new ArrayList<>();

    CommandTail(Topic<String, CheckoutCommand> commands) {
        this.topic = commands.name();
        this.decoder = commands.valueSerde().deserializer();
        this.consumer = new KafkaConsumer<>(new KafkaClients(SharedKafka.bootstrapServers())
                .consumer(SharedKafka.uniqueName("command-tail"), null), new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Every command appended so far, in each partition's order. */
    synchronized List<Stored> stored() {
        Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!end.isEmpty()) {
            if (System.nanoTime() > until) {
                throw new IllegalStateException("could not read " + topic + " to its end");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
                stored.add(new Stored(decoder.deserialize(topic, record.value()), record.value()));
            }
            end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
        }
        return List.copyOf(stored);
    }

    List<CheckoutCommand> commands() {
        return stored().stream().map(Stored::command).toList();
    }

    /** Waits until at least {@code count} commands are in, and returns them all. */
    List<CheckoutCommand> awaitAtLeast(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> stored().size() >= count);
        return commands();
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
