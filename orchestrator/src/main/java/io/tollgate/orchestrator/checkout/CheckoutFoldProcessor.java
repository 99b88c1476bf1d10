package io.tollgate.orchestrator.checkout;

import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.kafka.JournalWorker;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.CreateSession;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link CheckoutFold} inside Kafka Streams: loads the session's state, folds the command, and
 * forwards the events, the new state and any order events — all in the task's exactly-once
 * transaction. Also keeps a due-time index and, on wall-clock punctuation, appends
 * {@code ExpireSession} commands for what is due (never acting directly, so replay sees the same
 * commands): a non-terminal session past its deadline, and an ended session past its retention,
 * whose state is then forgotten (the journal keeps it).
 *
 * <p>Expiry commands go to the command log through {@link ExpiryLog}, a plain idempotent producer,
 * not through the fold's transaction: a transactional record on the command log would hold every
 * later command of its partition back from the fold (which reads {@code read_committed}) until the
 * transaction commits, putting the commit interval back on the shopper's path. An expiry is only
 * removed from the index once the fold has folded it, so one lost on the way is sent again.
 */
public final class CheckoutFoldProcessor implements Processor<String, CheckoutCommand, String, Object> {
    public static final String SESSIONS_STORE = "checkout-sessions";
    public static final String DUE_STORE = "checkout-due";
    static final String EVENTS = "to-events";
    static final String STATES = "to-session-state";
    static final String ORDERS = "to-order-events";
    static final String DLQ = "to-commands-dlq";

    private static final Logger log = LoggerFactory.getLogger(CheckoutFoldProcessor.class);

    /** Where the expiry timer appends its commands: the command log, outside the fold's transaction. */
    public interface ExpiryLog {
        void append(CheckoutCommand command);
    }

    /**
     * @param scanInterval how often the due index is scanned
     * @param resendAfter how long an expiry that was sent but not yet folded waits before it is sent again
     * @param retention how long an ended session's state is kept before it is forgotten
     */
    public record Timers(Duration scanInterval, Duration resendAfter, Duration retention) {
    }

    private final CheckoutFold fold;
    private final Timers timers;
    private final ExpiryLog expiries;
    private final Serializer<CheckoutCommand> dlqSerializer;
    private final String commandsTopic;
    private final FoldMetrics metrics;
    private final FoldProgress progress;
    /** Sessions a task keeps decoded, the newest it folded: comfortably more than are mid-checkout at once. */
    static final int RECENT_SESSIONS = 1_000;

