package io.tollgate.orchestrator.checkout;

import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * {@code ExpireSession} commands (never acting directly, so replay sees the same commands).
 */
public final class CheckoutFoldProcessor implements Processor<String, CheckoutCommand, String, Object> {
    public static final String SESSIONS_STORE = "checkout-sessions";
    public static final String DUE_STORE = "checkout-due";
    static final String EVENTS = "to-events";
    static final String STATES = "to-session-state";
    static final String ORDERS = "to-order-events";
    static final String COMMANDS = "to-commands";
    static final String DLQ = "to-commands-dlq";

    private static final Logger log = LoggerFactory.getLogger(CheckoutFoldProcessor.class);

    private final CheckoutFold fold;
    private final Duration scanInterval;
    private final Serializer<CheckoutCommand> dlqSerializer;
    private final String commandsTopic;
    private final FoldMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, SessionState> sessions;
    private KeyValueStore<String, String> due;

    public CheckoutFoldProcessor(CheckoutFold fold, Duration scanInterval, Serializer<CheckoutCommand> dlqSerializer,
            String commandsTopic, FoldMetrics metrics) {
        this.fold = fold;
        this.scanInterval = scanInterval;
        this.dlqSerializer = dlqSerializer;
        this.commandsTopic = commandsTopic;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.sessions = context.getStateStore(SESSIONS_STORE);
        this.due = context.getStateStore(DUE_STORE);
        context.schedule(scanInterval, PunctuationType.WALL_CLOCK_TIME, this::appendExpiries);
    }

    @Override
    public void process(Record<String, CheckoutCommand> record) {
        CheckoutCommand command = record.value();
        String misfiled = CheckoutFold.misfiled(record.key(), command);
        if (misfiled != null) {
            deadLetter(record, misfiled);
            return;
        }
        SessionState before = sessions.get(record.key());
        CheckoutFold.Outcome outcome;
        try {
            outcome = fold.apply(before, command);
        } catch (RuntimeException e) {
            log.error("fold failed session_id={} command_id={}", command.getSessionId(), command.getCommandId(), e);
            deadLetter(record, e.toString());
            return;
        }
        String type = command.getPayload().getClass().getSimpleName();
        if (outcome.dropped()) {
            metrics.dropped(type);
            return;
        }
        long at = command.getIssuedAt().toEpochMilli();
        for (CheckoutEvent event : outcome.events()) {
            context.forward(new Record<String, Object>(record.key(), event, at), EVENTS);
            if (event.getPayload() instanceof io.tollgate.schema.CommandRejected rejected) {
                metrics.rejected(rejected.getCommandType(), rejected.getCode());
                log.info("command rejected session_id={} command_id={} type={} code={}", command.getSessionId(),
                        command.getCommandId(), rejected.getCommandType(), rejected.getCode());
            }
        }
        SessionState after = outcome.state();
        if (after != null) {
            sessions.put(record.key(), after);
            reindexDue(before, after);
            context.forward(new Record<String, Object>(record.key(), after, at), STATES);
        }
        for (OrderEvent order : outcome.orders()) {
            context.forward(new Record<String, Object>(record.key(), order, at), ORDERS);
        }
        metrics.folded(type);
    }

    private void reindexDue(SessionState before, SessionState after) {
        for (String key : dueKeys(before)) {
            due.delete(key);
        }
        for (String key : dueKeys(after)) {
            due.put(key, after.getSessionId());
        }
    }

    /** Index keys sort by time: zero-padded epoch millis, then the session id. */
    static List<String> dueKeys(SessionState s) {
        List<String> keys = new ArrayList<>(2);
        if (s == null || SessionLifecycle.isTerminal(s.getStatus())) {
            return keys;
        }
        keys.add(dueKey(s.getExpiresAt(), s.getSessionId()));
        if (s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPartnerDeadline() != null) {
            keys.add(dueKey(s.getPartnerDeadline(), s.getSessionId()));
        }
        return keys;
    }

    static String dueKey(Instant at, String sessionId) {
        return String.format("%015d|%s", at.toEpochMilli(), sessionId);
    }

    private void appendExpiries(long now) {
        List<KeyValue<String, String>> dueNow = new ArrayList<>();
        try (KeyValueIterator<String, String> it = due.range(dueKey(Instant.EPOCH, ""), dueKey(Instant.ofEpochMilli(now), "~"))) {
            it.forEachRemaining(dueNow::add);
        }
        for (KeyValue<String, String> entry : dueNow) {
            SessionState s = sessions.get(entry.value);
            due.delete(entry.key);
            if (s == null || SessionLifecycle.isTerminal(s.getStatus())) {
                continue;
            }
            Instant dueAt = Instant.ofEpochMilli(Long.parseLong(entry.key.substring(0, entry.key.indexOf('|'))));
            boolean partner = s.getStatus() == SessionStatus.AWAITING_PARTNER && s.getPartnerDeadline() != null
                    && !dueAt.isBefore(s.getPartnerDeadline());
            CheckoutCommand expire = CheckoutCommand.newBuilder()
                    .setCommandId("expire_" + s.getSessionId() + "_" + dueAt.toEpochMilli())
                    .setSessionId(s.getSessionId()).setAgencyId(s.getAgencyId()).setMerchantId(s.getMerchantId())
                    .setIssuedAt(Instant.ofEpochMilli(now)).setActor("expiry").setTraceId(null)
                    .setPayload(ExpireSession.newBuilder().setReason(partner ? "partner_timeout" : "session_expired").setDueAt(dueAt).build())
                    .build();
            context.forward(new Record<String, Object>(s.getSessionId(), expire, now), COMMANDS);
        }
    }

    private void deadLetter(Record<String, CheckoutCommand> record, String error) {
        metrics.deadLettered();
        context.forward(DeadLetter.of(record, dlqSerializer, commandsTopic, error), DLQ);
    }
}
