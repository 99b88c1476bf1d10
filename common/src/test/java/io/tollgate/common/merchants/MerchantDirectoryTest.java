package io.tollgate.common.merchants;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.TopicSpec;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.serde.AvroSerde;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MerchantDirectoryTest {
    private static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");

    private final SecretBox box = new SecretBox(Base64.getDecoder().decode(SecretBox.newMasterKeyBase64()));
    private Topic<String, MerchantConfig> topic;
    private KafkaProducer<String, MerchantConfig> producer;
    private CompactedTopicView<MerchantConfig> view;

    @BeforeAll
    void start() throws Exception {
        topic = new Topic<>(new TopicSpec(SharedKafka.uniqueName("directory") + ".merchants.v1", 1,
                Map.of("cleanup.policy", "compact"), null), Serdes.String(),
                AvroSerde.forValues(MerchantConfig.class, new InMemorySchemaRegistry()));
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, List.of(topic.spec()));
        }
        KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
        producer = new KafkaProducer<>(kafka.producer("directory-test"), topic.keySerde().serializer(),
                topic.valueSerde().serializer());
        view = new CompactedTopicView<>(topic, kafka.consumer("directory-test-view", null)).start();
        assertThat(view.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();
    }

    @AfterAll
    void stop() {
        view.close();
        producer.close();
    }

    @Test
    void signingSecretsAreTheUnexpiredOnesNewestFirst() throws Exception {
        write(config("acme", "m1", 3, List.of(
                secret("acme", "m1", "whsec_new", null),
                secret("acme", "m1", "whsec_old", T0.plus(Duration.ofHours(1))))));

        assertThat(directoryAt(T0).signingSecrets("acme", "m1", 3, Duration.ofSeconds(5)))
                .containsExactly("whsec_new", "whsec_old");
        assertThat(directoryAt(T0.plus(Duration.ofHours(2))).signingSecrets("acme", "m1", 3, Duration.ofSeconds(5)))
                .containsExactly("whsec_new");
        assertThat(directoryAt(T0).hook("acme", "m1").orElseThrow().getVersion()).isEqualTo(3);
        assertThat(directoryAt(T0).find("other", "m1")).isEmpty();
    }

    @Test
    void aVersionTheViewHasNotReadYetIsAwaited() throws Exception {
        write(config("acme", "m2", 1, List.of(secret("acme", "m2", "whsec_v1", null))));
        MerchantDirectory directory = directoryAt(T0);

        assertThatThrownBy(() -> directory.signingSecrets("acme", "m2", 2, Duration.ofMillis(200)))
                .isInstanceOfSatisfying(HookSecretsUnavailableException.class,
                        e -> assertThat(e.reason()).isEqualTo("version_not_reached"));

        CompletableFuture<List<String>> waiting = directory.awaitSigningSecrets("acme", "m2", 2, Duration.ofSeconds(10));
        write(config("acme", "m2", 2, List.of(secret("acme", "m2", "whsec_v2", null))));

        assertThat(waiting.get()).containsExactly("whsec_v2");
    }

    @Test
    void aSecretSealedForAnotherMerchantDoesNotOpen() throws Exception {
        write(config("acme", "m3", 1, List.of(secret("globex", "m3", "whsec_moved", null))));

        assertThatThrownBy(() -> directoryAt(T0).signingSecrets("acme", "m3", 1, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(HookSecretsUnavailableException.class, e -> {
                    assertThat(e.reason()).isEqualTo("cannot_open");
                    assertThat(e.getMessage()).doesNotContain("whsec_moved");
                });
    }

    @Test
    void aMerchantWithoutAHookHasNoSecrets() throws Exception {
        MerchantConfig noHook = config("acme", "m4", 2, List.of());
        noHook.setHook(null);
        write(noHook);

        assertThatThrownBy(() -> directoryAt(T0).signingSecrets("acme", "m4", 1, Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(HookSecretsUnavailableException.class, e -> assertThat(e.reason()).isEqualTo("no_hook"));
    }

    private MerchantDirectory directoryAt(Instant now) {
        return new MerchantDirectory(view, box, Clock.fixed(now, ZoneOffset.UTC));
    }

    private void write(MerchantConfig config) throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topic.name(), MerchantDirectory.key(config.getAgencyId(), config.getMerchantId()),
                config)).get();
    }

    private HookSecret secret(String agency, String merchant, String clear, Instant expiresAt) {
        Encrypted sealed = box.seal(clear, MerchantDirectory.secretPurpose(agency, merchant));
        return HookSecret.newBuilder().setSecret(sealed).setCreatedAt(T0).setExpiresAt(expiresAt).build();
    }

    private static MerchantConfig config(String agency, String merchant, long version, List<HookSecret> secrets) {
        HookSnapshot snapshot = HookSnapshot.newBuilder().setVersion(version).setUrl("https://hooks.example.com/h")
                .setFailMode(FailMode.CLOSED).setTimeoutMs(5000).setMode(HookMode.SYNC).setPartnerWaitMinutes(240).build();
        return MerchantConfig.newBuilder().setAgencyId(agency).setMerchantId(merchant).setDisplayName("Shop")
                .setCreatedAt(T0).setUpdatedAt(T0).setVersion(version)
                .setHook(HookConfig.newBuilder().setSnapshot(snapshot).setSecrets(new ArrayList<>(secrets)).build())
                .setIdempotency(new ArrayList<>()).setChanges(new ArrayList<>()).build();
    }
}
