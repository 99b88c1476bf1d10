package io.tollgate.orchestrator.merchants;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.http.ChunkedUpload;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.net.OutboundUrlRules;
import io.tollgate.orchestrator.merchants.PartnerClient.Reply;
import io.tollgate.schema.ConfigChange;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.LoggerFactory;

/**
 * The merchant and pre-confirmation hook API over real HTTP, against the config fold on the shared
 * broker, outside dev mode (so hook URLs must be public https). Each test uses its own merchant.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MerchantApiTest {
    static final String ACME_KEY = "tg_test_acme_0123456789";
    static final String GLOBEX_KEY = "tg_test_globex_0123456789";
    static final String HOOK_URL = "https://hooks.example.com/swft/capacity-check";

    private final Set<String> secretsSeen = ConcurrentHashMap.newKeySet();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private SecretBox secretBox;
    private MerchantTestApp.TestTopics topics;
    private MerchantTestApp app;
    private PartnerClient acme;
    private PartnerClient globex;

    @BeforeAll
    void start() throws Exception {
        logs.start();
        root().addAppender(logs);
        String prefix = SharedKafka.uniqueName("merchant-api");
        secretBox = new SecretBox(Base64.getDecoder().decode(SecretBox.newMasterKeyBase64()));
        topics = MerchantTestApp.TestTopics.create(prefix, new InMemorySchemaRegistry());
        app = MerchantTestApp.start(topics, prefix + "-app", false, secretBox, Map.of(
                "acme", List.of(TollgateConfig.partnerKeyHash(ACME_KEY)),
                "globex", List.of(TollgateConfig.partnerKeyHash(GLOBEX_KEY))));
        acme = PartnerClient.bearer(app, ACME_KEY);
        globex = PartnerClient.bearer(app, GLOBEX_KEY);
    }

    @AfterAll
    void stop() {
        if (app != null) {
            app.close();
        }
        root().detachAppender(logs);
    }

    // ---- merchants ------------------------------------------------------------------------------

    @Test
    void aMerchantIsPutAndReadBackAndEachChangeBumpsItsVersion() {
        String m = merchantId();

        Reply created = acme.put(merchant("acme", m), null, "{\"display_name\":\"Yoga Studio\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        assertThat(created.json().get("id").asText()).isEqualTo(m);
        assertThat(created.json().get("agency_id").asText()).isEqualTo("acme");
        assertThat(created.json().get("display_name").asText()).isEqualTo("Yoga Studio");
        assertThat(created.json().get("stripe_account").isNull()).isTrue();
        assertThat(created.json().get("version").asLong()).isEqualTo(1);

        Reply updated = acme.put(merchant("acme", m), null,
                "{\"display_name\":\"Yoga Studio Ltd\",\"stripe_account\":\"acct_1Abc\"}");
        assertThat(updated.json().get("version").asLong()).isEqualTo(2);

        Reply read = acme.get(merchant("acme", m));
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("display_name").asText()).isEqualTo("Yoga Studio Ltd");
        assertThat(read.json().get("stripe_account").asText()).isEqualTo("acct_1Abc");
        assertThat(read.json().get("version").asLong()).isEqualTo(2);

        MerchantConfig config = app.directory().find("acme", m).orElseThrow();
        assertThat(config.getChanges()).extracting(ConfigChange::getChange).containsExactly("merchant_upserted", "merchant_upserted");
        assertThat(config.getChanges()).extracting(ConfigChange::getActor).allMatch(a -> a.startsWith("partner:acme:"));
    }

    @Test
    void anUnknownMerchantIs404() {
        Reply reply = acme.get(merchant("acme", merchantId()));

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.errorCode()).isEqualTo("not_found");
    }

    @Test
    void aMerchantPutWithAnIdempotencyKeyIsReplayed() {
        String m = merchantId();
        Reply first = acme.put(merchant("acme", m), "mk-1", "{\"display_name\":\"A\"}");
        Reply again = acme.put(merchant("acme", m), "mk-1", "{\"display_name\":\"A\"}");
        Reply other = acme.put(merchant("acme", m), "mk-1", "{\"display_name\":\"B\"}");

        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(app.directory().find("acme", m).orElseThrow().getVersion()).isEqualTo(1);
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.errorCode()).isEqualTo("idempotency_key_reused");
    }

    // ---- the hook -------------------------------------------------------------------------------

    @Test
    void theHookIsPutWithDesignDefaultsReadWithoutItsSecretUpdatedAndDeleted() {
        String m = newMerchant(acme, "acme");

        // a Swft client sends only url and fail_mode
        Reply put = acme.put(hook("acme", m), key(), "{\"url\":\"" + HOOK_URL + "\",\"fail_mode\":\"closed\"}");
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(fieldNames(put)).containsExactly("url", "secret", "fail_mode", "timeout_ms", "mode",
                "partner_wait_minutes", "version");
        assertThat(put.json().get("url").asText()).isEqualTo(HOOK_URL);
        assertThat(put.json().get("fail_mode").asText()).isEqualTo("closed");
        assertThat(put.json().get("timeout_ms").asInt()).isEqualTo(5000);
        assertThat(put.json().get("mode").asText()).isEqualTo("sync");
        assertThat(put.json().get("partner_wait_minutes").asInt()).isEqualTo(240);
        assertThat(put.json().get("version").asLong()).isEqualTo(2);
        String secret = secretOf(put);
        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring("whsec_".length()))).hasSize(32);

        Reply read = acme.get(hook("acme", m));
        assertThat(read.status()).isEqualTo(200);
        assertThat(fieldNames(read)).containsExactly("url", "fail_mode", "timeout_ms", "mode", "partner_wait_minutes", "version");
        assertThat(read.body()).doesNotContain(secret);

        Reply changed = acme.put(hook("acme", m), key(), "{\"url\":\"https://hooks.example.com/v2\",\"fail_mode\":\"open\","
                + "\"timeout_ms\":10000,\"mode\":\"deferred\",\"partner_wait_minutes\":30}");
        assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
        assertThat(changed.json().get("version").asLong()).isEqualTo(3);
        assertThat(changed.json().get("fail_mode").asText()).isEqualTo("open");
        assertThat(changed.json().get("timeout_ms").asInt()).isEqualTo(10000);
        assertThat(changed.json().get("mode").asText()).isEqualTo("deferred");
        assertThat(changed.json().get("partner_wait_minutes").asInt()).isEqualTo(30);
        assertThat(changed.json().has("secret")).as("an update does not show the live secret again").isFalse();
        assertThat(app.directory().signingSecrets("acme", m, 3, Duration.ofSeconds(5)))
                .as("changing settings keeps the secret that signs").containsExactly(secret);
        assertThat(app.directory().hook("acme", m).orElseThrow().getUrl()).isEqualTo("https://hooks.example.com/v2");

        Reply deleted = acme.delete(hook("acme", m), null);
        assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
        assertThat(deleted.json().get("deleted").asBoolean()).isTrue();
        assertThat(deleted.json().get("version").asLong()).isEqualTo(4);
        assertThat(acme.get(hook("acme", m)).status()).isEqualTo(404);
        assertThat(acme.delete(hook("acme", m), null).status()).isEqualTo(404);
        assertThat(acme.post(rotate("acme", m), key(), null).status()).isEqualTo(404);

        MerchantConfig config = app.directory().find("acme", m).orElseThrow();
        assertThat(config.getChanges()).extracting(ConfigChange::getChange)
                .containsExactly("merchant_upserted", "hook_put", "hook_put", "hook_deleted");
    }

    @Test
    void aHookNeedsAnExistingMerchant() {
        Reply reply = acme.put(hook("acme", merchantId()), key(), hookBody(HOOK_URL));

        assertThat(reply.status()).isEqualTo(404);
    }

    @Test
    void theSameIdempotencyKeyAndBodyReplayTheFirstAnswerSecretIncluded() {
        String m = newMerchant(acme, "acme");
        String key = key();

        Reply first = acme.put(hook("acme", m), key, "{\"url\":\"" + HOOK_URL + "\"}");
        // the same request with a default spelled out is the same request
        Reply again = acme.put(hook("acme", m), key, "{\"url\":\"" + HOOK_URL + "\",\"fail_mode\":\"closed\",\"mode\":\"sync\"}");

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(secretOf(again)).isEqualTo(secretOf(first));
        assertThat(app.directory().find("acme", m).orElseThrow().getVersion()).as("nothing changed twice").isEqualTo(2);
    }

    @Test
    void aRepeatedPutShowsTheSecretOnlyWhenItReplaysTheRequestThatCreatedIt() {
        String m = newMerchant(acme, "acme");
        String createKey = key();
        String secret = secretOf(acme.put(hook("acme", m), createKey, hookBody(HOOK_URL)));

        Reply sameBodyNewKey = acme.put(hook("acme", m), key(), hookBody(HOOK_URL));
        Reply replay = acme.put(hook("acme", m), createKey, hookBody(HOOK_URL));

        assertThat(sameBodyNewKey.status()).as(sameBodyNewKey.toString()).isEqualTo(200);
        assertThat(sameBodyNewKey.json().has("secret")).isFalse();
        assertThat(sameBodyNewKey.body()).doesNotContain(secret.substring("whsec_".length()));
        assertThat(secretOf(replay)).as("the first answer, as it was").isEqualTo(secret);
    }

    @Test
    void theSameIdempotencyKeyWithAnotherRequestIs422() {
        String m = newMerchant(acme, "acme");
        String key = key();
        assertThat(acme.put(hook("acme", m), key, hookBody(HOOK_URL)).status()).isEqualTo(200);

        Reply otherBody = acme.put(hook("acme", m), key, hookBody("https://hooks.example.com/other"));
        Reply otherRoute = acme.post(rotate("acme", m), key, null);

        assertThat(otherBody.status()).isEqualTo(422);
        assertThat(otherBody.errorCode()).isEqualTo("idempotency_key_reused");
        assertThat(otherRoute.status()).isEqualTo(422);
        assertThat(otherRoute.errorCode()).isEqualTo("idempotency_key_reused");
        assertThat(app.directory().hook("acme", m).orElseThrow().getUrl()).isEqualTo(HOOK_URL);
    }

    @Test
    void concurrentRequestsWithOneKeyCreateOneSecret() {
        String m = newMerchant(acme, "acme");
        String key = key();

        List<CompletableFuture<Reply>> calls = IntStream.range(0, 8)
                .mapToObj(i -> acme.putAsync(hook("acme", m), key, hookBody(HOOK_URL))).toList();
        List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();

        assertThat(replies).allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(200));
        assertThat(replies.stream().map(this::secretOf).distinct()).hasSize(1);
        MerchantConfig config = app.directory().find("acme", m).orElseThrow();
        assertThat(config.getHook().getSecrets()).hasSize(1);
        assertThat(config.getChanges()).extracting(ConfigChange::getChange).containsOnlyOnce("hook_put");
    }

    @Test
    void concurrentDifferentRequestsWithOneKeyApplyOnlyTheFirst() {
        String m = newMerchant(acme, "acme");
        String key = key();

        List<CompletableFuture<Reply>> calls = IntStream.range(0, 6)
                .mapToObj(i -> acme.putAsync(hook("acme", m), key, hookBody("https://hooks.example.com/h" + i))).toList();
        List<Reply> replies = calls.stream().map(CompletableFuture::join).toList();

        assertThat(replies).filteredOn(r -> r.status() == 200).hasSize(1);
        assertThat(replies).filteredOn(r -> r.status() == 422).hasSize(5);
        replies.stream().filter(r -> r.status() == 200).forEach(this::secretOf);
        assertThat(app.directory().find("acme", m).orElseThrow().getChanges()).extracting(ConfigChange::getChange)
                .containsOnlyOnce("hook_put");
    }

    @Test
    void rotationIssuesANewSecretAndBothSignDuringTheGracePeriod() {
        String m = newMerchant(acme, "acme");
        String first = secretOf(acme.put(hook("acme", m), key(), hookBody(HOOK_URL)));
        String rotateKey = key();

        Reply rotated = acme.post(rotate("acme", m), rotateKey, null);
        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
        String second = secretOf(rotated);
        assertThat(second).isNotEqualTo(first).startsWith("whsec_");
        assertThat(rotated.json().get("url").asText()).isEqualTo(HOOK_URL);
        long version = rotated.json().get("version").asLong();
        assertThat(version).isEqualTo(3);

        Reply replayed = acme.post(rotate("acme", m), rotateKey, "{}");
        assertThat(replayed.status()).isEqualTo(200);
        assertThat(secretOf(replayed)).isEqualTo(second);

        assertThat(app.directory().signingSecrets("acme", m, version, Duration.ofSeconds(5))).containsExactly(second, first);
        List<HookSecret> stored = app.directory().find("acme", m).orElseThrow().getHook().getSecrets();
        assertThat(stored.get(0).getExpiresAt()).isNull();
        assertThat(stored.get(1).getExpiresAt()).isEqualTo(stored.get(0).getCreatedAt().plus(Duration.ofHours(24)));
        assertThat(stored).allSatisfy(s -> assertThat(s.getSecret().getKeyId()).isEqualTo(secretBox.keyId()));

        Reply read = acme.get(hook("acme", m));
        assertThat(read.json().has("secret")).isFalse();
        assertThat(read.body()).doesNotContain(first).doesNotContain(second);
        assertThat(read.json().get("version").asLong()).isEqualTo(version);
    }

    /** The fold refused it too, but only after a command with a fresh sealed secret had been written. */
    @Test
    void rotatingTheSecretOfAMerchantWithoutAHookWritesNothing() {
        String m = newMerchant(acme, "acme");
        long offsetBefore = TopicBytes.values(topics.commands().name()).size();

        Reply rotated = acme.post(rotate("acme", m), key(), null);

        assertThat(rotated.status()).as(rotated.toString()).isEqualTo(404);
        assertThat(rotated.text("/error/meta/reason")).isEqualTo("hook_not_found");
        assertThat(TopicBytes.values(topics.commands().name())).as("no command was written").hasSize((int) offsetBefore);
    }

    @Test
    void rotationNeedsAnIdempotencyKeyAndTakesNoFields() {
        String m = newMerchant(acme, "acme");
        acme.put(hook("acme", m), key(), hookBody(HOOK_URL));

        Reply noKey = acme.post(rotate("acme", m), null, null);
        Reply unknownField = acme.post(rotate("acme", m), key(), "{\"grace\":1}");

        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.errorCode()).isEqualTo("idempotency_key_required");
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.text("/error/meta/field")).isEqualTo("grace");
    }

    // ---- agencies, keys -------------------------------------------------------------------------

    @Test
    void anAgencyNeverReadsOrChangesAnotherAgencysMerchant() {
        String m = newMerchant(acme, "acme");
        String secret = secretOf(acme.put(hook("acme", m), key(), hookBody(HOOK_URL)));
        long version = app.directory().find("acme", m).orElseThrow().getVersion();

        List<Reply> attempts = List.of(
                globex.get(merchant("acme", m)),
                globex.put(merchant("acme", m), null, "{\"display_name\":\"taken over\"}"),
                globex.get(hook("acme", m)),
                globex.put(hook("acme", m), key(), hookBody("https://evil.example.com/h")),
                globex.post(rotate("acme", m), key(), null),
                globex.delete(hook("acme", m), null));

        assertThat(attempts).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(404);
            assertThat(r.body()).doesNotContain(secret).doesNotContain(HOOK_URL);
        });
        MerchantConfig after = app.directory().find("acme", m).orElseThrow();
        assertThat(after.getVersion()).isEqualTo(version);
        assertThat(after.getDisplayName()).isEqualTo("Shop " + m);

        // the same merchant id in another agency is another merchant
        Reply own = globex.put(merchant("globex", m), null, "{\"display_name\":\"Globex shop\"}");
        assertThat(own.status()).isEqualTo(200);
        assertThat(own.json().get("version").asLong()).isEqualTo(1);
        assertThat(acme.get(merchant("acme", m)).json().get("display_name").asText()).isEqualTo("Shop " + m);
        assertThat(acme.get(merchant("globex", m)).status()).isEqualTo(404);
    }

    @Test
    void aMissingOrUnknownPartnerKeyIs401() {
        String m = newMerchant(acme, "acme");
        List<Reply> replies = List.of(
                PartnerClient.bearer(app, null).get(merchant("acme", m)),
                PartnerClient.bearer(app, "tg_not_a_key").get(merchant("acme", m)),
                PartnerClient.bearer(app, "tg_not_a_key").put(hook("acme", m), key(), hookBody(HOOK_URL)),
                new PartnerClient(app::uri, "Basic " + ACME_KEY).get(merchant("acme", m)),
                PartnerClient.bearer(app, "tg_not_a_key").get(merchant("nobody", m)));

        assertThat(replies).allSatisfy(r -> {
            assertThat(r.status()).as(r.toString()).isEqualTo(401);
            assertThat(r.errorCode()).isEqualTo("unauthorized");
        });
    }

    // ---- validation -----------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "url missing                 | {\"fail_mode\":\"closed\"}                                       | url",
            "url not a string            | {\"url\":42}                                                     | url",
            "url http outside dev mode   | {\"url\":\"http://hooks.example.com/h\"}                         | url",
            "url not a URL               | {\"url\":\"https://exa mple.com/\"}                              | url",
            "url relative                | {\"url\":\"/hooks/h\"}                                           | url",
            "url with user info          | {\"url\":\"https://user:pw@hooks.example.com/h\"}                | url",
            "url localhost               | {\"url\":\"https://localhost/h\"}                                | url",
            "url loopback literal        | {\"url\":\"https://127.0.0.1/h\"}                                | url",
            "url private literal         | {\"url\":\"https://10.1.2.3/h\"}                                 | url",
            "url metadata literal        | {\"url\":\"https://169.254.169.254/latest/meta-data\"}           | url",
            "url IPv6 loopback           | {\"url\":\"https://[::1]/h\"}                                    | url",
            "url IPv4-mapped private     | {\"url\":\"https://[::ffff:192.168.1.1]/h\"}                     | url",
            "url single label            | {\"url\":\"https://intranet/h\"}                                 | url",
            "url numeric host            | {\"url\":\"https://2130706433/h\"}                               | url",
            "url internal name           | {\"url\":\"https://metadata.google.internal/h\"}                 | url",
            "fail_mode not an enum       | {\"url\":\"https://hooks.example.com/h\",\"fail_mode\":\"maybe\"} | fail_mode",
            "fail_mode upper case        | {\"url\":\"https://hooks.example.com/h\",\"fail_mode\":\"CLOSED\"} | fail_mode",
            "mode not an enum            | {\"url\":\"https://hooks.example.com/h\",\"mode\":\"async\"}     | mode",
            "timeout_ms over the max     | {\"url\":\"https://hooks.example.com/h\",\"timeout_ms\":10001}   | timeout_ms",
            "timeout_ms zero             | {\"url\":\"https://hooks.example.com/h\",\"timeout_ms\":0}       | timeout_ms",
            "timeout_ms a string         | {\"url\":\"https://hooks.example.com/h\",\"timeout_ms\":\"5000\"} | timeout_ms",
            "timeout_ms a decimal        | {\"url\":\"https://hooks.example.com/h\",\"timeout_ms\":5000.5}  | timeout_ms",
            "partner_wait_minutes zero   | {\"url\":\"https://hooks.example.com/h\",\"partner_wait_minutes\":0} | partner_wait_minutes",
            "unknown field               | {\"url\":\"https://hooks.example.com/h\",\"secret\":\"mine\"}    | secret",
    })
    void invalidHookBodiesAre400NamingTheField(String name, String body, String field) {
        String m = newMerchant(acme, "acme");

        Reply reply = acme.put(hook("acme", m), key(), body);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        assertThat(reply.errorCode()).isEqualTo("invalid_request");
        assertThat(reply.text("/error/meta/field")).isEqualTo(field);
        assertThat(reply.text("/error/message")).startsWith(field + ":");
        assertThat(app.directory().find("acme", m).orElseThrow().getHook()).isNull();
    }

    @Test
    void urlsOfTheMaximumLengthAreAcceptedAndLongerOnesRefused() {
        String m = newMerchant(acme, "acme");
        String base = "https://hooks.example.com/";
        String longest = base + "a".repeat(OutboundUrlRules.MAX_LENGTH - base.length());

        Reply ok = acme.put(hook("acme", m), key(), hookBody(longest));
        Reply tooLong = acme.put(hook("acme", m), key(), hookBody(longest + "a"));

        assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.text("/error/meta/field")).isEqualTo("url");
    }

    @Test
    void malformedRequestsAreRefusedWithTheirReason() {
        String m = newMerchant(acme, "acme");

        Reply noKey = acme.put(hook("acme", m), null, hookBody(HOOK_URL));
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.errorCode()).isEqualTo("idempotency_key_required");

        Reply badKey = acme.put(hook("acme", m), "k".repeat(256), hookBody(HOOK_URL));
        assertThat(badKey.status()).isEqualTo(400);

        Reply notJson = acme.put(hook("acme", m), key(), "{url:");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.errorCode()).isEqualTo("invalid_json");

        Reply array = acme.put(hook("acme", m), key(), "[]");
        assertThat(array.status()).isEqualTo(400);

        Reply tooLarge = acme.put(hook("acme", m), key(),
                "{\"url\":\"" + HOOK_URL + "\",\"x\":\"" + "a".repeat(70 * 1024) + "\"}");
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.errorCode()).isEqualTo("payload_too_large");

        Reply badMerchantId = acme.put(merchant("acme", "bad.id"), null, "{\"display_name\":\"x\"}");
        assertThat(badMerchantId.status()).isEqualTo(400);
        assertThat(badMerchantId.text("/error/meta/field")).isEqualTo("merchant_id");

        Reply longMerchantId = acme.get(merchant("acme", "m".repeat(65)));
        assertThat(longMerchantId.status()).isEqualTo(400);

        Reply noName = acme.put(merchant("acme", m), null, "{\"stripe_account\":\"acct_1\"}");
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.text("/error/meta/field")).isEqualTo("display_name");

        Reply nameNotString = acme.put(merchant("acme", m), null, "{\"display_name\":42}");
        assertThat(nameNotString.text("/error/meta/field")).isEqualTo("display_name");

        Reply badAccount = acme.put(merchant("acme", m), null, "{\"display_name\":\"x\",\"stripe_account\":\"cus_1\"}");
        assertThat(badAccount.text("/error/meta/field")).isEqualTo("stripe_account");

        Reply bidiName = acme.put(merchant("acme", m), null, "{\"display_name\":\"Shop\\u202e\"}");
        assertThat(bidiName.status()).isEqualTo(400);
        assertThat(bidiName.text("/error/meta/field")).isEqualTo("display_name");

        Reply duplicateKey = acme.put(hook("acme", m), key(), "{\"url\":\"" + HOOK_URL + "\",\"url\":\"https://evil.example.com/\"}");
        assertThat(duplicateKey.status()).isEqualTo(400);
        assertThat(duplicateKey.body()).contains("Duplicate field 'url'");

        assertThat(app.directory().find("acme", m).orElseThrow().getVersion()).as("nothing was written").isEqualTo(1);
    }

    /** Javalin checks only Content-Length: a chunked body used to be buffered whole before its size was looked at. */
    @Test
    void aChunkedBodyIsCutOffAtTheLimitWhileItStreams() throws Exception {
        String m = newMerchant(acme, "acme");
        Map<String, String> headers = Map.of("Authorization", "Bearer " + ACME_KEY, "Content-Type", "application/json",
                "Idempotency-Key", key());

        for (String[] route : List.of(new String[] {"PUT", merchant("acme", m)}, new String[] {"PUT", hook("acme", m)},
                new String[] {"POST", rotate("acme", m)})) {
            ChunkedUpload.Answer answer = ChunkedUpload.send(app.port(), route[0], route[1], headers, 1L << 20);
            assertThat(answer.status()).as(route[1] + " " + answer.body()).isEqualTo(413);
            assertThat(answer.body()).contains("\"code\":\"payload_too_large\"");
            assertThat(answer.beforeBodyEnded()).as("answered while the body was still streaming").isTrue();
        }
        ChunkedUpload.Answer noKey = ChunkedUpload.send(app.port(), "PUT", merchant("acme", m),
                Map.of("Content-Type", "application/json"), 1L << 20);
        assertThat(noKey.status()).isEqualTo(401);
        assertThat(noKey.beforeBodyEnded()).as("refused without reading the body").isTrue();
    }

    // ---- secrets at rest ------------------------------------------------------------------------

    @Test
    void secretsNeverAppearInClearInLogsReadsOrTopics() {
        String m = newMerchant(acme, "acme");
        String key = key();
        secretOf(acme.put(hook("acme", m), key, hookBody(HOOK_URL)));
        secretOf(acme.put(hook("acme", m), key, hookBody(HOOK_URL)));
        secretOf(acme.post(rotate("acme", m), key(), null));
        List<String> secrets = new ArrayList<>(secretsSeen);
        assertThat(secrets).isNotEmpty();

        List<String> logLines = new ArrayList<>();
        for (ILoggingEvent event : List.copyOf(logs.list)) {
            logLines.add(event.getFormattedMessage());
            if (event.getThrowableProxy() != null) {
                logLines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
        }
        assertThat(logLines).as("the fold and the API did log").anyMatch(l -> l.contains("merchant_config_changed"));

        Reply read = acme.get(hook("acme", m));
        List<byte[]> stored = new ArrayList<>();
        stored.addAll(TopicBytes.values(topics.commands().name()));
        stored.addAll(TopicBytes.values(topics.merchants().name()));
        stored.addAll(TopicBytes.values(app.changelogTopic()));
        assertThat(stored).isNotEmpty();

        for (String secret : secrets) {
            byte[] clear = secret.getBytes(StandardCharsets.UTF_8);
            byte[] raw = Base64.getDecoder().decode(secret.substring("whsec_".length()));
            String base64Part = secret.substring("whsec_".length());
            assertThat(logLines).noneMatch(line -> line.contains(base64Part));
            assertThat(read.body()).doesNotContain(base64Part);
            assertThat(stored).noneMatch(bytes -> TopicBytes.contains(bytes, clear) || TopicBytes.contains(bytes, raw));
        }
    }

    /** A query string often holds the merchant's token: sealed like a secret, shown redacted, called in clear. */
    @Test
    void aHookUrlsQueryIsSealedInTopicsAndShownRedacted() {
        String m = newMerchant(acme, "acme");
        String token = "tk_" + UUID.randomUUID().toString().replace("-", "");
        String url = "https://hooks.example.com/check?token=" + token + "&v=2";

        Reply put = acme.put(hook("acme", m), key(), hookBody(url));
        Reply read = acme.get(hook("acme", m));

        assertThat(put.status()).as(put.toString()).isEqualTo(200);
        assertThat(put.text("/url")).isEqualTo("https://hooks.example.com/check?token=redacted&v=redacted");
        assertThat(read.text("/url")).isEqualTo("https://hooks.example.com/check?token=redacted&v=redacted");
        assertThat(put.body() + read.body()).doesNotContain(token);
        io.tollgate.schema.HookSnapshot stored = app.directory().hook("acme", m).orElseThrow();
        assertThat(stored.getUrl()).doesNotContain(token);
        assertThat(app.directory().callable(stored, "acme", m).getUrl()).isEqualTo(url);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> app.directory().callable(stored, "globex", m))
                .as("sealed for this merchant only").isInstanceOf(io.tollgate.common.merchants.HookSecretsUnavailableException.class);
        List<byte[]> topicsBytes = new ArrayList<>(TopicBytes.values(topics.commands().name()));
        topicsBytes.addAll(TopicBytes.values(topics.merchants().name()));
        topicsBytes.addAll(TopicBytes.values(app.changelogTopic()));
        assertThat(topicsBytes).noneMatch(bytes -> TopicBytes.contains(bytes, token.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private String secretOf(Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        String secret = reply.json().get("secret").asText();
        secretsSeen.add(secret);
        return secret;
    }

    private static List<String> fieldNames(Reply reply) {
        List<String> names = new ArrayList<>();
        reply.json().fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String newMerchant(PartnerClient client, String agency) {
        String m = merchantId();
        Reply reply = client.put(merchant(agency, m), null, "{\"display_name\":\"Shop " + m + "\"}");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        return m;
    }

    static String merchantId() {
        return "m_" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String key() {
        return UUID.randomUUID().toString();
    }

    static String merchant(String agency, String merchant) {
        return "/v2/agencies/" + agency + "/merchants/" + merchant;
    }

    static String hook(String agency, String merchant) {
        return merchant(agency, merchant) + "/pre-confirmation";
    }

    static String rotate(String agency, String merchant) {
        return hook(agency, merchant) + "/rotate-secret";
    }

    static String hookBody(String url) {
        return "{\"url\":\"" + url + "\",\"fail_mode\":\"closed\"}";
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
