package io.tollgate.orchestrator.checkout;

import static io.tollgate.orchestrator.checkout.CommandScript.T0;
import static io.tollgate.orchestrator.checkout.CommandScript.hook;
import static io.tollgate.orchestrator.checkout.CommandScript.syncHook;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.CommandRejected;
import io.tollgate.schema.ExpireSession;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.SessionCanceled;
import io.tollgate.schema.SessionCreated;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.SessionStatus;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real checkout topology, exactly-once, on TopologyTestDriver with the topics' own serdes. */
class CheckoutTopologyTest {
    private static final Duration SCAN = Duration.ofSeconds(1);
    private static final Duration RETENTION = Duration.ofDays(7);

    @TempDir
    Path stateDir;

    private final Topics topics = new Topics(new InMemorySchemaRegistry(), 1);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, CheckoutCommand> commandsIn;
    /** What the expiry timer appends to the command log (outside the topology, through its own producer). */
    private final List<CheckoutCommand> expiries = new ArrayList<>();
    private TestOutputTopic<String, CheckoutEvent> events;
    private TestOutputTopic<String, SessionState> states;
    private TestOutputTopic<String, OrderEvent> orders;
    private TestOutputTopic<String, byte[]> deadLetters;

    @BeforeEach
    void startDriver() {
        Topology topology = CheckoutTopology.addTo(new Topology(), topics,
                new CheckoutFoldProcessor.Timers(SCAN, Duration.ofSeconds(30), RETENTION), expiries::add, new FoldMetrics(meters),
                new FoldProgress());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "checkout-fold-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(topology, props, T0);

        var commands = topics.checkoutCommands();
        commandsIn = driver.createInputTopic(commands.name(), new StringSerializer(), commands.valueSerde().serializer());
        events = driver.createOutputTopic(topics.checkoutEvents().name(), new StringDeserializer(),
                topics.checkoutEvents().valueSerde().deserializer());
        states = driver.createOutputTopic(topics.sessionState().name(), new StringDeserializer(),
                topics.sessionState().valueSerde().deserializer());
        orders = driver.createOutputTopic(topics.orderEvents().name(), new StringDeserializer(),
                topics.orderEvents().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(topics.checkoutCommandsDlq().name(), new StringDeserializer(),
                topics.checkoutCommandsDlq().valueSerde().deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void commandsBecomeEventsStatesAndOrderEventsKeyedBySession() {
        CommandScript s = new CommandScript("cs_topology_paid");
        List<CheckoutCommand> commands = List.of(s.create(), s.confirm("k1", syncHook()), s.decision(1, HookOutcome.APPROVED),
                s.paymentIntent("pi_1"), s.paymentSucceeded("pi_1"));

        commands.forEach(this::send);

        List<TestRecord<String, CheckoutEvent>> journal = events.readRecordsToList();
        assertThat(journal).extracting(TestRecord::key).containsOnly(s.sessionId);
        assertThat(journal).extracting(r -> r.value().getSeq()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
        assertThat(journal).extracting(r -> r.value().getPayload()).hasAtLeastOneElementOfType(SessionCreated.class)
                .hasAtLeastOneElementOfType(PaymentRequested.class);
        assertThat(journal).allSatisfy(r -> assertThat(r.getRecordTime()).isEqualTo(r.value().getOccurredAt()));
        // the chain still holds after the journal went through the wire format
        assertThat(EventChain.verify(journal.stream().map(TestRecord::value).toList())).isTrue();
        assertThat(journal.stream().map(TestRecord::value).toList())
                .isEqualTo(FoldRun.of(commands.toArray(CheckoutCommand[]::new)).journal);

        List<TestRecord<String, SessionState>> written = states.readRecordsToList();
        assertThat(written).hasSize(commands.size()).extracting(TestRecord::key).containsOnly(s.sessionId);
        assertThat(written).extracting(r -> r.value().getStatus()).containsExactly(SessionStatus.OPEN,
                SessionStatus.CONFIRMING, SessionStatus.PAYMENT_PENDING, SessionStatus.AWAITING_PAYMENT, SessionStatus.PAID);

        List<TestRecord<String, OrderEvent>> orderRecords = orders.readRecordsToList();
        assertThat(orderRecords).extracting(TestRecord::key).containsOnly(s.sessionId);
        assertThat(orderRecords).extracting(r -> r.value().getType()).containsExactly("order.confirmed", "order.paid");

        SessionState stored = driver.<String, SessionState>getKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE).get(s.sessionId);
        assertThat(stored.getStatus()).isEqualTo(SessionStatus.PAID);
        assertThat(stored).isEqualTo(written.get(written.size() - 1).value());
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counter("folded", "RequestConfirm")).isEqualTo(1.0);
    }

    @Test
    void sessionsInterleaveWithoutSharingState() {
        CommandScript a = new CommandScript("cs_a");
        CommandScript b = new CommandScript("cs_b");

        send(a.create());
        send(b.create());
        send(a.confirm("k1", syncHook()));
        send(b.confirm("k1", null));
        send(a.decision(1, HookOutcome.REJECTED));

        List<CheckoutEvent> journal = events.readValuesToList();
        List<CheckoutEvent> ofA = journal.stream().filter(e -> e.getSessionId().equals("cs_a")).toList();
        List<CheckoutEvent> ofB = journal.stream().filter(e -> e.getSessionId().equals("cs_b")).toList();
        assertThat(EventChain.verify(ofA)).isTrue();
        assertThat(EventChain.verify(ofB)).isTrue();
        assertThat(ofA).extracting(CheckoutEvent::getSeq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(ofB).extracting(CheckoutEvent::getSeq).containsExactly(1L, 2L, 3L, 4L);
        assertThat(orders.readKeyValuesToMap()).containsOnlyKeys("cs_a");
    }

    @Test
    void aRefusedCommandIsJournaledAndRecordedInTheState() {
        CommandScript s = new CommandScript("cs_topology_refused");
        send(s.create());
        events.readRecordsToList();
        states.readRecordsToList();

        CheckoutCommand partnerConfirm = s.partnerConfirm();
        send(partnerConfirm);

        assertThat(events.readValue().getPayload()).isInstanceOfSatisfying(CommandRejected.class,
                r -> assertThat(r.getCode()).isEqualTo("not_awaiting_partner"));
        SessionState state = states.readValue();
        assertThat(state.getLastRejection().getCommandId()).isEqualTo(partnerConfirm.getCommandId());
        assertThat(state.getStatus()).isEqualTo(SessionStatus.OPEN);
        assertThat(orders.isEmpty()).isTrue();
        assertThat(meters.get("tollgate.fold.rejections").tag("code", "not_awaiting_partner").counter().count()).isEqualTo(1.0);
    }

    @Test
    void aDuplicateCommandIdProducesNothing() {
        CommandScript s = new CommandScript("cs_topology_dup");
        CheckoutCommand create = s.create();
        send(create);
        CheckoutCommand refused = s.partnerConfirm();
        send(refused);
        CheckoutCommand confirm = s.confirm("k1", syncHook());
        send(confirm);
        drainOutputs();

        send(CommandScript.again(confirm));
        send(CommandScript.again(create));
        send(CommandScript.again(refused));

        assertThat(events.isEmpty()).isTrue();
        // a repeated create changes nothing, but its request waits on the state topic: it gets the session as it is
        SessionState current = driver.<String, SessionState>getKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE).get(s.sessionId);
        assertThat(states.readValuesToList()).containsExactly(current);
        assertThat(orders.isEmpty()).isTrue();
        assertThat(deadLetters.isEmpty()).isTrue();
        assertThat(counter("duplicate", "RequestConfirm")).isEqualTo(1.0);
        assertThat(counter("duplicate", "CreateSession")).isEqualTo(1.0);
        assertThat(counter("duplicate", "PartnerConfirm")).isEqualTo(1.0);
    }

    @Test
    void aCommandKeyedByAnotherSessionGoesToTheDeadLetterTopic() {
        CheckoutCommand command = new CommandScript("cs_real").create();

        commandsIn.pipeInput("cs_other", command, command.getIssuedAt());

        TestRecord<String, byte[]> dead = deadLetters.readRecord();
        assertThat(dead.key()).isEqualTo("cs_other");
        Header error = dead.headers().lastHeader("tollgate.error");
        assertThat(error).isNotNull();
        assertThat(new String(error.value(), StandardCharsets.UTF_8)).contains("session_id");
        assertThat(new String(dead.headers().lastHeader("tollgate.source.topic").value(), StandardCharsets.UTF_8))
                .isEqualTo(topics.checkoutCommands().name());
        assertThat(topics.checkoutCommands().valueSerde().deserializer().deserialize(topics.checkoutCommands().name(), dead.value()))
                .isEqualTo(command);
        assertThat(events.isEmpty()).isTrue();
        assertThat(states.isEmpty()).isTrue();
        assertThat(driver.<String, SessionState>getKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE).get("cs_real")).isNull();
        assertThat(meters.get("tollgate.fold.dead_letters").counter().count()).isEqualTo(1.0);
    }

    @Test
    void aCommandWithoutKeyGoesToTheDeadLetterTopic() {
        CheckoutCommand command = new CommandScript("cs_keyless").create();

        commandsIn.pipeInput((String) null, command, command.getIssuedAt());

        assertThat(deadLetters.readRecord().headers().lastHeader("tollgate.error")).isNotNull();
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void theExpiryTimerAppendsAnExpireSessionCommandThatCancelsTheSession() {
        CommandScript s = new CommandScript("cs_topology_expiry");
        Instant expiresAt = T0.plusSeconds(5);
        send(s.create(CommandScript.CREATE_KEY, CommandScript.CREATE_HASH, expiresAt, 5));
        send(s.confirm("k1", syncHook()));
        send(s.decision(1, HookOutcome.APPROVED));
        send(s.paymentIntent("pi_1"));
        drainOutputs();

        driver.advanceWallClockTime(Duration.ofSeconds(3));
        assertThat(expiries).as("nothing is due yet").isEmpty();

        driver.advanceWallClockTime(Duration.ofSeconds(3));
        assertThat(expiries).as("one command per due time").hasSize(1);
        CheckoutCommand expire = expiries.get(0);
        assertThat(expire.getSessionId()).isEqualTo(s.sessionId);
        assertThat(expire.getActor()).isEqualTo("expiry");
        assertThat(expire.getIssuedAt()).isAfterOrEqualTo(expiresAt);
        assertThat(expire.getPayload()).isInstanceOfSatisfying(ExpireSession.class, p -> {
            assertThat(p.getReason()).isEqualTo("session_expired");
            assertThat(p.getDueAt()).isEqualTo(expiresAt);
        });
        assertThat(events.isEmpty()).as("the timer only appends a command; the fold acts when it reads it").isTrue();

        send(expire);
        List<CheckoutEvent> journal = events.readValuesToList();
        assertThat(journal).extracting(e -> e.getPayload().getClass().getSimpleName())
                .containsExactly("SessionCanceled", "CancelRequested");
        assertThat(journal).allSatisfy(e -> assertThat(e.getCausedBy()).isEqualTo(expire.getCommandId()));
        assertThat(states.readValuesToList()).last().extracting(SessionState::getStatus).isEqualTo(SessionStatus.CANCELED);
        assertThat(orders.readValuesToList()).singleElement().satisfies(order -> {
            assertThat(order.getType()).isEqualTo("order.canceled");
            assertThat(order.getReason()).isEqualTo("session_expired");
            assertThat(order.getPaymentIntentId()).isEqualTo("pi_1");
        });

        send(expire);
        assertThat(events.isEmpty()).as("the same expiry delivered twice").isTrue();
        assertThat(orders.isEmpty()).isTrue();

        expiries.clear();
        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(expiries).as("a canceled session is not expired again").isEmpty();
    }

    @Test
    void anExpiryThatWasNotFoldedIsSentAgainButNotOnEveryScan() {
        CommandScript s = new CommandScript("cs_topology_resend");
        send(s.create(CommandScript.CREATE_KEY, CommandScript.CREATE_HASH, T0.plusSeconds(5), 5));
        drainOutputs();

        driver.advanceWallClockTime(Duration.ofSeconds(6));
        assertThat(expiries).hasSize(1);
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(expiries).as("in flight: not sent again on the next scans").hasSize(1);

        driver.advanceWallClockTime(Duration.ofSeconds(25));
        assertThat(expiries).as("lost on the way: sent again, under the same command id").hasSize(2);
        assertThat(expiries.get(1).getCommandId()).isEqualTo(expiries.get(0).getCommandId());

        send(expiries.get(1));
        assertThat(states.readValuesToList()).last().extracting(SessionState::getStatus).isEqualTo(SessionStatus.CANCELED);
    }

    @Test
    void anEndedSessionIsForgottenAfterItsRetentionWhileTheJournalKeepsIt() {
        CommandScript s = new CommandScript("cs_topology_forget");
        send(s.create());
        send(s.confirm("k1", syncHook()));
        send(s.decision(1, HookOutcome.REJECTED));
        drainOutputs();
        KeyValueStore<String, SessionState> store = driver.getKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE);
        assertThat(store.get(s.sessionId).getStatus()).isEqualTo(SessionStatus.FAILED);

        driver.advanceWallClockTime(RETENTION.minusMinutes(1));
        assertThat(expiries).as("still within its retention").isEmpty();
        driver.advanceWallClockTime(Duration.ofMinutes(2));
        assertThat(expiries).singleElement().satisfies(c -> assertThat(((ExpireSession) c.getPayload()).getReason())
                .isEqualTo(CheckoutFold.FORGET));

        send(expiries.get(0));
        assertThat(store.get(s.sessionId)).isNull();
        List<TestRecord<String, SessionState>> written = states.readRecordsToList();
        assertThat(written).singleElement().satisfies(r -> {
            assertThat(r.key()).isEqualTo(s.sessionId);
            assertThat(r.value()).as("a tombstone: compaction removes the session from the state topic").isNull();
        });
        assertThat(events.isEmpty()).as("forgetting state is not an event of the session").isTrue();
        assertThat(driver.<String, String>getKeyValueStore(CheckoutFoldProcessor.DUE_STORE).approximateNumEntries()).isZero();
    }

    @Test
    void aLiveSessionIsNeverForgotten() {
        CommandScript s = new CommandScript("cs_topology_live_forget");
        send(s.create());
        drainOutputs();
        CheckoutCommand forget = CheckoutCommand.newBuilder(s.create()).setCommandId("forget_now")
                .setActor("expiry").setPayload(ExpireSession.newBuilder().setReason(CheckoutFold.FORGET).setDueAt(T0).build()).build();

        send(forget);

        assertThat(driver.<String, SessionState>getKeyValueStore(CheckoutFoldProcessor.SESSIONS_STORE).get(s.sessionId)).isNotNull();
        assertThat(states.isEmpty()).isTrue();
    }

    @Test
    void theDueIndexIsWrittenOnlyWhenASessionsDueTimesChange() {
        CommandScript s = new CommandScript("cs_topology_due_writes");
        send(s.create());
        send(s.confirm("k1", syncHook()));
        send(s.decision(1, HookOutcome.APPROVED));
        send(s.paymentIntent("pi_1"));

        KeyValueStore<String, String> due = driver.getKeyValueStore(CheckoutFoldProcessor.DUE_STORE);
        List<String> keys = new ArrayList<>();
        try (var all = due.all()) {
            all.forEachRemaining(kv -> keys.add(kv.key));
        }
        assertThat(keys).singleElement().satisfies(k -> assertThat(k).endsWith("|" + s.sessionId));
    }

    @Test
    void theExpiryTimerTimesOutAPartnerThatNeverAnswers() {
        CommandScript s = new CommandScript("cs_topology_partner");
        send(s.create());
        send(s.confirm("k1", hook(FailMode.CLOSED, HookMode.DEFERRED)));
        send(s.decision(1, HookOutcome.DEFERRED));
        drainOutputs();

        driver.advanceWallClockTime(Duration.ofMinutes(31));

        assertThat(expiries).singleElement().satisfies(c -> assertThat(c.getPayload()).isInstanceOfSatisfying(ExpireSession.class,
                p -> assertThat(p.getReason()).isEqualTo("partner_timeout")));
        send(expiries.get(0));
        assertThat(events.readValuesToList()).extracting(CheckoutEvent::getPayload).singleElement()
                .isInstanceOfSatisfying(SessionCanceled.class, c -> assertThat(c.getReason()).isEqualTo("partner_timeout"));
        assertThat(orders.readValue().getType()).isEqualTo("order.canceled");
    }

    @Test
    void theExpiryTimerLeavesFinishedSessionsAloneUntilTheirRetention() {
        CommandScript s = new CommandScript("cs_topology_done");
        send(s.create(CommandScript.CREATE_KEY, CommandScript.CREATE_HASH, T0.plusSeconds(5), 5));
        send(s.confirm("k1", syncHook()));
        send(s.decision(1, HookOutcome.REJECTED));

        driver.advanceWallClockTime(Duration.ofMinutes(2));

        assertThat(expiries).isEmpty();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    /**
     * The fold copies a command's trace onto what it causes — the journal events and order events —
     * and never makes one up: replaying the commands must give the same output.
     */
    @Test
    void theCommandsTraceparentGoesOnWithItsEventsAndOrderEventsAndNoneIsMadeUp() {
        CommandScript s = new CommandScript("cs_topology_traced");
        TraceContext confirmTrace = TraceContext.start();
        TraceContext paymentTrace = confirmTrace.child();
        send(s.create());
        sendTraced(s.confirm("k1", syncHook()), confirmTrace);
        send(s.decision(1, HookOutcome.APPROVED));
        sendTraced(s.paymentIntent("pi_1"), paymentTrace);

        List<TestRecord<String, CheckoutEvent>> journal = events.readRecordsToList();
        assertThat(journal).extracting(r -> r.value().getPayload().getClass().getSimpleName(), r -> traceparent(r.headers()))
                .containsExactly(
                        tuple("SessionCreated", null),
                        tuple("CheckoutCommitted", confirmTrace.traceparent()),
                        tuple("HookDecided", null),
                        tuple("PaymentRequested", null),
                        tuple("PaymentIntentCreated", paymentTrace.traceparent()));
        assertThat(orders.readRecordsToList()).singleElement()
                .satisfies(r -> assertThat(traceparent(r.headers())).isEqualTo(paymentTrace.traceparent()));
    }

    private static String traceparent(Headers headers) {
        Header header = headers.lastHeader(TraceContext.HEADER);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private void sendTraced(CheckoutCommand command, TraceContext trace) {
        command.setTraceId(trace.traceId());
        commandsIn.pipeInput(new TestRecord<>(command.getSessionId(), command,
                new RecordHeaders().add(trace.header()), command.getIssuedAt()));
    }

    private void send(CheckoutCommand command) {
        commandsIn.pipeInput(command.getSessionId(), command, command.getIssuedAt());
    }

    private void drainOutputs() {
        events.readRecordsToList();
        states.readRecordsToList();
        orders.readRecordsToList();
        expiries.clear();
    }

    private double counter(String result, String type) {
        return meters.get("tollgate.fold.commands").tag("result", result).tag("type", type).counter().count();
    }
}
