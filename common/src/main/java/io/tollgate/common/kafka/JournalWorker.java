package io.tollgate.common.kafka;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * How a worker (hook-caller, payment worker) consumes the journal: a {@link ConsumerLoop} over
 * checkout.events.v1 — at least once, many events in flight, offsets committed only up to the first
 * unfinished event of each partition — and the shape of the command a worker reports back with.
 */
public final class JournalWorker implements AutoCloseable {

    /** The worker's reaction to one event: a completed future for events it ignores. */
    public interface Handler {
        CompletionStage<?> handle(CheckoutEvent event);
    }

    private final ConsumerLoop<CheckoutEvent> loop;

    public JournalWorker(String name, Topic<String, CheckoutEvent> journal, Map<String, Object> consumerConfig,
            Handler handler, int maxInFlight) {
        this.loop = new ConsumerLoop<>(name, List.of(journal.name()), new KafkaConsumer<>(consumerConfig,
                journal.keySerde().deserializer(), journal.valueSerde().deserializer()),
                record -> handler.handle(record.value()), ConsumerLoop.Partitions.NONE, maxInFlight);
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
        loop.start();
        return this;
    }

    @Override
    public void close() {
        loop.close();
    }
}
