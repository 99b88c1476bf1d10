package io.tollgate.webhooks;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.kafka.KafkaClientMeters;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.UndecodableRecords;
import io.tollgate.common.webhooks.DeliveryRecords;
import io.tollgate.schema.WebhookDelivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The delivery log (webhooks.deliveries.v1): every delivery as the dispatcher takes it on and after
 * each attempt, keyed by session id, in the partition of its order event — so the dispatcher that
 * owns partition {@code p} of order.events.v1 finds all its work in partition {@code p} here when it
 * starts or is given the partition.
 */
final class DeliveryLog implements AutoCloseable {
    private final Topic<String, WebhookDelivery> topic;
    private final KafkaProducer<String, WebhookDelivery> producer;

    DeliveryLog(Topic<String, WebhookDelivery> topic, Map<String, Object> producerConfig) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(producerConfig);
        // bounds how long a write may wait for metadata, so a send never blocks the dispatcher's thread for long
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        this.producer = new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer());
    }

    /**
     * Appends a delivery's state; completes once it is durable (acks=all).
     *
     * @param partition its order event's partition; null lets the key choose (test deliveries, which no
     *     dispatcher resumes)
     */
    CompletableFuture<Void> write(WebhookDelivery delivery, Integer partition) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic.name(), partition, delivery.getSessionId(), delivery), (metadata, error) -> {
                if (error != null) {
                    written.completeExceptionally(error);
                } else {
                    written.complete(null);
                }
            });
        } catch (KafkaException e) {
            written.completeExceptionally(e);
        }
        return written;
    }

    /**
     * Every delivery of one partition as its newest record stands, in the order they were first written: the
     * work a dispatcher takes over with the partition. Reads to the end offset seen at the start.
     */
    static List<WebhookDelivery> latest(Topic<String, WebhookDelivery> topic, Map<String, Object> consumerConfig, int partition) {
        TopicPartition tp = new TopicPartition(topic.name(), partition);
        Map<String, WebhookDelivery> byId = new LinkedHashMap<>();
        try (KafkaConsumer<String, WebhookDelivery> consumer = new KafkaConsumer<>(Readers.named(consumerConfig, partition),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<String, WebhookDelivery> record : UndecodableRecords.poll(consumer, Duration.ofMillis(200),
                        "webhook-delivery-log", (p, offset) -> { })) {
                    WebhookDelivery delivery = record.value();
                    if (delivery != null) {
                        WebhookDelivery known = byId.get(delivery.getDeliveryId());
                        if (known == null || DeliveryRecords.supersedes(delivery, known)) {
                            byId.put(delivery.getDeliveryId(), delivery);
                        }
                    }
                }
            }
        }
        return new ArrayList<>(byId.values());
    }

    /** Binds the producer's client metrics; close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(producer, registry);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
