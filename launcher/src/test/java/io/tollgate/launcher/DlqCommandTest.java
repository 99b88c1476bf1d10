package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.PartnerConfirm;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.KafkaSchemaLog;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code tollgate dlq} against a real broker: dead letters in the layout the folds write
 * ({@link DeadLetter#of}, the folds' own code path), on this test's own prefixed topics, with the
 * schemas in the in-process registry's topic on that broker, as {@code tollgate up} leaves them.
 */
@ExtendWith(SharedKafka.class)
class DlqCommandTest {
    private static final String KEY_ERROR = "command key must be its session_id";
    private static KafkaSchemaLog schemaLog;
    private static InMemorySchemaRegistry registry;

    private final String prefix = SharedKafka.uniqueName("dlq") + ".";
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS).minus(10, ChronoUnit.MINUTES);
    private Topics topics;
    private KafkaProducer<String, byte[]> producer;

    @BeforeAll
    static void registry() {
        schemaLog = new KafkaSchemaLog(SharedKafka.bootstrapServers());
        registry = new InMemorySchemaRegistry(schemaLog);
    }

    @AfterAll
    static void closeRegistry() {
        schemaLog.close();
    }

    @BeforeEach
    void topics() {
        topics = new Topics(registry, 2, prefix);
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        producer = new KafkaProducer<>(new KafkaClients(SharedKafka.bootstrapServers()).producer("dlq-test"),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    @Test
    void listShowsEachDeadLetterWithTheFoldsErrorAndItsCommand() throws Exception {
        deadLetter(checkoutDlq(), "sess_elsewhere", checkoutCommand("cmd_1", "sess_1"), topics.checkoutCommands(), KEY_ERROR, 0);
        deadLetter(merchantDlq(), "acme/other", merchantCommand("mcmd_1", "studio"), topics.merchantCommands(),
                "command key must be its agency_id/merchant_id", 1);
        send(checkoutDlq(), "sess_2", new byte[] {1, 2, 3}, 2,
                header(DeadLetter.ERROR_HEADER, "java.lang.IllegalStateException: \"boom\"\nat line 2"),
                header(DeadLetter.SOURCE_TOPIC_HEADER, checkoutCommands()));

        Run list = dlq("list");

        assertThat(list.exit()).as(list.err()).isZero();
        List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith(checkoutDlq() + ":0:0  " + start + "  ")
                .contains("key=sess_elsewhere", "source=" + checkoutCommands(),
                        "PartnerConfirm command_id=cmd_1 session_id=sess_1", "error=\"" + KEY_ERROR + "\"");
        assertThat(lines.get(1)).startsWith(merchantDlq() + ":0:0  " + start.plusSeconds(1))
                .contains("key=acme/other", "source=" + merchantCommands(), "DeleteHook command_id=mcmd_1 merchant=acme/studio",
                        "error=\"command key must be its agency_id/merchant_id\"");
        // bytes that do not decode are listed with the reason; the error stays on its one line
        assertThat(lines.get(2)).startsWith(checkoutDlq() + ":0:1").contains("key=sess_2", "undecodable=")
                .contains("error=\"java.lang.IllegalStateException: \\\"boom\\\"\\nat line 2\"");
        assertThat(lines.get(3)).isEqualTo("3 dead letter(s)");

        Run merchants = dlq("list", "--topic", "merchants");
        assertThat(merchants.out()).contains("mcmd_1").doesNotContain("command_id=cmd_1").doesNotContain(checkoutDlq());

        Run newest = dlq("list", "--limit", "1");
        assertThat(newest.out().lines().toList()).hasSize(2);
        assertThat(newest.out()).contains(checkoutDlq() + ":0:1").contains("3 dead letter(s), the newest 1 shown (--limit)");

        Run json = dlq("list", "--json");
        assertThat(json.exit()).isZero();
        JsonNode array = new ObjectMapper().readTree(json.out());
        assertThat(array).hasSize(3);
        JsonNode first = array.get(0);
        assertThat(first.get("dlq_topic").asText()).isEqualTo(checkoutDlq());
        assertThat(first.get("partition").asInt()).isZero();
        assertThat(first.get("offset").asLong()).isZero();
        assertThat(first.get("position").asText()).isEqualTo(checkoutDlq() + ":0:0");
        assertThat(first.get("timestamp").asText()).isEqualTo(start.toString());
        assertThat(first.get("key").asText()).isEqualTo("sess_elsewhere");
        assertThat(first.get("error").asText()).isEqualTo(KEY_ERROR);
        assertThat(first.get("source_topic").asText()).isEqualTo(checkoutCommands());
        assertThat(first.get("command").get("type").asText()).isEqualTo("PartnerConfirm");
        assertThat(first.get("command").get("command_id").asText()).isEqualTo("cmd_1");
        assertThat(first.get("command").get("session_id").asText()).isEqualTo("sess_1");
        assertThat(first.get("undecodable").isNull()).isTrue();
        assertThat(array.get(1).get("command").get("merchant").asText()).isEqualTo("acme/studio");
        assertThat(array.get(2).get("command").isNull()).isTrue();
        assertThat(array.get(2).get("undecodable").asText()).isNotBlank();
    }

    @Test
    void resendPutsTheSameBytesBackOnTheSourceTopicSayingWhereFrom() throws Exception {
        CheckoutCommand command = checkoutCommand("cmd_1", "sess_1");
        byte[] bytes = deadLetter(checkoutDlq(), "sess_elsewhere", command, topics.checkoutCommands(), KEY_ERROR, 0,
                header("traceparent", "00-4bf92f3577b34da6-00f067aa0ba902b7-01"));
        String position = checkoutDlq() + ":0:0";

        Run dryRun = dlq("resend", "--offset", position, "--dry-run");
        assertThat(dryRun.exit()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("would resend " + position + " -> " + checkoutCommands())
                .contains("command_id=cmd_1").contains("nothing sent");

        Run resend = dlq("resend", "--offset", position);
        assertThat(resend.exit()).as(resend.err()).isZero();
        assertThat(resend.out()).contains("resent " + position + " -> " + checkoutCommands() + ":")
                .contains("resent 1 dead letter(s)");

        // exactly one record: the dry run sent nothing
        List<ClusterReader.Read<CheckoutCommand>> commands = readAll(topics.checkoutCommands());
        assertThat(commands).hasSize(1);
        var resent = commands.get(0);
        assertThat(resent.record().key()).isEqualTo("sess_elsewhere");
        assertThat(resent.record().value()).isEqualTo(bytes);
        assertThat(resent.value()).isEqualTo(command);
        assertThat(headerValue(resent.record().headers(), DeadLetter.RESENT_FROM_HEADER)).isEqualTo(position);
        assertThat(headerValue(resent.record().headers(), "traceparent")).isEqualTo("00-4bf92f3577b34da6-00f067aa0ba902b7-01");
        assertThat(resent.record().headers().lastHeader(DeadLetter.ERROR_HEADER)).isNull();
        assertThat(resent.record().headers().lastHeader(DeadLetter.SOURCE_TOPIC_HEADER)).isNull();
        assertThat(resent.record().headers().toArray()).hasSize(2);
    }

    /** What the payment worker leaves for a cancel or refund that failed for good, through its own code path. */
    @Test
    void aPaymentActionRetryLeftByThePaymentWorkerIsListedAndResent() throws Exception {
        CheckoutCommand retry = CheckoutCommand.newBuilder().setCommandId("retry_sess_9_refund_failed_pi_9_0")
                .setSessionId("sess_9").setAgencyId("acme").setMerchantId("studio").setIssuedAt(start).setActor("operator")
                .setTraceId(null).setPayload(RetryPaymentAction.newBuilder().setAction(PaymentAction.REFUND)
                        .setPaymentIntentId("pi_9").build()).build();
        String source = topics.checkoutCommands().name();
        producer.send(DeadLetter.toResend(source, "sess_9", topics.checkoutCommands().valueSerde().serializer()
                .serialize(source, retry), "refund of pi_9 failed for good: api_error")).get();

        Run list = dlq("list");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("RetryPaymentAction").contains("retry_sess_9_refund_failed_pi_9_0")
                .contains("refund of pi_9 failed for good");
        Run resend = dlq("resend", "--all", "--topic", "checkout");
        assertThat(resend.exit()).as(resend.err()).isZero();
        assertThat(readAll(topics.checkoutCommands())).extracting(ClusterReader.Read::value).containsExactly(retry);
    }

    @Test
    void resendAllSendsEachDeadLetterOfTheChosenTopicToItsOwnSource() throws Exception {
        deadLetter(checkoutDlq(), "sess_elsewhere", checkoutCommand("cmd_1", "sess_1"), topics.checkoutCommands(), KEY_ERROR, 0);
        byte[] first = deadLetter(merchantDlq(), "acme/other", merchantCommand("mcmd_1", "studio"), topics.merchantCommands(), "e1", 1);
        byte[] second = deadLetter(merchantDlq(), "acme/other", merchantCommand("mcmd_2", "studio"), topics.merchantCommands(), "e2", 2);

        Run resend = dlq("resend", "--all", "--topic", "merchants");

        assertThat(resend.exit()).as(resend.err()).isZero();
        assertThat(resend.out()).contains("resent 2 dead letter(s)");
        List<ClusterReader.Read<MerchantCommand>> merchants = readAll(topics.merchantCommands());
        assertThat(merchants).extracting(r -> r.record().value()).containsExactly(first, second);
        assertThat(merchants).extracting(r -> headerValue(r.record().headers(), DeadLetter.RESENT_FROM_HEADER))
                .containsExactly(merchantDlq() + ":0:0", merchantDlq() + ":0:1");
        assertThat(readAll(topics.checkoutCommands())).isEmpty();
    }

    @Test
    void resendRefusesWhatIsNotADeadLetterAFoldWroteAndSendsNothing() throws Exception {
        CheckoutCommand command = checkoutCommand("cmd_1", "sess_1");
        byte[] bytes = deadLetter(checkoutDlq(), "sess_elsewhere", command, topics.checkoutCommands(), KEY_ERROR, 0);
        send(checkoutDlq(), "sess_1", bytes, 1);
        send(checkoutDlq(), "sess_1", bytes, 2, header(DeadLetter.ERROR_HEADER, "x"),
                header(DeadLetter.SOURCE_TOPIC_HEADER, prefix + "payments.v1"));
        send(checkoutDlq(), "sess_1", "not avro".getBytes(StandardCharsets.UTF_8), 3, header(DeadLetter.ERROR_HEADER, "x"),
                header(DeadLetter.SOURCE_TOPIC_HEADER, checkoutCommands()));

        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:99"), "is not a dead letter");
        assertRefused(dlq("resend", "--offset", checkoutCommands() + ":0:0"), "is not on a dead-letter topic");
        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:1"), "has no tollgate.error or tollgate.source.topic header");
        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:2"), "names source topic '" + prefix + "payments.v1'");
        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:3"), "does not decode");
        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:0", "--topic", "merchants"), "--topic merchants");
        // one bad choice stops the good ones too
        assertRefused(dlq("resend", "--offset", checkoutDlq() + ":0:0", "--offset", checkoutDlq() + ":0:1"), ":0:1 has no");
        assertRefused(dlq("resend", "--all"), "resend the others with --offset");
        assertThat(dlq("resend", "--offset", "checkout").exit()).isEqualTo(TollgateCli.USAGE);
        assertThat(dlq("resend", "--offset", checkoutDlq() + ":0:0", "--all").exit()).isEqualTo(TollgateCli.USAGE);

        assertThat(readAll(topics.checkoutCommands())).isEmpty();
        // the one good dead letter still goes when asked alone
        assertThat(dlq("resend", "--offset", checkoutDlq() + ":0:0").exit()).isZero();
        assertThat(readAll(topics.checkoutCommands())).hasSize(1);
    }

    @Test
    void anEmptyQueueSaysSo() throws Exception {
        Run list = dlq("list");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("no dead letters in " + checkoutDlq() + ", " + merchantDlq());

        Run json = dlq("list", "--json");
        assertThat(json.exit()).isZero();
        assertThat(new ObjectMapper().readTree(json.out()).isEmpty()).isTrue();

        Run resend = dlq("resend", "--all");
        assertThat(resend.exit()).isZero();
        assertThat(resend.out()).contains("no dead letters to resend");
    }

    private record Run(int exit, String out, String err) {
    }

    private Run dlq(String... args) {
        CommandLine cli = TollgateCli.commandLine();
        ((DlqCommand) cli.getSubcommands().get("dlq").getCommand()).topicPrefix = prefix;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> line = new ArrayList<>(List.of("dlq"));
        line.addAll(List.of(args));
        line.addAll(List.of("--bootstrap-servers", SharedKafka.bootstrapServers()));
        return new Run(cli.execute(line.toArray(String[]::new)), out.toString(), err.toString());
    }

    private static void assertRefused(Run run, String reason) {
        assertThat(run.exit()).as(run.out()).isEqualTo(TollgateCli.USAGE);
        assertThat(run.err()).contains("refused, nothing sent").contains(reason);
        assertThat(run.out()).doesNotContain("resent");
    }

    /** Dead-letters the command as the folds do, {@code seconds} after the test's start; returns the value bytes. */
    private <C> byte[] deadLetter(String dlqTopic, String key, C command, Topic<String, C> source, String error, int seconds,
            Header... extra) throws Exception {
        Record<String, C> failed = new Record<>(key, command, start.plusSeconds(seconds).toEpochMilli());
        Serializer<C> serializer = source.valueSerde().serializer();
        Record<String, Object> dead = DeadLetter.of(failed, serializer, source.name(), error);
        for (Header h : extra) {
            dead.headers().add(h.key(), h.value());
        }
        byte[] bytes = (byte[]) dead.value();
        producer.send(new ProducerRecord<>(dlqTopic, null, dead.timestamp(), dead.key(), bytes, dead.headers())).get();
        return bytes;
    }

    private void send(String topic, String key, byte[] value, int seconds, Header... headers) throws Exception {
        Headers all = new RecordHeaders();
        for (Header h : headers) {
            all.add(h.key(), h.value());
        }
        producer.send(new ProducerRecord<>(topic, null, start.plusSeconds(seconds).toEpochMilli(), key, value, all)).get();
    }

    private <V> List<ClusterReader.Read<V>> readAll(Topic<String, V> topic) {
        TollgateConfig config = TollgateConfig.builder().devMode(true).bootstrapServers(SharedKafka.bootstrapServers()).build();
        try (ClusterReader cluster = ClusterReader.connect(config, prefix)) {
            return cluster.readAll(topic);
        }
    }

    private record Header(String key, byte[] value) {
    }

    private static Header header(String key, String value) {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private static String headerValue(Headers headers, String key) {
        var header = headers.lastHeader(key);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private CheckoutCommand checkoutCommand(String commandId, String sessionId) {
        return CheckoutCommand.newBuilder().setCommandId(commandId).setSessionId(sessionId).setAgencyId("acme")
                .setMerchantId("studio").setIssuedAt(start).setActor("api:acme").setTraceId(null)
                .setPayload(PartnerConfirm.newBuilder().build()).build();
    }

    private MerchantCommand merchantCommand(String commandId, String merchantId) {
        return MerchantCommand.newBuilder().setCommandId(commandId).setAgencyId("acme").setMerchantId(merchantId)
                .setIssuedAt(start).setActor("api:acme").setIdempotencyKey(null).setRequestHash("0".repeat(64))
                .setPayload(DeleteHook.newBuilder().build()).build();
    }

    private String checkoutDlq() {
        return topics.checkoutCommandsDlq().name();
    }

    private String merchantDlq() {
        return topics.merchantCommandsDlq().name();
    }

    private String checkoutCommands() {
        return topics.checkoutCommands().name();
    }

    private String merchantCommands() {
        return topics.merchantCommands().name();
    }
}
