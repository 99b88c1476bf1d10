package io.tollgate.common.kafka;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import java.time.Duration;
import java.time.Instant;
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
 * How a worker (hook-caller, payment worker) consumes the journal: read_committed, a side effect
 * per event at least once, many events in flight at a time so one slow call never blocks the
 * others, and offsets committed only up to the first unfinished event of each partition — so a
 * crash redoes work (safe: every side effect is keyed by a deterministic id) but never skips it.
 */
public final class JournalWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalWorker.class);
    private static final Duration COMMIT_EVERY = Duration.ofMillis(100);

    /** The worker's reaction to one event: a completed future for events it ignores. */
    public interface Handler {
        CompletionStage<?> handle(CheckoutEvent event);
    }

    private final String name;
    private final Topic<String, CheckoutEvent> journal;
    private final KafkaConsumer<String, CheckoutEvent> consumer;
    private final Handler handler;
    private final int maxInFlight;
    private final CompletedOffsets inFlight = new CompletedOffsets();
    private final Thread thread;
    private volatile boolean running = true;
    private long lastCommit;

    public JournalWorker(String name, Topic<String, CheckoutEvent> journal, Map<String, Object> consumerConfig,
            Handler handler, int maxInFlight) {
        this.name = name;
        this.journal = journal;
        this.handler = handler;
        this.maxInFlight = maxInFlight;
        this.consumer = new KafkaConsumer<>(consumerConfig, journal.keySerde().deserializer(), journal.valueSerde().deserializer());
        this.thread = new Thread(this::run, name);
    }

    /**
     * A worker's report on a journal event, for the command log: the event's session, agency and
     * merchant. {@code commandId} must derive from the event, so that the report of a redelivered
     * event is a duplicate the fold drops.
     */
    public static CheckoutCommand report(CheckoutEvent event, String commandId, String actor, Instant issuedAt, Object payload) {
        return CheckoutCommand.newBuilder().setCommandId(commandId)
                .setSessionId(event.getSessionId()).setAgencyId(event.getAgencyId()).setMerchantId(event.getMerchantId())
                .setIssuedAt(issuedAt).setActor(actor).setTraceId(null).setPayload(payload).build();
    }

    public JournalWorker start() {
        thread.start();
        return this;
    }

    private void run() {
        consumer.subscribe(List.of(journal.name()), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commitCompleted(true);
                inFlight.forget(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                // nothing to set up: work is tracked as it is taken on
            }
        });
        try {
            while (running) {
                // A journal event that does not decode is passed over (and counts as done, so the
                // offsets behind it can be committed): one bad record must not stop every session.
                for (ConsumerRecord<String, CheckoutEvent> record : UndecodableRecords.poll(consumer, Duration.ofMillis(20), name,
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

    private CompletableFuture<?> safely(ConsumerRecord<String, CheckoutEvent> record) {
        try {
            return handler.handle(record.value()).toCompletableFuture().exceptionally(e -> {
                // Handlers report their own failures as commands; an exception here is a bug or an
                // outage of Kafka itself. Log it; the offset still advances so one poison event
                // cannot stall the partition forever.
                log.error("handler failed worker={} session_id={} event_id={}", name, record.key(),
                        record.value() == null ? null : record.value().getEventId(), e);
                return null;
            });
        } catch (RuntimeException e) {
            log.error("handler threw worker={} session_id={}", name, record.key(), e);
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
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
