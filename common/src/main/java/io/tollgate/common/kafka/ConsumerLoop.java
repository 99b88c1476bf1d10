package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How Tollgate's workers consume (the hook-caller and payment worker the journal, the webhook
 * dispatcher the order events): a consumer group, read_committed, a side effect per record at least
 * once, many records in flight at a time so one slow call never blocks the others, and offsets
 * committed only up to the first unfinished record of each partition — so a crash redoes work (safe:
 * every side effect is keyed by a deterministic id) but never skips it. A record that does not decode
 * is passed over (logged), and so is one whose work fails: a bug or an outage of Kafka itself must not
 * stall its partition for good.
 *
 * @param <V> the records' values
 */
public final class ConsumerLoop<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConsumerLoop.class);
    private static final Duration COMMIT_EVERY = Duration.ofMillis(100);

    /** The work of one record; a completed future for records it ignores. */
    public interface Handler<V> {
        CompletionStage<?> handle(ConsumerRecord<String, V> record);
    }

    /** What the worker does as partitions come and go, on the loop's thread (before any record of a new one). */
    public interface Partitions {
        Partitions NONE = new Partitions() { };

        default void assigned(Collection<TopicPartition> partitions) {
        }

        /** Called after what is finished has been committed. */
        default void revoked(Collection<TopicPartition> partitions) {
        }
    }

    private final String name;
    private final List<String> topics;
    private final KafkaConsumer<String, V> consumer;
    private final Handler<V> handler;
    private final Partitions partitions;
    private final int maxInFlight;
    private final CompletedOffsets inFlight = new CompletedOffsets();
    private final Thread thread;
    private volatile boolean running = true;
    private long lastCommit;

    /** Takes ownership of the consumer: {@link #close()} closes it. */
    public ConsumerLoop(String name, List<String> topics, KafkaConsumer<String, V> consumer, Handler<V> handler,
            Partitions partitions, int maxInFlight) {
        this.name = name;
        this.topics = List.copyOf(topics);
        this.consumer = consumer;
        this.handler = handler;
        this.partitions = partitions;
        this.maxInFlight = maxInFlight;
        this.thread = new Thread(this::run, name);
    }

    /** Binds the consumer's client metrics (fetch lag per partition among them); close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(consumer, registry);
    }

    public ConsumerLoop<V> start() {
        thread.start();
        return this;
    }

    private void run() {
        consumer.subscribe(topics, new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
                commitCompleted(true);
                inFlight.forget(revoked);
                partitions.revoked(revoked);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
                partitions.assigned(assigned);
            }
        });
        try {
            while (running) {
                for (ConsumerRecord<String, V> record : UndecodableRecords.poll(consumer, Duration.ofMillis(20), name,
                        inFlight::skip)) {
                    inFlight.add(new TopicPartition(record.topic(), record.partition()), record.offset(), safely(record));
                }
                applyBackpressure();
                if (System.currentTimeMillis() - lastCommit >= COMMIT_EVERY.toMillis()) {
                    commitCompleted(false);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("worker stopped worker={}", name, e);
        } finally {
            try {
                commitCompleted(true);
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }
    }

    private CompletableFuture<?> safely(ConsumerRecord<String, V> record) {
        try {
            return handler.handle(record).toCompletableFuture().exceptionally(e -> {
                // Handlers report their own failures; an exception here is a bug or an outage of Kafka
                // itself. Log it; the offset still advances so one poison record cannot stall the partition.
                log.error("handler failed worker={} topic={} partition={} offset={} key={}", name, record.topic(),
                        record.partition(), record.offset(), record.key(), e);
                return null;
            });
        } catch (RuntimeException e) {
            log.error("handler threw worker={} topic={} partition={} offset={} key={}", name, record.topic(),
                    record.partition(), record.offset(), record.key(), e);
            return CompletableFuture.completedFuture(null);
        }
    }

    private void applyBackpressure() {
        if (inFlight.pending() >= maxInFlight) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void commitCompleted(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = inFlight.committable();
        lastCommit = System.currentTimeMillis();
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, (o, e) -> {
                if (e != null) {
                    log.warn("offset commit failed worker={}", name, e);
                }
            });
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(15_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
