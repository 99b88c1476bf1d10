package io.tollgate.webhooks;

import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.UndecodableRecords;
import io.tollgate.schema.OrderEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads order events back for a replay: one partition of order.events.v1 from the first record at or
 * after {@code since} to the end as it stands, keeping those that occurred in the window and match.
 * On a thread of its own, so a long replay never holds up the dispatcher's consumer.
 */
final class OrderEventReplay implements AutoCloseable {
    private final Topic<String, OrderEvent> orderEvents;
    private final Map<String, Object> consumerConfig;
    private final ExecutorService reader = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "webhook-replay");
        thread.setDaemon(true);
        return thread;
    });

    OrderEventReplay(Topic<String, OrderEvent> orderEvents, Map<String, Object> consumerConfig) {
        this.orderEvents = orderEvents;
        this.consumerConfig = consumerConfig;
    }

    CompletableFuture<List<OrderEvent>> matching(int partition, Instant since, Instant until, Predicate<OrderEvent> wanted) {
        return CompletableFuture.supplyAsync(() -> read(partition, since, until, wanted), reader);
    }

    private List<OrderEvent> read(int partition, Instant since, Instant until, Predicate<OrderEvent> wanted) {
        TopicPartition tp = new TopicPartition(orderEvents.name(), partition);
        List<OrderEvent> found = new ArrayList<>();
        try (KafkaConsumer<String, OrderEvent> consumer = new KafkaConsumer<>(Readers.named(consumerConfig, partition),
                orderEvents.keySerde().deserializer(), orderEvents.valueSerde().deserializer())) {
            consumer.assign(List.of(tp));
            OffsetAndTimestamp from = consumer.offsetsForTimes(Map.of(tp, since.toEpochMilli())).get(tp);
            if (from == null) {
                return found;
            }
            consumer.seek(tp, from.offset());
            long end = consumer.endOffsets(List.of(tp)).get(tp);
            while (consumer.position(tp) < end) {
                for (ConsumerRecord<String, OrderEvent> record : UndecodableRecords.poll(consumer, Duration.ofMillis(200),
                        "webhook-replay", (p, offset) -> { })) {
                    OrderEvent event = record.value();
                    if (event != null && !event.getOccurredAt().isBefore(since) && !event.getOccurredAt().isAfter(until)
                            && wanted.test(event)) {
                        found.add(event);
                    }
                }
            }
        }
        return found;
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }
}
