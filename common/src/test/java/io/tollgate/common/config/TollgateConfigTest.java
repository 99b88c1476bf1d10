package io.tollgate.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.common.config.TollgateConfig.InvalidConfigException;
import io.tollgate.common.config.TollgateConfig.Setting;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TollgateConfigTest {
    private static final String MASTER_KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final String HASH_A = "a".repeat(64);
    private static final String HASH_B = "B".repeat(64);

    @TempDir
    Path dir;

    @Test
    void defaultsInDevModeNeedNothingElse() {
        TollgateConfig config = TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true"), Map.of());

        assertThat(config.devMode()).isTrue();
        assertThat(config.bootstrapServers()).isEmpty();
        assertThat(config.schemaRegistryUrl()).isEmpty();
        assertThat(config.port()).isEqualTo(8080);
        assertThat(config.partnerKeys()).isEmpty();
        assertThat(config.masterKey()).isEmpty();
        assertThat(config.dataDir()).isEmpty();
        assertThat(config.stripeApiKey()).isEmpty();
        assertThat(config.commitIntervalMs()).isEqualTo(20);
        assertThat(config.sessionTtl()).isEqualTo(Duration.ofMinutes(60));
        assertThat(config.maxAttempts()).isEqualTo(5);
        assertThat(config.confirmBudgetMs()).isEqualTo(2000);
        assertThat(config.partitions()).isEqualTo(6);
        assertThat(config.applicationIdPrefix()).isEqualTo("tollgate");
        assertThat(config.corsOrigins()).isEmpty();
    }

    @Test
    void flagsBeatEnvironmentWhichBeatsTheFile() throws IOException {
        Path file = write("""
                bootstrap.servers=file:9092
                port=1111
                partitions=3
                application.id.prefix=from-file
                dev.mode=true
                """);
        Map<String, String> env = Map.of("TOLLGATE_BOOTSTRAP_SERVERS", "env:9092", "TOLLGATE_PORT", "2222");
        Map<String, String> flags = Map.of("bootstrap.servers", "flag:9092");

        TollgateConfig config = TollgateConfig.load(file, env, flags);

        assertThat(config.bootstrapServers()).contains("flag:9092");
        assertThat(config.port()).isEqualTo(2222);
        assertThat(config.partitions()).isEqualTo(3);
        assertThat(config.applicationIdPrefix()).isEqualTo("from-file");
    }

    @Test
    void commandDefaultsAreTheLowestLayer() throws IOException {
        Map<String, String> upDefaults = Map.of("dev.mode", "true");

        assertThat(TollgateConfig.load(upDefaults, null, Map.of(), Map.of()).devMode()).isTrue();
        TollgateConfig toldOtherwise = TollgateConfig.load(upDefaults, write("dev.mode=false\n"),
                Map.of("TOLLGATE_MASTER_KEY", MASTER_KEY), Map.of());
        assertThat(toldOtherwise.devMode()).isFalse();
    }

    @Test
    void anEmptyValueCountsAsUnset() throws IOException {
        Path file = write("bootstrap.servers=file:9092\ndev.mode=true\n");

        TollgateConfig config = TollgateConfig.load(file, Map.of("TOLLGATE_BOOTSTRAP_SERVERS", "", "TOLLGATE_PORT", " "),
                Map.of());

        assertThat(config.bootstrapServers()).contains("file:9092");
        assertThat(config.port()).isEqualTo(8080);
    }

    @Test
    void unrelatedEnvironmentVariablesAreIgnored() {
        TollgateConfig config = TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "1", "PATH", "/bin", "PORT", "x"), Map.of());

        assertThat(config.port()).isEqualTo(8080);
    }

    @Test
    void parsesEveryEnvironmentVariable() {
        Map<String, String> env = Map.ofEntries(
                Map.entry("TOLLGATE_BOOTSTRAP_SERVERS", "k1:9092, k2:9093"),
                Map.entry("TOLLGATE_SCHEMA_REGISTRY_URL", "http://registry:8081"),
                Map.entry("TOLLGATE_PORT", "0"),
                Map.entry("TOLLGATE_PARTNER_KEYS", "acme:" + HASH_A + ", acme:" + HASH_B + ",globex:" + HASH_A),
                Map.entry("TOLLGATE_MASTER_KEY", MASTER_KEY),
                Map.entry("TOLLGATE_DEV_MODE", "false"),
                Map.entry("TOLLGATE_DATA_DIR", "/var/lib/tollgate"),
                Map.entry("STRIPE_API_KEY", "sk_test_123"),
                Map.entry("TOLLGATE_STRIPE_API_BASE", "http://stripe-mock:12111"),
                Map.entry("STRIPE_WEBHOOK_SECRET", "whsec_abc"),
                Map.entry("TOLLGATE_READY_FILE", "/tmp/ready.json"),
                Map.entry("TOLLGATE_COMMIT_INTERVAL_MS", "5"),
                Map.entry("TOLLGATE_SESSION_TTL", "90m"),
                Map.entry("TOLLGATE_MAX_ATTEMPTS", "3"),
                Map.entry("TOLLGATE_CONFIRM_BUDGET_MS", "500"),
                Map.entry("TOLLGATE_PARTITIONS", "12"),
                Map.entry("TOLLGATE_APPLICATION_ID_PREFIX", "tg-prod"),
                Map.entry("TOLLGATE_CORS_ORIGINS", "https://shop.example, http://localhost:3000"));

        TollgateConfig config = TollgateConfig.load(null, env, Map.of());

        assertThat(config.bootstrapServers()).contains("k1:9092,k2:9093");
        assertThat(config.schemaRegistryUrl()).contains("http://registry:8081");
        assertThat(config.port()).isZero();
        assertThat(config.partnerKeys()).containsExactly(
                Map.entry("acme", List.of(HASH_A, HASH_B.toLowerCase())),
                Map.entry("globex", List.of(HASH_A)));
        assertThat(config.masterKey()).hasValueSatisfying(key -> assertThat(key).hasSize(32));
        assertThat(config.devMode()).isFalse();
        assertThat(config.dataDir()).contains(Path.of("/var/lib/tollgate"));
        assertThat(config.stripeApiKey()).contains("sk_test_123");
        assertThat(config.stripeApiBase()).contains("http://stripe-mock:12111");
        assertThat(config.stripeWebhookSecret()).contains("whsec_abc");
        assertThat(config.readyFile()).contains(Path.of("/tmp/ready.json"));
        assertThat(config.commitIntervalMs()).isEqualTo(5);
        assertThat(config.sessionTtl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.confirmBudgetMs()).isEqualTo(500);
        assertThat(config.partitions()).isEqualTo(12);
        assertThat(config.applicationIdPrefix()).isEqualTo("tg-prod");
        assertThat(config.corsOrigins()).containsExactly("https://shop.example", "http://localhost:3000");
    }

    @Test
    void sessionTtlAcceptsUnitsAndIsoDurations() {
        assertThat(dev().withOverrides(Map.of("session.ttl", "2h")).sessionTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(dev().withOverrides(Map.of("session.ttl", "45s")).sessionTtl()).isEqualTo(Duration.ofSeconds(45));
        assertThat(dev().withOverrides(Map.of("session.ttl", "PT30M")).sessionTtl()).isEqualTo(Duration.ofMinutes(30));
    }

    @Test
    void sessionTtlMustStayBelowStripesIdempotencyWindow() {
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_SESSION_TTL", "24h"), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_SESSION_TTL")
                .hasMessageContaining("below 24h")
                .satisfies(e -> assertThat(((InvalidConfigException) e).setting()).isEqualTo(Setting.SESSION_TTL));
        assertThatThrownBy(() -> dev().withOverrides(Map.of("session.ttl", "60")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("session.ttl")
                .hasMessageContaining("60m");
    }

    @Test
    void devPartnerKeysAreHashedAndAddedToTheConfiguredOnes() {
        TollgateConfig config = TollgateConfig.load(null,
                Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_PARTNER_KEYS", "acme:" + HASH_A),
                Map.of("dev.partner.keys", "acme=tg_secret1,globex=tg_secret2"));

        assertThat(config.partnerKeys()).containsExactly(
                Map.entry("acme", List.of(HASH_A, TollgateConfig.partnerKeyHash("tg_secret1"))),
                Map.entry("globex", List.of(TollgateConfig.partnerKeyHash("tg_secret2"))));
        assertThat(config.toString()).doesNotContain("tg_secret1", "tg_secret2");
    }

    @Test
    void devPartnerKeysAreRefusedOutsideDevMode() {
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_MASTER_KEY", MASTER_KEY),
                Map.of("dev.partner.keys", "acme=tg_secret1")))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("--partner-key")
                .hasMessageContaining("dev mode only")
                .hasMessageNotContaining("tg_secret1");
    }

    @Test
    void partnerKeyHashIsSha256Hex() {
        // echo -n abc | sha256sum
        assertThat(TollgateConfig.partnerKeyHash("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(TollgateConfig.partnerKeyEntry("acme", "abc"))
                .isEqualTo("acme:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThatThrownBy(() -> TollgateConfig.partnerKeyEntry("a:b", "abc")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedPartnerKeysNameTheSetting() {
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_PARTNER_KEYS", "acme"), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_PARTNER_KEYS")
                .hasMessageContaining("agency:sha256hex");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_PARTNER_KEYS", "acme:tg_plainkey"), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_PARTNER_KEYS")
                .hasMessageContaining("SHA-256");
    }

    @Test
    void masterKeyIsRequiredOutsideDevMode() {
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of(), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_MASTER_KEY")
                .hasMessageContaining("required outside dev mode")
                .satisfies(e -> assertThat(((InvalidConfigException) e).setting()).isEqualTo(Setting.MASTER_KEY));
    }

    @Test
    void aMalformedMasterKeyIsNamedButNeverShown() {
        String notBase64 = "not*base64*secret";
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_MASTER_KEY", notBase64), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_MASTER_KEY")
                .hasMessageNotContaining(notBase64);
        String tooShort = Base64.getEncoder().encodeToString(new byte[10]);
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_MASTER_KEY", tooShort), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("16, 24 or 32 bytes")
                .hasMessageNotContaining(tooShort);
    }

    @Test
    void errorsNameTheSettingTheWayItWasGiven() throws IOException {
        Path file = write("dev.mode=true\nport=eighty\n");

        assertThatThrownBy(() -> TollgateConfig.load(file, Map.of(), Map.of()))
                .hasMessageContaining("port in " + file).hasMessageContaining("'eighty'");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_PORT", "eighty"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_PORT");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true"), Map.of("port", "70000")))
                .hasMessageStartingWith("--port").hasMessageContaining("65535");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "maybe"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_DEV_MODE").hasMessageContaining("true or false");
    }

    @Test
    void rangesAndFormatsAreChecked() {
        assertInvalid("partitions", "0", Setting.PARTITIONS);
        assertInvalid("max.attempts", "0", Setting.MAX_ATTEMPTS);
        assertInvalid("commit.interval.ms", "-1", Setting.COMMIT_INTERVAL_MS);
        assertInvalid("confirm.budget.ms", "-5", Setting.CONFIRM_BUDGET_MS);
        assertInvalid("bootstrap.servers", "kafka", Setting.BOOTSTRAP_SERVERS);
        assertInvalid("schema.registry.url", "registry:8081", Setting.SCHEMA_REGISTRY_URL);
        assertInvalid("stripe.api.base", "ftp://stripe", Setting.STRIPE_API_BASE);
        assertInvalid("application.id.prefix", "has space", Setting.APPLICATION_ID_PREFIX);
        assertInvalid("cors.origins", "https://shop.example/path", Setting.CORS_ORIGINS);
    }

    @Test
    void unknownKeysInTheFileAreRejected() throws IOException {
        Path file = write("dev.mode=true\nbootstrap.server=typo:9092\n");

        assertThatThrownBy(() -> TollgateConfig.load(file, Map.of(), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("bootstrap.server")
                .hasMessageContaining(file.toString())
                .hasMessageContaining("bootstrap.servers");
    }

    @Test
    void aMissingFileIsAClearError() {
        Path missing = dir.resolve("nope.properties");

        assertThatThrownBy(() -> TollgateConfig.load(missing, Map.of(), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }

    @Test
    void toStringNeverShowsSecrets() {
        TollgateConfig config = TollgateConfig.load(null, Map.of(
                "TOLLGATE_MASTER_KEY", MASTER_KEY,
                "STRIPE_API_KEY", "sk_live_supersecret",
                "STRIPE_WEBHOOK_SECRET", "whsec_supersecret",
                "TOLLGATE_PARTNER_KEYS", "acme:" + HASH_A), Map.of());

        assertThat(config.toString())
                .doesNotContain(MASTER_KEY, "sk_live_supersecret", "whsec_supersecret")
                .contains("masterKey=<redacted>", "stripeApiKey=<redacted>", "stripeWebhookSecret=<redacted>")
                .contains(HASH_A);
    }

    @Test
    void builderAndOverridesMakeValidatedCopies() {
        TollgateConfig base = TollgateConfig.builder().devMode(true).bootstrapServers("localhost:9092").partitions(2).build();

        TollgateConfig changed = base.withOverrides(Map.of("partitions", "4", "application.id.prefix", "test-1"));

        assertThat(changed.partitions()).isEqualTo(4);
        assertThat(changed.applicationIdPrefix()).isEqualTo("test-1");
        assertThat(changed.bootstrapServers()).contains("localhost:9092");
        assertThat(base.partitions()).isEqualTo(2);
        assertThat(base.toBuilder().build()).isEqualTo(base);
        assertThatThrownBy(() -> base.withOverrides(Map.of("partitions", "-1"))).isInstanceOf(InvalidConfigException.class);
        assertThatThrownBy(() -> base.withOverrides(Map.of("no.such.setting", "1")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no.such.setting");
        assertThatThrownBy(() -> TollgateConfig.builder().build())
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("TOLLGATE_MASTER_KEY");
    }

    @Test
    void theMasterKeyCannotBeChangedThroughTheAccessor() {
        TollgateConfig config = TollgateConfig.builder().masterKey(new byte[32]).build();

        config.masterKey().orElseThrow()[0] = 42;

        assertThat(config.masterKey().orElseThrow()[0]).isZero();
    }

    @Test
    void docsListEverySetting() throws IOException {
        // tests run in common/; the documentation lives at the repository root
        String docs = Files.readString(Path.of("..", "docs", "configuration.md"), StandardCharsets.UTF_8);

        for (Setting setting : Setting.values()) {
            assertThat(docs).as("docs/configuration.md mentions %s", setting).contains("`" + setting.key() + "`");
            setting.env().ifPresent(env -> assertThat(docs).contains("`" + env + "`"));
            setting.flag().ifPresent(flag -> assertThat(docs).contains("`" + flag));
        }
    }

    private static TollgateConfig dev() {
        return TollgateConfig.builder().devMode(true).build();
    }

    private static void assertInvalid(String key, String value, Setting setting) {
        assertThatThrownBy(() -> dev().withOverrides(Map.of(key, value)))
                .as("%s=%s", key, value)
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining(key)
                .satisfies(e -> assertThat(((InvalidConfigException) e).setting()).isEqualTo(setting));
    }

    private Path write(String properties) throws IOException {
        Path file = Files.createTempFile(dir, "tollgate", ".properties");
        Files.writeString(file, properties, StandardCharsets.UTF_8);
        return file;
    }
}
