package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.stripe.StripeClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.standin.Fault;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailedReported;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentStage;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The payment worker as deployed: the test plays the checkout fold, writing journal events to a real broker
 * and reading the worker's commands back, and the worker talks to the Stripe stand-in over HTTP. What the
 * gateway does on its own (retries within a call, SCA, keys) is StripeGatewayTest's; here is what the service
 * adds: the event's fields reach Stripe, reports are sealed and keyed, redeliveries and restarts make no
 * second PaymentIntent, and temporary failures wait for Stripe rather than fail the session.
 */
@ExtendWith(SharedKafka.class)
class PaymentWorkerServiceTest {

    private static final String API_KEY = "sk_test_tollgate_worker";
    private static final String AGENCY = "ag_pay";
    private static final String MERCHANT = "m_pay";
    /** The gateway's attempts within one round; later rounds are the service's. */
    private static final int ATTEMPTS_PER_ROUND = 2;

    private final SecretBox secretBox = SecretBox.fromBase64(SecretBox.newMasterKeyBase64());
    private final List<PaymentWorkerService> workers = new ArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private StripeStandIn standIn;
    private Topics topics;
    private KafkaClients kafka;
    private String groupId;
    private KafkaProducer<String, CheckoutEvent> journal;
    private CommandTail commands;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
        String prefix = SharedKafka.uniqueName("payment-worker");
        topics = new Topics(new InMemorySchemaRegistry(), 2, prefix + ".");
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, List.of(topics.checkoutEvents().spec(), topics.checkoutCommands().spec(),
                    topics.checkoutCommandsDlq().spec()));
        }
        kafka = new KafkaClients(SharedKafka.bootstrapServers());
        groupId = prefix + "-payment-worker";
        journal = new KafkaProducer<>(kafka.producer(prefix + "-fold"), topics.checkoutEvents().keySerde().serializer(),
                topics.checkoutEvents().valueSerde().serializer());
        commands = new CommandTail(topics.checkoutCommands());
    }

    @AfterEach
    void stop() {
        workers.forEach(PaymentWorkerService::close);
        commands.close();
        journal.close();
        standIn.close();
    }

    /** Quick gateway retries and short later rounds; the default give-up window of 10 minutes. */
    private PaymentWorkerService.Settings settings() {
        return new PaymentWorkerService.Settings(groupId, StripeGatewayConfig.of(API_KEY, standIn.apiBase())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(10))
                .withRetries(ATTEMPTS_PER_ROUND, Duration.ofMillis(5), Duration.ofMillis(20)), 4)
                .withRetryLater(Duration.ofMillis(50), Duration.ofMillis(200),
                        PaymentWorkerService.Settings.DEFAULT_GIVE_UP_AFTER);
    }

    private PaymentWorkerService startWorker(PaymentWorkerService.Settings settings) {
        PaymentWorkerService worker = new PaymentWorkerService(settings, topics, kafka, secretBox, metrics);
        workers.add(worker);
        return worker.start();
    }

    private void publish(String sessionId, Object payload) throws Exception {
        publish(sessionId, payload, Instant.now());
    }

    /** A journal event: what the worker reads of it as the fold writes it, the rest filled in plausibly. */
    private void publish(String sessionId, Object payload, Instant occurredAt) throws Exception {
        long n = seq.incrementAndGet();
        CheckoutEvent event = CheckoutEvent.newBuilder().setEventId("ev_" + sessionId + "_" + n)
                .setSessionId(sessionId).setAgencyId(AGENCY).setMerchantId(MERCHANT).setSeq(n)
                .setOccurredAt(occurredAt).setCausedBy("cmd_" + n).setActor("test").setPrevHash("0".repeat(64))
                .setPayload(payload).build();
        journal.send(new ProducerRecord<>(topics.checkoutEvents().name(), sessionId, event)).get();
    }

    /** The worker committed every journal event: each one's Stripe call and report (if any) are done. */
    private void awaitJournalHandled() {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (Admin admin = SharedKafka.admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < topics.checkoutEvents().spec().partitions(); p++) {
                    latest.put(new TopicPartition(topics.checkoutEvents().name(), p), OffsetSpec.latest());
                }
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue().offset() == 0
                        || committed.containsKey(e.getKey()) && committed.get(e.getKey()).offset() == e.getValue().offset());
            }
        });
    }

    private List<RecordedRequest> requestsTo(String pathSuffix) {
        return standIn.requests().stream().filter(r -> r.path().endsWith(pathSuffix)).toList();
    }

    private List<RecordedRequest> creates() {
        return requestsTo("/v1/payment_intents");
    }

    private static PaymentIntentReported intentReport(CheckoutCommand command) {
        assertThat(command.getPayload()).isInstanceOf(PaymentIntentReported.class);
        return (PaymentIntentReported) command.getPayload();
    }

    private static PaymentFailureReported failureReport(CheckoutCommand command) {
        assertThat(command.getPayload()).isInstanceOf(PaymentFailureReported.class);
        return (PaymentFailureReported) command.getPayload();
    }

    /** The session's intent as the fold would have seen it reported, made by a gateway of its own. */
    private Created intentAtStripe(String sessionId, CaptureMethod captureMethod) {
        StripeGateway gateway = new StripeGateway(StripeGatewayConfig.of(API_KEY, standIn.apiBase()));
        return (Created) gateway.createPaymentIntent(sessionId, AGENCY, MERCHANT,
                PaymentRequests.forSession(sessionId).setCaptureMethod(captureMethod).build());
    }

    private long eventsAtStripe(String type, String paymentIntentId) {
        return standIn.events().stream()
                .filter(e -> e.contains("\"type\":\"" + type + "\"") && e.contains("\"id\":\"" + paymentIntentId + "\""))
                .count();
    }

    @Test
    void aPaymentRequestIsReportedAsOnePaymentIntentWithItsClientSecretSealed() throws Exception {
        startWorker(settings());

        publish("s_1", PaymentRequests.plain("s_1"));

        CommandTail.Stored stored = awaitSingle();
        CheckoutCommand command = stored.command();
        assertThat(command.getCommandId()).isEqualTo("payment_s_1_pi");
        assertThat(command.getSessionId()).isEqualTo("s_1");
        assertThat(command.getAgencyId()).isEqualTo(AGENCY);
        assertThat(command.getMerchantId()).isEqualTo(MERCHANT);
        assertThat(command.getActor()).isEqualTo("payment-worker");
        PaymentIntentReported report = intentReport(command);
        assertThat(report.getStatus()).isEqualTo("requires_payment_method");
        String clientSecret = StripeClient.builder().setApiKey(API_KEY).setApiBase(standIn.apiBase()).build()
                .paymentIntents().retrieve(report.getPaymentIntentId()).getClientSecret();
        assertThat(secretBox.open(report.getClientSecret(), SealedFor.clientSecret("s_1"))).isEqualTo(clientSecret);
        assertThat(new String(stored.bytes(), StandardCharsets.ISO_8859_1)).doesNotContain(clientSecret)
                .contains(report.getPaymentIntentId());

        assertThat(creates()).singleElement().satisfies(r -> {
            assertThat(r.idempotencyKey()).isEqualTo("tollgate_s_1_pi");
            assertThat(r.stripeAccount()).isNull();
            assertThat(r.params()).containsEntry("amount", "2500").containsEntry("currency", "gbp")
                    .containsEntry("metadata[session_id]", "s_1")
                    .containsEntry("metadata[agency_id]", AGENCY)
                    .containsEntry("metadata[merchant_id]", MERCHANT)
                    .doesNotContainKeys("capture_method", "metadata[exemptions]",
                            "payment_method_options[card][request_three_d_secure]");
        });
    }

    @Test
    void whatTheFoldAsksOfThePaymentReachesStripe() throws Exception {
        startWorker(settings());

        publish("s_2", PaymentRequests.forSession("s_2").setAmountMinor(4999).setCurrency("EUR")
                .setCaptureMethod(CaptureMethod.MANUAL).setScaForce(true)
                .setExemptions(List.of("low_value", "trusted_beneficiary")).setStripeAccount("acct_pay2").build());

        assertThat(intentReport(awaitSingle().command()).getPaymentIntentId()).startsWith("pi_");
        assertThat(creates()).singleElement().satisfies(r -> {
            assertThat(r.idempotencyKey()).isEqualTo("tollgate_s_2_pi");
            assertThat(r.stripeAccount()).isEqualTo("acct_pay2");
            assertThat(r.params()).containsEntry("amount", "4999").containsEntry("currency", "eur")
                    .containsEntry("capture_method", "manual")
                    .containsEntry("payment_method_options[card][request_three_d_secure]", "any")
                    .containsEntry("metadata[exemptions]", "low_value,trusted_beneficiary");
        });
        assertThat(standIn.paymentIntentCount("acct_pay2")).isEqualTo(1);
    }

    @Test
    void aRedeliveredPaymentRequestMakesNoSecondPaymentIntent() throws Exception {
        startWorker(settings());

        publish("s_3", PaymentRequests.plain("s_3"));
        publish("s_3", PaymentRequests.plain("s_3"));

        List<CheckoutCommand> reports = commands.awaitAtLeast(2);
        assertThat(reports).hasSize(2).extracting(CheckoutCommand::getCommandId).containsOnly("payment_s_3_pi");
        PaymentIntentReported first = intentReport(reports.get(0));
        PaymentIntentReported second = intentReport(reports.get(1));
        assertThat(second.getPaymentIntentId()).isEqualTo(first.getPaymentIntentId());
        assertThat(secretBox.open(second.getClientSecret(), SealedFor.clientSecret("s_3")))
                .isEqualTo(secretBox.open(first.getClientSecret(), SealedFor.clientSecret("s_3")));
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_3_pi");
    }

    @Test
    void aWorkerStoppedBetweenTheStripeCallAndItsReportIsRedoneWithoutASecondPaymentIntent() throws Exception {
        standIn.latency(Duration.ofSeconds(3));
        PaymentWorkerService first = startWorker(settings());
        publish("s_4", PaymentRequests.plain("s_4"));
        await().atMost(Duration.ofSeconds(30)).until(() -> standIn.requestsInFlight() == 1);

        first.close();
        assertThat(commands.stored()).isEmpty();
        standIn.latency(Duration.ZERO);
        startWorker(settings());

        PaymentIntentReported report = intentReport(awaitSingle().command());
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
        assertThat(StripeClient.builder().setApiKey(API_KEY).setApiBase(standIn.apiBase()).build()
                .paymentIntents().retrieve(report.getPaymentIntentId()).getMetadata()).containsEntry("session_id", "s_4");
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_4_pi");
        assertThat(creates()).filteredOn(r -> r.status() == 200 && !r.replayed()).hasSize(1);
    }

    @Test
    void aRetryWaitingAtShutdownIsRedoneByTheNextWorker() throws Exception {
        standIn.failNext(2 * ATTEMPTS_PER_ROUND, Fault.SERVER_ERROR);
        PaymentWorkerService first = startWorker(settings().withRetryLater(Duration.ofMinutes(5), Duration.ofMinutes(5),
                PaymentWorkerService.Settings.DEFAULT_GIVE_UP_AFTER));
        publish("s_5", PaymentRequests.plain("s_5"));
        await().atMost(Duration.ofSeconds(30)).until(() -> creates().size() == ATTEMPTS_PER_ROUND);

        first.close();
        startWorker(settings());

        assertThat(intentReport(awaitSingle().command()).getPaymentIntentId()).startsWith("pi_");
        assertThat(creates()).extracting(RecordedRequest::status).containsExactly(500, 500, 500, 500, 200);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_5_pi");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void stripeFailingForAWhileIsWaitedForRatherThanReported() throws Exception {
        standIn.failNext(3, Fault.RATE_LIMITED);
        standIn.failNext(2, Fault.SERVER_ERROR);
        startWorker(settings());

        publish("s_6", PaymentRequests.plain("s_6"));

        assertThat(intentReport(awaitSingle().command()).getPaymentIntentId()).startsWith("pi_");
        assertThat(creates()).extracting(RecordedRequest::status).containsExactly(429, 429, 429, 500, 500, 200);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_6_pi");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void stripeFailingPastTheGiveUpWindowIsReportedWithStripesCode() throws Exception {
        standIn.failNext(10_000, Fault.SERVER_ERROR);
        startWorker(settings().withRetryLater(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(2)));

        publish("s_7", PaymentRequests.plain("s_7"));

        CheckoutCommand command = awaitSingle().command();
        assertThat(command.getCommandId()).isEqualTo("payment_s_7_pi");
        PaymentFailureReported failure = failureReport(command);
        assertThat(failure.getStage()).isEqualTo(PaymentStage.CREATE);
        assertThat(failure.getCode()).isEqualTo("api_error");
        assertThat(failure.getPaymentIntentId()).isNull();
        // later rounds ran before the window closed, all under the session's key
        assertThat(creates()).hasSizeGreaterThan(ATTEMPTS_PER_ROUND)
                .extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_7_pi");
        assertThat(standIn.paymentIntentCount()).isZero();
    }

    @Test
    void theGiveUpWindowCountsFromTheEventAndAnUnreachableStripeIsStripeUnavailable() throws Exception {
        String unreachable = standIn.apiBase();
        standIn.close();
        standIn = StripeStandIn.start();
        startWorker(new PaymentWorkerService.Settings(groupId, StripeGatewayConfig.of(API_KEY, unreachable)
                .withRetries(ATTEMPTS_PER_ROUND, Duration.ofMillis(5), Duration.ofMillis(20)), 4));

        publish("s_8", PaymentRequests.plain("s_8"), Instant.now().minus(Duration.ofMinutes(11)));

        PaymentFailureReported failure = failureReport(awaitSingle().command());
        assertThat(failure.getStage()).isEqualTo(PaymentStage.CREATE);
        assertThat(failure.getCode()).isEqualTo("stripe_unavailable");
        assertThat(failure.getMessage()).isEqualTo("Stripe could not be reached");
    }

    @Test
    void aRequestStripeRefusesIsReportedAtOnceWithStripesCode() throws Exception {
        startWorker(settings());

        publish("s_9", PaymentRequests.forSession("s_9").setAmountMinor(0).build());

        PaymentFailureReported failure = failureReport(awaitSingle().command());
        assertThat(failure.getStage()).isEqualTo(PaymentStage.CREATE);
        assertThat(failure.getCode()).isEqualTo("parameter_invalid_integer");
        assertThat(failure.getMessage()).isNotBlank();
        assertThat(creates()).hasSize(1);
    }

    @Test
    void aHeldPaymentIsCapturedOnceThoughStripeFailsAtFirstAndTheRequestIsRedelivered() throws Exception {
        Created created = intentAtStripe("s_10", CaptureMethod.MANUAL);
        assertThat(standIn.pay(created.paymentIntentId(), "pm_card_visa")).isEqualTo("requires_capture");
        // both deliveries use up their first round
        standIn.failNext(2 * ATTEMPTS_PER_ROUND, Fault.SERVER_ERROR);
        startWorker(settings());
        CaptureRequested capture = CaptureRequested.newBuilder().setPaymentIntentId(created.paymentIntentId())
                .setStripeAccount(null).build();

        publish("s_10", capture);
        publish("s_10", capture);

        awaitJournalHandled();
        assertThat(eventsAtStripe("payment_intent.succeeded", created.paymentIntentId())).isEqualTo(1);
        assertThat(requestsTo("/capture")).extracting(RecordedRequest::idempotencyKey)
                .containsOnly("tollgate_s_10_capture");
        assertThat(requestsTo("/capture")).filteredOn(r -> r.status() == 200 && !r.replayed()).hasSize(1);
        assertThat(commands.stored()).isEmpty();
    }

    @Test
    void aCaptureStripeRefusesIsReported() throws Exception {
        Created created = intentAtStripe("s_11", CaptureMethod.MANUAL);
        startWorker(settings());

        publish("s_11", CaptureRequested.newBuilder().setPaymentIntentId(created.paymentIntentId())
                .setStripeAccount(null).build());

        CheckoutCommand command = awaitSingle().command();
        assertThat(command.getCommandId()).isEqualTo("payment_s_11_capture");
        PaymentFailureReported failure = failureReport(command);
        assertThat(failure.getStage()).isEqualTo(PaymentStage.CAPTURE);
        assertThat(failure.getCode()).isEqualTo("payment_intent_unexpected_state");
        assertThat(failure.getPaymentIntentId()).isEqualTo(created.paymentIntentId());
    }

    @Test
    void anIntentIsCanceledOnceThoughStripeFailsAtFirstAndTheRequestIsRedelivered() throws Exception {
        Created created = intentAtStripe("s_12", CaptureMethod.AUTOMATIC);
        standIn.failNext(2 * ATTEMPTS_PER_ROUND, Fault.SERVER_ERROR);
        startWorker(settings());
        CancelRequested cancel = CancelRequested.newBuilder().setPaymentIntentId(created.paymentIntentId())
                .setStripeAccount(null).setReason("session_expired").build();

        publish("s_12", cancel);
        publish("s_12", cancel);

        awaitJournalHandled();
        assertThat(eventsAtStripe("payment_intent.canceled", created.paymentIntentId())).isEqualTo(1);
        assertThat(requestsTo("/cancel")).extracting(RecordedRequest::idempotencyKey)
                .containsOnly("tollgate_s_12_cancel");
        assertThat(requestsTo("/cancel")).filteredOn(r -> r.status() == 200 && !r.replayed()).hasSize(1);
        assertThat(commands.stored()).isEmpty();
    }

    /** Used to be a log line and a committed offset: money held with nothing left to retry it. */
    @Test
    void aCancelStripeRefusesForGoodIsReportedCountedAndLeftAsADeadLetterToResend() throws Exception {
        Created created = intentAtStripe("s_13", CaptureMethod.AUTOMATIC);
        assertThat(standIn.pay(created.paymentIntentId(), "pm_card_visa")).isEqualTo("succeeded");
        startWorker(settings());

        publish("s_13", CancelRequested.newBuilder().setPaymentIntentId(created.paymentIntentId())
                .setStripeAccount(null).setReason("session_expired").build());

        CheckoutCommand command = awaitSingle().command();
        assertThat(command.getCommandId()).isEqualTo("payment_s_13_cancel_failed_" + created.paymentIntentId() + "_0");
        PaymentActionFailedReported failure = (PaymentActionFailedReported) command.getPayload();
        assertThat(failure.getAction()).isEqualTo(PaymentAction.CANCEL);
        assertThat(failure.getPaymentIntentId()).isEqualTo(created.paymentIntentId());
        assertThat(failure.getReason()).isEqualTo("session_expired");
        assertThat(failure.getCode()).isEqualTo("payment_intent_unexpected_state");
        assertResendableRetry("s_13", PaymentAction.CANCEL, created.paymentIntentId());
        assertThat(metrics.counter(PaymentWorkerService.ACTIONS_FAILED_METRIC, "action", "cancel").count()).isEqualTo(1);
        awaitJournalHandled();
    }

    @Test
    void aRefundStillFailingAfterTheGiveUpTimeIsReportedAndLeftToResendUnderAFreshKeyNextTime() throws Exception {
        standIn.failNext(10_000, Fault.SERVER_ERROR);
        startWorker(settings().withRetryLater(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(2)));

        publish("s_14", RefundRequested.newBuilder().setPaymentIntentId("pi_late").setStripeAccount(null)
                .setAmountMinor(2_500).setReason("session_canceled").setRetry(2).build());

        PaymentActionFailedReported failure = (PaymentActionFailedReported) awaitSingle().command().getPayload();
        assertThat(failure.getAction()).isEqualTo(PaymentAction.REFUND);
        assertThat(failure.getAmountMinor()).isEqualTo(2_500);
        assertThat(failure.getRetry()).isEqualTo(2);
        assertThat(failure.getCode()).isEqualTo("api_error");
        assertThat(requestsTo("/v1/refunds")).extracting(RecordedRequest::idempotencyKey)
                .containsOnly("tollgate_s_14_refund_pi_late_retry2");
        assertResendableRetry("s_14", PaymentAction.REFUND, "pi_late");
        assertThat(metrics.counter(PaymentWorkerService.ACTIONS_FAILED_METRIC, "action", "refund").count()).isEqualTo(1);
    }

    /** What tollgate dlq resend needs: the two headers, the command topic as source, a command that decodes. */
    private void assertResendableRetry(String sessionId, PaymentAction action, String paymentIntentId) {
        Map<String, Object> config = kafka.consumer("dlq-reader-" + sessionId, null);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < topics.checkoutCommandsDlq().spec().partitions(); p++) {
                partitions.add(new TopicPartition(topics.checkoutCommandsDlq().name(), p));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                consumer.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (sessionId.equals(r.key())) {
                        found.add(r);
                    }
                });
                return !found.isEmpty();
            });
            ConsumerRecord<String, byte[]> dead = found.get(0);
            assertThat(new String(dead.headers().lastHeader(DeadLetter.SOURCE_TOPIC_HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo(topics.checkoutCommands().name());
            assertThat(new String(dead.headers().lastHeader(DeadLetter.ERROR_HEADER).value(), StandardCharsets.UTF_8))
                    .contains("failed for good");
            CheckoutCommand retry = topics.checkoutCommands().valueSerde().deserializer()
                    .deserialize(topics.checkoutCommands().name(), dead.value());
            assertThat(retry.getSessionId()).isEqualTo(sessionId);
            RetryPaymentAction payload = (RetryPaymentAction) retry.getPayload();
            assertThat(payload.getAction()).isEqualTo(action);
            assertThat(payload.getPaymentIntentId()).isEqualTo(paymentIntentId);
        }
    }

    private CommandTail.Stored awaitSingle() {
        commands.awaitAtLeast(1);
        List<CommandTail.Stored> stored = commands.stored();
        assertThat(stored).hasSize(1);
        return stored.get(0);
    }
}