    /** Due keys sent and not yet folded, with when they were sent. */
    private final Map<String, Long> sent = new HashMap<>();
    /**
     * The sessions this task folded lately, exactly as in the store (written through): a checkout's
     * commands come moments apart, and reading a session back from RocksDB and decoding it cost more
     * than folding the command. Emptied whenever the task (re)starts, since the store may then be
     * restored to an older point.
     */
    private final Map<String, SessionState> recent = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SessionState> eldest) {
            return size() > RECENT_SESSIONS;
        }
    };
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<String, String> due;

    public CheckoutFoldProcessor(CheckoutFold fold, Timers timers, ExpiryLog expiries, Serializer<CheckoutCommand> dlqSerializer,
            String commandsTopic, FoldMetrics metrics, FoldProgress progress) {
        this.fold = fold;
        this.timers = timers;
        this.expiries = expiries;
        this.dlqSerializer = dlqSerializer;
        this.commandsTopic = commandsTopic;
        this.metrics = metrics;
        this.progress = progress;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.sessions = context.getStateStore(SESSIONS_STORE);
        this.due = context.getStateStore(DUE_STORE);
        recent.clear();
        sent.clear();
        context.schedule(timers.scanInterval(), PunctuationType.WALL_CLOCK_TIME, this::appendExpiries);
    }

    @Override
    public void process(Record<String, CheckoutCommand> record) {
        CheckoutCommand command = record.value();
        try (LogFields.Scope fields = command == null ? LogFields.of(record.key(), null, null, (String) null)
                : LogFields.of(command.getSessionId(), command.getAgencyId(), command.getMerchantId(), command.getTraceId())) {
            fold(record);
        } finally {
            context.recordMetadata().ifPresent(m -> progress.processed(m.partition(), m.offset()));
        }
    }

    private void fold(Record<String, CheckoutCommand> record) {
        CheckoutCommand command = record.value();
        String misfiled = CheckoutFold.misfiled(record.key(), command);
        if (misfiled != null) {
            deadLetter(record, misfiled);
            return;
        }
        SessionState before = recent.containsKey(record.key()) ? recent.get(record.key()) : sessions.get(record.key());
        CheckoutFold.Outcome outcome;
        try {
            outcome = fold.apply(before, command);
        } catch (RuntimeException e) {
            log.error("fold failed session_id={} command_id={}", command.getSessionId(), command.getCommandId(), e);
            deadLetter(record, e.toString());
            return;
        }
        String type = command.getPayload().getClass().getSimpleName();
        long at = command.getIssuedAt().toEpochMilli();
        if (outcome.dropped()) {
            metrics.dropped(type);
            if (command.getPayload() instanceof CreateSession && before != null) {
                // a create repeated with its Idempotency-Key changes nothing, but the request repeating it
                // waits on the state topic: it gets the session as it is
                context.forward(new Record<String, Object>(record.key(), before, at), STATES);
            }
            return;
        }
        // the command's trace goes on with what it caused: copied, never made here (replay must reproduce the fold)
        Header trace = record.headers().lastHeader(TraceContext.HEADER);
        for (CheckoutEvent event : outcome.events()) {
            context.forward(new Record<String, Object>(record.key(), event, at, eventHeaders(event, trace)), EVENTS);
            if (event.getPayload() instanceof io.tollgate.schema.CommandRejected rejected) {
                metrics.rejected(rejected.getCommandType(), rejected.getCode());
                log.info("command rejected session_id={} command_id={} type={} code={}", command.getSessionId(),
                        command.getCommandId(), rejected.getCommandType(), rejected.getCode());
            }
        }
        SessionState after = outcome.state();
        if (outcome.forgotten()) {
            sessions.delete(record.key());
            recent.remove(record.key());
            reindexDue(before, null);
            context.forward(new Record<String, Object>(record.key(), null, at), STATES);
        } else if (after != null) {
            sessions.put(record.key(), after);
            recent.put(record.key(), after);
            reindexDue(before, after);
            context.forward(new Record<String, Object>(record.key(), after, at), STATES);
        }
        for (OrderEvent order : outcome.orders()) {
            context.forward(new Record<String, Object>(record.key(), order, at, traceHeaders(trace)), ORDERS);
        }
        metrics.folded(type);
    }

    /**
     * The event's type as a header, so that a worker can pass over the events it has no use for
     * without decoding them (each worker acts on one or two of a checkout's events); and the causing
     * command's {@code traceparent}, when it had one, for the worker to send on.
     */
    private static Headers eventHeaders(CheckoutEvent event, Header trace) {
        return traceHeaders(trace).add(JournalWorker.EVENT_TYPE_HEADER,
                event.getPayload().getClass().getSimpleName().getBytes(StandardCharsets.UTF_8));
    }

    private static Headers traceHeaders(Header trace) {
        return trace == null ? new RecordHeaders() : new RecordHeaders().add(trace);
    }

    /** Writes only what changed: most commands leave a session's due times as they were. */
    private void reindexDue(SessionState before, SessionState after) {
        List<String> old = dueKeys(before);
        List<String> now = dueKeys(after);
        for (String key : old) {
            if (!now.contains(key)) {
                due.delete(key);
                sent.remove(key);
            }
        }
        for (String key : now) {
            if (!old.contains(key)) {
                due.put(key, after.getSessionId());
            }
        }
    }

    /**
     * When a session is next due: a live one at its expiry (and, waiting on a partner, at the
     * partner's deadline); an ended one when its retention is over.
     */
    List<String> dueKeys(SessionState s) {
        List<String> keys = new ArrayList<>(2);
        if (s == null) {
            return keys;
        }
        if (SessionLifecycle.isTerminal(s.getStatus())) {
            keys.add(dueKey(s.getUpdatedAt().plus(timers.retention()), s.getSessionId()));
            return keys;
        }
        keys.add(dueKey(s.getExpiresAt(), s.getSessionId()));
        if (s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPartnerDeadline() != null) {
            keys.add(dueKey(s.getPartnerDeadline(), s.getSessionId()));
        }
        return keys;
    }

    /** Index keys sort by time: zero-padded epoch millis, then the session id. */
    static String dueKey(Instant at, String sessionId) {
        String millis = Long.toString(at.toEpochMilli());
        StringBuilder key = new StringBuilder(16 + sessionId.length());
        for (int pad = 15 - millis.length(); pad > 0; pad--) {
            key.append('0');
        }
        return key.append(millis).append('|').append(sessionId).toString();
    }

    private void appendExpiries(long now) {
        List<KeyValue<String, String>> dueNow = new ArrayList<>();
        try (KeyValueIterator<String, String> it = due.range(dueKey(Instant.EPOCH, ""), dueKey(Instant.ofEpochMilli(now), "~"))) {
            it.forEachRemaining(dueNow::add);
        }
        for (KeyValue<String, String> entry : dueNow) {
            Long sentAt = sent.get(entry.key);
            if (sentAt != null && now - sentAt < timers.resendAfter().toMillis()) {
                continue;
            }
            SessionState s = sessions.get(entry.value);
            if (s == null) {
                // left behind by a state forgotten some other way; nothing to expire
                due.delete(entry.key);
                continue;
            }
            Instant dueAt = Instant.ofEpochMilli(Long.parseLong(entry.key.substring(0, entry.key.indexOf('|'))));
            CheckoutCommand expire = CheckoutCommand.newBuilder()
                    .setCommandId("expire_" + s.getSessionId() + "_" + dueAt.toEpochMilli())
                    .setSessionId(s.getSessionId()).setAgencyId(s.getAgencyId()).setMerchantId(s.getMerchantId())
                    .setIssuedAt(Instant.ofEpochMilli(now)).setActor("expiry").setTraceId(null)
                    .setPayload(ExpireSession.newBuilder().setReason(reason(s, dueAt)).setDueAt(dueAt).build())
                    .build();
            if (sentAt != null) {
                log.warn("expiry sent again, not folded yet session_id={} due_at={}", s.getSessionId(), dueAt);
            }
            sent.put(entry.key, now);
            expiries.append(expire);
        }
    }

    private static String reason(SessionState s, Instant dueAt) {
        if (SessionLifecycle.isTerminal(s.getStatus())) {
            return CheckoutFold.FORGET;
        }
        boolean partner = s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPartnerDeadline() != null
                && !dueAt.isBefore(s.getPartnerDeadline());
        return partner ? "partner_timeout" : "session_expired";
    }

    @Override
    public void close() {
        recent.clear();
    }

    private void deadLetter(Record<String, CheckoutCommand> record, String error) {
        metrics.deadLettered();
        context.forward(DeadLetter.of(record, dlqSerializer, commandsTopic, error), DLQ);
    }
}
