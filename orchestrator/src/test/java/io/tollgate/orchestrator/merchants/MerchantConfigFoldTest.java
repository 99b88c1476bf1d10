package io.tollgate.orchestrator.merchants;

import static io.tollgate.common.crypto.NamedSecrets.name;
import static io.tollgate.common.crypto.NamedSecrets.sealed;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.orchestrator.config.IdempotentAnswers;
import io.tollgate.schema.ConfigChange;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.PutHook;
import io.tollgate.schema.RotateSecret;
import io.tollgate.schema.UpsertMerchant;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MerchantConfigFoldTest {
    private static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
    private static final long DAY = Duration.ofHours(24).toMillis();

    private final MerchantConfigFold fold = new MerchantConfigFold();
    private int commandCounter;

    @Test
    void upsertCreatesTheMerchantThenUpdatesItBumpingTheVersionAndRecordingWhoAndWhen() {
        MerchantConfig created = applied(null, command(T0, null, upsert("Yoga Studio", null)));

        assertThat(created.getAgencyId()).isEqualTo("acme");
        assertThat(created.getMerchantId()).isEqualTo("m1");
        assertThat(created.getVersion()).isEqualTo(1);
        assertThat(created.getCreatedAt()).isEqualTo(T0);
        assertThat(created.getHook()).isNull();

        MerchantConfig updated = applied(created, command(T0.plusSeconds(5), null, upsert("Yoga Studio Ltd", "acct_123")));

        assertThat(updated.getVersion()).isEqualTo(2);
        assertThat(updated.getDisplayName()).isEqualTo("Yoga Studio Ltd");
        assertThat(updated.getStripeAccount()).isEqualTo("acct_123");
        assertThat(updated.getCreatedAt()).isEqualTo(T0);
        assertThat(updated.getUpdatedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(updated.getChanges()).extracting(ConfigChange::getVersion, ConfigChange::getChange, ConfigChange::getActor,
                ConfigChange::getAt).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(1L, "merchant_upserted", "partner:acme:k1", T0),
                        org.assertj.core.groups.Tuple.tuple(2L, "merchant_upserted", "partner:acme:k1", T0.plusSeconds(5)));
    }

    @Test
    void aHookNeedsAMerchantFirst() {
        var outcome = fold.apply(null, command(T0, "k", putHook("https://a.example/h", sealed("s1"))));

        assertThat(outcome.rejected()).isTrue();
        assertThat(outcome.rejection().getCode()).isEqualTo(MerchantConfigFold.MERCHANT_NOT_FOUND);
        assertThat(outcome.written()).isFalse();
        assertThat(outcome.config()).isNull();
    }

    @Test
    void putHookCreatesTheHookWithTheCommandsSecretThenChangesSettingsKeepingTheSecret() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        MerchantConfig first = applied(merchant, command(T0.plusSeconds(1), "k1", putHook("https://a.example/h", sealed("s1"))));

        assertThat(first.getVersion()).isEqualTo(2);
        assertThat(first.getHook().getSnapshot().getVersion()).isEqualTo(2);
        assertThat(first.getHook().getSnapshot().getUrl()).isEqualTo("https://a.example/h");
        assertThat(secretNames(first)).containsExactly("s1");

        MerchantConfig second = applied(first, command(T0.plusSeconds(2), "k2", putHook("https://b.example/h", sealed("s2"))));

        assertThat(second.getVersion()).isEqualTo(3);
        assertThat(second.getHook().getSnapshot().getVersion()).isEqualTo(3);
        assertThat(second.getHook().getSnapshot().getUrl()).isEqualTo("https://b.example/h");
        assertThat(secretNames(second)).as("an existing hook keeps its secret").containsExactly("s1");
        assertThat(name(MerchantConfigFold.recorded(first, "k1").orElseThrow().getSecret()))
                .as("the answer recorded for the creation shows the new secret").isEqualTo("s1");
        assertThat(MerchantConfigFold.recorded(second, "k2").orElseThrow().getSecret())
                .as("the answer recorded for an update shows no secret").isNull();
    }

    @Test
    void deletingNoHookIsRefusedAndRecordedWithoutAChange() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        MerchantCommand delete = command(T0.plusSeconds(1), null, DeleteHook.newBuilder().build());

        var outcome = fold.apply(merchant, delete);

        assertThat(outcome.rejection().getCode()).isEqualTo(MerchantConfigFold.HOOK_NOT_FOUND);
        assertThat(outcome.written()).isTrue();
        assertThat(outcome.config().getLastRejection().getCommandId()).isEqualTo(delete.getCommandId());
        assertThat(outcome.config().getVersion()).isEqualTo(merchant.getVersion());
        assertThat(outcome.config().getChanges()).hasSize(1);
    }

    @Test
    void deleteRemovesTheHook() {
        MerchantConfig hooked = merchantWithHook("s1");

        MerchantConfig deleted = applied(hooked, command(T0.plusSeconds(9), null, DeleteHook.newBuilder().build()));

        assertThat(deleted.getHook()).isNull();
        assertThat(deleted.getVersion()).isEqualTo(hooked.getVersion() + 1);
        assertThat(deleted.getChanges()).last().extracting(ConfigChange::getChange).isEqualTo("hook_deleted");
    }

    @Test
    void rotationPutsTheNewSecretFirstAndLetsThePreviousOneSignUntilTheGraceEnds() {
        MerchantConfig hooked = merchantWithHook("s1");
        Instant at = T0.plusSeconds(60);

        MerchantConfig rotated = applied(hooked, command(at, "r1", rotate(sealed("s2"), DAY)));

        List<HookSecret> secrets = rotated.getHook().getSecrets();
        assertThat(secretNames(rotated)).containsExactly("s2", "s1");
        assertThat(secrets.get(0).getCreatedAt()).isEqualTo(at);
        assertThat(secrets.get(0).getExpiresAt()).isNull();
        assertThat(secrets.get(1).getExpiresAt()).isEqualTo(at.plusMillis(DAY));
        assertThat(rotated.getHook().getSnapshot().getVersion()).isEqualTo(rotated.getVersion());
        assertThat(rotated.getChanges()).last().extracting(ConfigChange::getChange).isEqualTo("secret_rotated");
        assertThat(name(MerchantConfigFold.recorded(rotated, "r1").orElseThrow().getSecret())).isEqualTo("s2");

        MerchantConfig withinGrace = applied(rotated, command(at.plusSeconds(10), "r2", rotate(sealed("s3"), DAY)));
        assertThat(secretNames(withinGrace)).containsExactly("s3", "s2", "s1");
        assertThat(withinGrace.getHook().getSecrets().get(2).getExpiresAt())
                .as("a grace period already running is not extended").isEqualTo(at.plusMillis(DAY));

        MerchantConfig afterGrace = applied(withinGrace, command(at.plusMillis(DAY).plusSeconds(1), "r3", rotate(sealed("s4"), DAY)));
        assertThat(secretNames(afterGrace)).as("expired secrets are dropped").containsExactly("s4", "s3", "s2");
    }

    @Test
    void rotatingWithoutAHookIsRefused() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));

        var outcome = fold.apply(merchant, command(T0, "r", rotate(sealed("s"), DAY)));

        assertThat(outcome.rejection().getCode()).isEqualTo(MerchantConfigFold.HOOK_NOT_FOUND);
        assertThat(outcome.config().getHook()).isNull();
    }

    @Test
    void theSameKeyAndRequestChangesNothingAndKeepsTheFirstSecret() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        MerchantConfig first = applied(merchant, command(T0.plusSeconds(1), "same", "hash-a", putHook("https://a.example/h", sealed("s1"))));

        var again = fold.apply(first,
                command(T0.plusSeconds(2), "same", "hash-a", putHook("https://a.example/h", sealed("s-other"))));

        assertThat(again.written()).isFalse();
        assertThat(again.rejected()).isFalse();
        assertThat(again.config()).isEqualTo(first);
        assertThat(name(MerchantConfigFold.recorded(first, "same").orElseThrow().getSecret())).isEqualTo("s1");
    }

    @Test
    void theSameKeyWithAnotherRequestIsRefusedAsReused() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        MerchantConfig first = applied(merchant, command(T0.plusSeconds(1), "same", "hash-a", putHook("https://a.example/h", sealed("s1"))));

        var other = fold.apply(first,
                command(T0.plusSeconds(2), "same", "hash-b", putHook("https://b.example/h", sealed("s2"))));

        assertThat(other.rejection().getCode()).isEqualTo(MerchantConfigFold.IDEMPOTENCY_KEY_REUSED);
        assertThat(other.config().getVersion()).isEqualTo(first.getVersion());
        assertThat(other.config().getHook()).isEqualTo(first.getHook());
    }

    @Test
    void aCommandSeenBeforeIsDropped() {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        MerchantCommand update = command(T0.plusSeconds(1), null, upsert("Shop 2", null));
        MerchantConfig updated = applied(merchant, update);

        var again = fold.apply(updated, update);

        assertThat(again.written()).isFalse();
        assertThat(again.config().getVersion()).isEqualTo(updated.getVersion());
    }

    @Test
    void idempotencyRecordsAndChangesAreBounded() {
        MerchantConfig config = applied(null, command(T0, "key-0", upsert("Shop", null)));
        for (int i = 1; i <= IdempotentAnswers.LIMIT + 10; i++) {
            config = applied(config, command(T0.plusSeconds(i), "key-" + i, upsert("Shop " + i, null)));
        }

        assertThat(config.getIdempotency()).hasSize(IdempotentAnswers.LIMIT);
        assertThat(MerchantConfigFold.recorded(config, "key-0")).isEmpty();
        assertThat(MerchantConfigFold.recorded(config, "key-" + (IdempotentAnswers.LIMIT + 10))).isPresent();
        assertThat(config.getChanges()).hasSize(MerchantConfigFold.CHANGES_LIMIT);
        assertThat(config.getChanges()).last().extracting(ConfigChange::getVersion).isEqualTo(config.getVersion());
    }

    @Test
    void foldingTheSameCommandsAgainGivesTheSameConfig() {
        List<MerchantCommand> commands = List.of(
                command(T0, "a", upsert("Shop", null)),
                command(T0.plusSeconds(1), "b", putHook("https://a.example/h", sealed("s1"))),
                command(T0.plusSeconds(2), "c", rotate(sealed("s2"), DAY)),
                command(T0.plusSeconds(3), "c", "other", rotate(sealed("s3"), DAY)),
                command(T0.plusSeconds(4), null, DeleteHook.newBuilder().build()));

        assertThat(foldAll(commands)).isEqualTo(foldAll(commands));
        assertThat(foldAll(commands).getVersion()).isEqualTo(4);
    }

    @Test
    void theInputConfigIsNeverChanged() {
        MerchantConfig hooked = merchantWithHook("s1");
        MerchantConfig before = MerchantConfig.newBuilder(hooked).build();

        fold.apply(hooked, command(T0.plusSeconds(5), "r", rotate(sealed("s2"), DAY)));
        fold.apply(hooked, command(T0.plusSeconds(6), "p", putHook("https://c.example/h", sealed("s3"))));

        assertThat(hooked).isEqualTo(before);
    }

    // ---- helpers ----

    private MerchantConfig foldAll(List<MerchantCommand> commands) {
        MerchantConfig config = null;
        for (MerchantCommand command : commands) {
            var outcome = fold.apply(config, command);
            if (outcome.written()) {
                config = outcome.config();
            }
        }
        return config;
    }

    private MerchantConfig merchantWithHook(String secret) {
        MerchantConfig merchant = applied(null, command(T0, null, upsert("Shop", null)));
        return applied(merchant, command(T0.plusSeconds(1), "put", putHook("https://a.example/h", sealed(secret))));
    }

    private MerchantConfig applied(MerchantConfig current, MerchantCommand command) {
        var outcome = fold.apply(current, command);
        assertThat(outcome.rejected()).as("rejection %s", outcome.rejection()).isFalse();
        assertThat(outcome.written()).isTrue();
        return outcome.config();
    }

    private MerchantCommand command(Instant at, String key, Object payload) {
        return command(at, key, "hash-" + (key == null ? "none" : key) + "-" + payload.getClass().getSimpleName(), payload);
    }

    private MerchantCommand command(Instant at, String key, String hash, Object payload) {
        commandCounter++;
        return MerchantCommand.newBuilder().setCommandId("cmd-" + commandCounter).setAgencyId("acme").setMerchantId("m1")
                .setIssuedAt(at).setActor("partner:acme:k1").setIdempotencyKey(key).setRequestHash(hash).setPayload(payload)
                .build();
    }

    private static UpsertMerchant upsert(String name, String account) {
        return UpsertMerchant.newBuilder().setDisplayName(name).setStripeAccount(account).build();
    }

    private static PutHook putHook(String url, Encrypted secret) {
        return PutHook.newBuilder().setUrl(url).setFailMode(FailMode.CLOSED).setTimeoutMs(5000).setMode(HookMode.SYNC)
                .setPartnerWaitMinutes(240).setSecret(secret).build();
    }

    private static RotateSecret rotate(Encrypted secret, long graceMs) {
        return RotateSecret.newBuilder().setSecret(secret).setGraceMs(graceMs).build();
    }

    private static List<String> secretNames(MerchantConfig config) {
        List<String> names = new ArrayList<>();
        config.getHook().getSecrets().forEach(s -> names.add(name(s.getSecret())));
        return names;
    }
}
