package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a worker (hook-caller, payment worker) consumes the journal: a {@link ConsumerLoop} over
 * checkout.events.v1 — a side effect per event at least once, many events in flight, offsets committed
 * only up to the first unfinished event of each partition — and the shape of the command a worker
 * reports back with.
 *
 * <p>Workers read the journal {@code read_uncommitted} ({@link KafkaClients#consumerOfFoldOutput}),
 * so an event from a fold transaction that later aborts is seen once as written and again when the
 * fold writes it anew. The same event id arriving again while this worker remembers it is not handled
 * twice: it completes when the first handling does.
 */
public final class JournalWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalWorker.class);
    /** Header the checkout fold puts on each journal record: the event's type, e.g. {@code CheckoutCommitted}. */
    public static final String EVENT_TYPE_HEADER = "tollgate.event-type";
    /** Event ids remembered for dedupe: comfortably more than one fold transaction's output. */
    static final int REMEMBERED_EVENTS = 50_000;

    /**
     * The worker's reaction to one event (a completed future for events it ignores), sending the event's
     * trace on (to the call it makes, in the report it writes): the trace of the record's
     * {@code traceparent} header, or a new one when it has none or an invalid one.
     */
    public interface Handler {
        CompletionStage<?> handle(CheckoutEvent event, TraceContext trace);
    }

    private static final CompletableFuture<?> DONE = CompletableFuture.completedFuture(null);

    private final String name;
    private final Deserializer<CheckoutEvent> events;
    private final Set<String> eventTypes;
    private final Handler handler;
    // touched by the loop's thread only
    private final Map<String, CompletableFuture<?>> handled = new LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<?>> eldest) {
            return size() > REMEMBERED_EVENTS;
        }
    };
    private final ConsumerLoop<byte[]> loop;

    /**
     * @param eventTypes the journal events the handler acts on; others are passed over undecoded
     *     (told apart by {@link #EVENT_TYPE_HEADER}; a record without it is decoded and handed over)
     */
    public JournalWorker(String name, Topic<String, CheckoutEvent> journal, Map<String, Object> consumerConfig,
            Set<Class<?>> eventTypes, Handler handler, int maxInFlight) {
        this.name = name;
        this.handler = handler;
        this.eventTypes = eventTypes.stream().map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());
        this.events = journal.valueSerde().deserializer();
        this.loop = new ConsumerLoop<>(name, List.of(journal.name()),
                new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer()),
                record -> wanted(record) ? once(record) : DONE, ConsumerLoop.Partitions.NONE, maxInFlight);
    }

    /**
     * A worker's report on a journal event, for the command log: the event's session, agency and
     * merchant. {@code commandId} must derive from the event, so that the report of a redelivered
     * event is a duplicate the fold drops. It carries the trace on ({@code trace_id}; send it with
     * {@link CommandLog#append(Object, Object, TraceContext)}).
     */
    public static CheckoutCommand report(CheckoutEvent event, TraceContext trace, String commandId, String actor, Instant issuedAt,
            Object payload) {
        return CheckoutCommand.newBuilder().setCommandId(commandId)
                .setSessionId(event.getSessionId()).setAgencyId(event.getAgencyId()).setMerchantId(event.getMerchantId())
                .setIssuedAt(issuedAt).setActor(actor).setTraceId(trace == null ? null : trace.traceId()).setPayload(payload).build();
    }

    /** Binds the consumer's client metrics (fetch lag per partition among them); close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return loop.bindMetrics(registry);
    }

    public JournalWorker start() {
        loop.start();
        return this;
    }

    private boolean wanted(ConsumerRecord<String, byte[]> record) {
        Header type = record.headers().lastHeader(EVENT_TYPE_HEADER);
        return record.value() != null && (type == null || eventTypes.contains(new String(type.value(), StandardCharsets.UTF_8)));
    }

    /**
     * The handling of this event, started now unless its id already was (an event written again
     * after an abort). A record that does not decode is passed over and counts as done, so the
     * offsets behind it can be committed: one bad record must not stop every session.
     */
    private CompletionStage<?> once(ConsumerRecord<String, byte[]> record) {
        CheckoutEvent event;
        try {
            event = events.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            log.error("undecodable record skipped reader={} topic={} partition={} offset={} error={}", name, record.topic(),
                    record.partition(), record.offset(), String.valueOf(e));
            return DONE;
        }
        CompletableFuture<?> earlier = handled.get(event.getEventId());
        if (earlier != null) {
            return earlier;
        }
        CompletableFuture<?> done = safely(record.key(), event, TraceContext.of(record.headers()).orElseGet(TraceContext::start));
        handled.put(event.getEventId(), done);
        return done;
    }

    private CompletableFuture<?> safely(String key, CheckoutEvent event, TraceContext trace) {
        try (LogFields.Scope fields = LogFields.of(key, event.getAgencyId(), event.getMerchantId(), trace)) {
            return handler.handle(event, trace).toCompletableFuture();
        }
    }

    @Override
    public void close() {
        loop.close();
    }
}
