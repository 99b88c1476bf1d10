package io.tollgate.common.kafka;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Appends commands to a command topic (idempotent producer, acks=all): the only way any Tollgate
 * component asks for a change. The future completes when the command is durable in Kafka.
 */
public final class CommandLog<V> implements AutoCloseable {
    private final Topic<String, V> topic;
    private final KafkaProducer<String, V> producer;

    public CommandLog(Topic<String, V> topic, Map<String, Object> producerConfig) {
        this.topic = topic;
        this.producer = new KafkaProducer<>(producerConfig, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    public CompletableFuture<RecordMetadata> append(String key, V command) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(topic.name(), key, command), (metadata, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(metadata);
            }
        });
        return done;
    }

    public Topic<String, V> topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close();
    }
}
