package io.tollgate.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.standardwebhooks.Webhook;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.KeyedTopicView;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import mockwebserver3.RecordedRequest;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hook-caller service on the shared broker: merchant configs in merchants.v1, commits in the journal, a real
 * HTTP server as the merchant, and what it reports (commands) and records (the hook-call log) read back from Kafka.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HookCallerServiceTest {

  private static final String AGENCY = "agency_a";

  private final SecretBox secretBox = new SecretBox(Base64.getDecoder().decode(SecretBox.newMasterKeyBase64()));
  private final String secret = HookFixtures.newSecret();
  private Topics topics;
  private KafkaProducer<String, MerchantConfig> merchants;
  private KafkaProducer<String, CheckoutEvent> journal;
  private HookCallerService service;
  private KafkaClients kafka;
  private String groupId;
  private KeyedTopicView<CheckoutCommand, List<CheckoutCommand>> commands;
  private KeyedTopicView<HookCall, List<HookCall>> calls;
  private MerchantHook merchant;

  @BeforeAll
  void start() throws Exception {
    String prefix = SharedKafka.uniqueName("hook-caller-service");
    topics = new Topics(new InMemorySchemaRegistry(), 2, prefix + ".");
    try (var admin = SharedKafka.admin()) {
      TopicProvisioner.ensure(admin, topics.specs());
    }
    KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
    merchants = new KafkaProducer<>(kafka.producer(prefix + "-merchants"), topics.merchants().keySerde().serializer(),
        topics.merchants().valueSerde().serializer());
    journal = new KafkaProducer<>(kafka.producer(prefix + "-journal"), topics.checkoutEvents().keySerde().serializer(),
        topics.checkoutEvents().valueSerde().serializer());
    commands = KeyedTopicView.newest(topics.checkoutCommands(), kafka.consumer(prefix + "-commands", null), 100).start();
    calls = KeyedTopicView.newest(topics.hookCalls(), kafka.consumer(prefix + "-calls", null), 100).start();
    this.kafka = kafka;
    groupId = prefix + "-hook-caller";
    service = startService();
  }

  private HookCallerService startService() throws InterruptedException {
    return new HookCallerService(new HookCallerService.Settings(groupId, true, 100, HookGuardSettings.defaults()), topics, kafka,
        secretBox, new SimpleMeterRegistry()).start();
  }

  @AfterAll
  void stop() {
    service.close();
    calls.close();
    commands.close();
    journal.close();
    merchants.close();
  }

  @BeforeEach
  void startMerchant() throws Exception {
    merchant = new MerchantHook();
  }

  @AfterEach
  void stopMerchant() {
    merchant.close();
  }

  @Test
  void aCommitSeenTwiceByOneCallerIsCalledOnceAndARestartedCallerCallsAgainWithTheSameWebhookId() throws Exception {
    String merchantId = putMerchant();
    merchant.answers(200, "{\"available\": true}").answers(200, "{\"available\": true}");
    String sessionId = "sess_" + UUID.randomUUID();
    CheckoutEvent commit = commit(sessionId, merchantId, 1, Instant.now().plusSeconds(30));

    // the same journal record twice, as a fold transaction that aborted and was written again leaves it
    append(commit);
    RecordMetadata again = append(commit);
    RecordedRequest first = merchant.takeRequest();
    awaitCommittedPast(again);
    assertThat(merchant.requestCount()).as("the caller remembers the event id: one call").isEqualTo(1);

    // at least once across processes: a caller that starts again and meets the commit calls again, same ids
    service.close();
    service = startService();
    RecordMetadata redelivered = append(commit);
    RecordedRequest second = merchant.takeRequest();
    awaitCommittedPast(redelivered);

    String webhookId = HookRequest.webhookIdFor(sessionId, 1);
    for (RecordedRequest call : List.of(first, second)) {
      assertThat(call.getHeaders().get("webhook-id")).isEqualTo(webhookId);
      new Webhook(secret).verify(Objects.requireNonNull(call.getBody()).utf8(), call.getHeaders().toMultimap());
    }
    List<CheckoutCommand> reported = commands.await(sessionId, c -> c.size() == 2, Duration.ofSeconds(15)).get();
    assertThat(reported).extracting(CheckoutCommand::getCommandId).containsExactly("hook_" + webhookId, "hook_" + webhookId);
    assertThat(reported).extracting(c -> (HookDecisionReported) c.getPayload()).allSatisfy(report -> {
      assertThat(report.getAttempt()).isEqualTo(1);
      assertThat(report.getWebhookId()).isEqualTo(webhookId);
      assertThat(report.getDecision().getOutcome()).isEqualTo(HookOutcome.APPROVED);
    });
    List<HookCall> recorded = calls.await(MerchantDirectory.key(AGENCY, merchantId), c -> c.size() == 2,
        Duration.ofSeconds(15)).get();
    assertThat(recorded).allSatisfy(call -> {
      assertThat(call.getCallId()).isEqualTo(webhookId);
      assertThat(call.getSessionId()).isEqualTo(sessionId);
      assertThat(call.getAttempt()).isEqualTo(1);
      assertThat(call.getTest()).isFalse();
      assertThat(call.getUrl()).isEqualTo(merchant.url());
      assertThat(call.getDecision().getOutcome()).isEqualTo(HookOutcome.APPROVED);
      assertThat(call.getDecision().getHttpStatus()).isEqualTo(200);
    });
  }

  /** Waits until the caller's group has committed past the record: it is done with it, one way or the other. */
  private void awaitCommittedPast(RecordMetadata record) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    try (var admin = SharedKafka.admin()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        var committed = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get().get(partition);
        return committed != null && committed.offset() > record.offset();
      });
    }
  }

  @Test
  void aCommitPastItsDeadlineIsReportedAndRecordedWithoutACall() throws Exception {
    String merchantId = putMerchant();
    String sessionId = "sess_" + UUID.randomUUID();

    append(commit(sessionId, merchantId, 2, Instant.now().minusSeconds(1)));

    List<CheckoutCommand> reported = commands.await(sessionId, c -> !c.isEmpty(), Duration.ofSeconds(15)).get();
    HookDecisionReported report = (HookDecisionReported) reported.get(0).getPayload();
    assertThat(report.getDecision().getOutcome()).isEqualTo(HookOutcome.UNAVAILABLE);
    assertThat(report.getDecision().getReason()).isEqualTo("deadline_exceeded");
    HookCall call = calls.await(MerchantDirectory.key(AGENCY, merchantId), c -> !c.isEmpty(), Duration.ofSeconds(15))
        .get().get(0);
    assertThat(call.getSessionId()).isEqualTo(sessionId);
    assertThat(call.getAttempt()).isEqualTo(2);
    assertThat(call.getDecision().getReason()).isEqualTo("deadline_exceeded");
    assertThat(call.getProblems()).singleElement().asString().contains("no call was made");
    assertThat(merchant.requestCount()).isZero();
  }

  /** A merchant of its own, whose hook is this test's server; returns once the service can sign for it. */
  private String putMerchant() throws Exception {
    String merchantId = "mer_" + UUID.randomUUID().toString().substring(0, 8);
    HookSnapshot hook = HookSnapshot.newBuilder().setVersion(1).setUrl(merchant.url()).setFailMode(FailMode.CLOSED)
        .setTimeoutMs(2_000).setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build();
    HookSecret sealed = HookSecret.newBuilder()
        .setSecret(secretBox.seal(secret, MerchantDirectory.secretPurpose(AGENCY, merchantId)))
        .setCreatedAt(Instant.now()).build();
    MerchantConfig config = MerchantConfig.newBuilder().setAgencyId(AGENCY).setMerchantId(merchantId)
        .setDisplayName("Studio").setCreatedAt(Instant.now()).setUpdatedAt(Instant.now()).setVersion(1)
        .setHook(HookConfig.newBuilder().setSnapshot(hook).setSecrets(new ArrayList<>(List.of(sealed))).build())
        .setIdempotency(new ArrayList<>()).setChanges(new ArrayList<>()).build();
    merchants.send(new ProducerRecord<>(topics.merchants().name(), MerchantDirectory.key(AGENCY, merchantId), config))
        .get();
    return merchantId;
  }

  private CheckoutEvent commit(String sessionId, String merchantId, int attempt, Instant deadline) {
    HookSnapshot hook = HookSnapshot.newBuilder().setVersion(1).setUrl(merchant.url()).setFailMode(FailMode.CLOSED)
        .setTimeoutMs(2_000).setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build();
    CheckoutCommitted committed = CheckoutCommitted.newBuilder().setAttempt(attempt).setIdempotencyKey("idem_" + attempt)
        .setDeadline(deadline).setHook(hook).setCart(HookFixtures.yogaCart())
        .setExtensionsJson(HookFixtures.EXTENSIONS).setCustomerJson(HookFixtures.CUSTOMER).build();
    return CheckoutEvent.newBuilder().setEventId("cmd_" + sessionId + ":0").setSessionId(sessionId)
        .setAgencyId(AGENCY).setMerchantId(merchantId).setSeq(2).setOccurredAt(Instant.now())
        .setCausedBy("cmd_" + sessionId).setActor("api:" + AGENCY).setPrevHash("0".repeat(64)).setPayload(committed)
        .build();
  }

  private RecordMetadata append(CheckoutEvent event) throws Exception {
    return journal.send(new ProducerRecord<>(topics.checkoutEvents().name(), event.getSessionId(), event)).get();
  }
}
