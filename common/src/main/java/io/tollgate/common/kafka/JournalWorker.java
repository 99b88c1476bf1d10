package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a worker (hook-caller, payment worker) consumes the journal: a side effect per event at least
 * once, many events in flight at a time so one slow call never blocks the others, and offsets
 * committed only up to the first unfinished event of each partition — so a crash redoes work (safe:
 * every side effect is keyed by a deterministic id) but never skips it.
 *
 * <p>Workers read the journal {@code read_uncommitted} ({@link KafkaClients#consumerOfFoldOutput}),
 * so an event from a fold transaction that later aborts is seen once as written and again when the
 * fold writes it anew. The same event id arriving again while this worker remembers it is not handled
 * twice: it completes when the first handling does.
 */
public final class JournalWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(JournalWorker.class);
    private static final Duration COMMIT_EVERY = Duration.ofMillis(100);
    /** Header the checkout fold puts on each journal record: the event's type, e.g. {@code CheckoutCommitted}. */
    public static final String EVENT_TYPE_HEADER = "tollgate.event-type";
    /** Event ids remembered for dedupe: comfortably more than one fold transaction's output. */
    static final int REMEMBERED_EVENTS = 50_000;

    /** The worker's reaction to one event: a completed future for events it ignores. */
    public interface Handler {
        CompletionStage<?> handle(CheckoutEvent event);
    }

    /**
     * A reaction that sends the event's trace on (to the call it makes, in the report it writes): the
     * trace of the record's {@code traceparent} header, or a new one when it has none or an invalid one.
     */
    public interface TracedHandler {
        CompletionStage<?> handle(CheckoutEvent event, TraceContext trace);
    }

    private record InFlight(long offset, CompletableFuture<?> done) {
    }

    private static final CompletableFuture<?> DONE = CompletableFuture.completedFuture(null);

    private final String name;
    private final Topic<String, CheckoutEvent> journal;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<CheckoutEvent> events;
    private final Set<String> eventTypes;
    private final TracedHandler handler;
    private final int maxInFlight;
    private final Map<TopicPartition, Deque<InFlight>> inFlight = new HashMap<>();
    private final Map<String, CompletableFuture<?>> handled = new java.util.LinkedHashMap<>(1024, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, CompletableFuture<?>> eldest) {
            return size() > REMEMBERED_EVENTS;
        }
    };
    private final Thread thread;
    private volatile boolean running = true;
    private long lastCommit;

    /**
     * @param eventTypes the journal events the handler acts on; others are passed over undecoded
     *     (told apart by {@link #EVENT_TYPE_HEADER}; a record without it is decoded and handed over)
     */
    public JournalWorker(String name, Topic<String, CheckoutEvent> journal, Map<String, Object> consumerConfig,
            Set<Class<?>> eventTypes, Handler handler, int maxInFlight) {
        this(name, journal, consumerConfig, eventTypes, (TracedHandler) (event, trace) -> handler.handle(event), maxInFlight);
    }

    public JournalWorker(String name, Topic<String, CheckoutEvent> journal, Map<String, Object> consumerConfig,
            Set<Class<?>> eventTypes, TracedHandler handler, int maxInFlight) {
        this.name = name;
        this.journal = journal;
        this.handler = handler;
        this.maxInFlight = maxInFlight;
        this.eventTypes = eventTypes.stream().map(Class::getSimpleName).collect(Collectors.toUnmodifiableSet());
        this.events = journal.valueSerde().deserializer();
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, name);
    }

    /**
     * A worker's report on a journal event, for the command log: the event's session, agency and
     * merchant. {@code commandId} must derive from the event, so that the report of a redelivered
     * event is a duplicate the fold drops.
     */
    public static CheckoutCommand report(CheckoutEvent event, String commandId, String actor, Instant issuedAt, Object payload) {
        return report(event, null, commandId, actor, issuedAt, payload);
    }

    /** The same, carrying the trace on ({@code trace_id}; send it with {@link CommandLog#append(Object, Object, TraceContext)}). */
    public static CheckoutCommand report(CheckoutEvent event, TraceContext trace, String commandId, String actor, Instant issuedAt,
            Object payload) {
        return CheckoutCommand.newBuilder().setCommandId(commandId)
                .setSessionId(event.getSessionId()).setAgencyId(event.getAgencyId()).setMerchantId(event.getMerchantId())
                .setIssuedAt(issuedAt).setActor(actor).setTraceId(trace == null ? null : trace.traceId()).setPayload(payload).build();
    }

    /** Binds the consumer's client metrics (fetch lag per partition among them); close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(consumer, registry);
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
                partitions.forEach(inFlight::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                partitions.forEach(p -> inFlight.put(p, new ArrayDeque<>()));
            }
        });
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    inFlight.computeIfAbsent(partition, p -> new ArrayDeque<>())
                            .add(new InFlight(record.offset(), wanted(record) ? once(record) : DONE));
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

    private boolean wanted(ConsumerRecord<String, byte[]> record) {
        Header type = record.headers().lastHeader(EVENT_TYPE_HEADER);
        return record.value() != null && (type == null || eventTypes.contains(new String(type.value(), StandardCharsets.UTF_8)));
    }

    /**
     * The handling of this event, started now unless its id already was (an event written again
     * after an abort). A record that does not decode is passed over and counts as done, so the
     * offsets behind it can be committed: one bad record must not stop every session.
     */
    private CompletableFuture<?> once(ConsumerRecord<String, byte[]> record) {
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
            return handler.handle(event, trace).toCompletableFuture().exceptionally(e -> {
                // Handlers report their own failures as commands; an exception here is a bug or an
                // outage of Kafka itself. Log it; the offset still advances so one poison event
                // cannot stall the partition forever.
                log.error("handler failed worker={} session_id={} event_id={}", name, key, event.getEventId(), e);
                return null;
            });
        } catch (RuntimeException e) {
            log.error("handler threw worker={} session_id={}", name, key, e);
            return DONE;
        }
    }

    private void applyBackpressure() {
        int pending = inFlight.values().stream().mapToInt(Deque::size).sum();
        if (pending >= maxInFlight) {
            consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
            consumer.resume(consumer.paused());
        }
    }

    private void commitCompleted(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        inFlight.forEach((partition, queue) -> {
            Long next = null;
            while (!queue.isEmpty() && queue.peekFirst().done().isDone()) {
                next = queue.pollFirst().offset() + 1;
            }
            if (next != null) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        });
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
