package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.trace.TraceContext;
import java.util.List;
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
        return send(new ProducerRecord<>(topic.name(), key, command));
    }

    /** Appends with the trace it continues as the record's {@code traceparent} header. */
    public CompletableFuture<RecordMetadata> append(String key, V command, TraceContext trace) {
        return send(new ProducerRecord<>(topic.name(), null, key, command, List.of(trace.header())));
    }

    private CompletableFuture<RecordMetadata> send(ProducerRecord<String, V> record) {
        CompletableFuture<RecordMetadata> done = new CompletableFuture<>();
        producer.send(record, (metadata, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(metadata);
            }
        });
        return done;
    }

    /** Binds the producer's client metrics; close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(producer, registry);
    }

    public Topic<String, V> topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close();
    }
}
