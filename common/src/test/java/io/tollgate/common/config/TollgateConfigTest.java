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
        assertThat(config.stripeTimeoutMs()).isEqualTo(15000);
        assertThat(config.stripeConnectTimeoutMs()).isEqualTo(3000);
        assertThat(config.stripeMaxNetworkRetries()).isEqualTo(3);
        assertThat(config.stripeWritesPerSecond()).isEmpty();
        assertThat(config.paymentGiveUpAfter()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.commitIntervalMs()).isEqualTo(100);
        assertThat(config.sessionRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(config.advertisedHost()).isEmpty();
        assertThat(config.standbyReplicas()).isZero();
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
                Map.entry("TOLLGATE_STRIPE_TIMEOUT_MS", "20000"),
                Map.entry("TOLLGATE_STRIPE_CONNECT_TIMEOUT_MS", "1500"),
                Map.entry("TOLLGATE_STRIPE_MAX_NETWORK_RETRIES", "5"),
                Map.entry("TOLLGATE_STRIPE_WRITES_PER_SECOND", "12.5"),
                Map.entry("TOLLGATE_PAYMENT_GIVE_UP_AFTER", "30m"),
                Map.entry("TOLLGATE_READY_FILE", "/tmp/ready.json"),
                Map.entry("TOLLGATE_COMMIT_INTERVAL_MS", "5"),
                Map.entry("TOLLGATE_SESSION_TTL", "90m"),
                Map.entry("TOLLGATE_MAX_ATTEMPTS", "3"),
                Map.entry("TOLLGATE_CONFIRM_BUDGET_MS", "500"),
                Map.entry("TOLLGATE_PARTITIONS", "12"),
                Map.entry("TOLLGATE_APPLICATION_ID_PREFIX", "tg-prod"),
                Map.entry("TOLLGATE_CORS_ORIGINS", "https://shop.example, http://localhost:3000"),
                Map.entry("TOLLGATE_WEBHOOKS_RETRY_SCHEDULE", "10s, 1m,1h"),
                Map.entry("TOLLGATE_WEBHOOKS_DISABLE_AFTER", "3d"),
                Map.entry("TOLLGATE_WEBHOOKS_TIMEOUT_MS", "5000"),
                Map.entry("TOLLGATE_WEBHOOKS_ENDPOINT_CONCURRENCY", "2"));

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
        assertThat(config.stripeTimeoutMs()).isEqualTo(20000);
        assertThat(config.stripeConnectTimeoutMs()).isEqualTo(1500);
        assertThat(config.stripeMaxNetworkRetries()).isEqualTo(5);
        assertThat(config.stripeWritesPerSecond()).hasValue(12.5);
        assertThat(config.paymentGiveUpAfter()).isEqualTo(Duration.ofMinutes(30));
        assertThat(config.readyFile()).contains(Path.of("/tmp/ready.json"));
        assertThat(config.commitIntervalMs()).isEqualTo(5);
        assertThat(config.sessionTtl()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.maxAttempts()).isEqualTo(3);
        assertThat(config.confirmBudgetMs()).isEqualTo(500);
        assertThat(config.partitions()).isEqualTo(12);
        assertThat(config.applicationIdPrefix()).isEqualTo("tg-prod");
        assertThat(config.corsOrigins()).containsExactly("https://shop.example", "http://localhost:3000");
        assertThat(config.webhooksRetrySchedule()).containsExactly(Duration.ofSeconds(10), Duration.ofMinutes(1),
                Duration.ofHours(1));
        assertThat(config.webhooksDisableAfter()).isEqualTo(Duration.ofDays(3));
        assertThat(config.webhooksTimeoutMs()).isEqualTo(5000);
        assertThat(config.webhooksEndpointConcurrency()).isEqualTo(2);
    }

    @Test
    void webhookSettingsDefaultToSvixsScheduleAndLimits() {
        TollgateConfig config = dev();

        assertThat(config.webhooksRetrySchedule()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5),
                Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
        assertThat(config.webhooksDisableAfter()).isEqualTo(Duration.ofDays(5));
        assertThat(config.webhooksTimeoutMs()).isEqualTo(15_000);
        assertThat(config.webhooksEndpointConcurrency()).isEqualTo(8);
        assertThat(config.toString()).contains("webhooksRetrySchedule=[PT5S, PT5M");
    }

    @Test
    void webhookSettingsOutOfRangeNameTheSetting() {
        assertInvalid("webhooks.retry.schedule", "5s,0s", Setting.WEBHOOKS_RETRY_SCHEDULE);
        assertInvalid("webhooks.retry.schedule", "4d", Setting.WEBHOOKS_RETRY_SCHEDULE);
        assertInvalid("webhooks.retry.schedule", "5s,soon", Setting.WEBHOOKS_RETRY_SCHEDULE);
        assertInvalid("webhooks.retry.schedule", "1s,".repeat(21), Setting.WEBHOOKS_RETRY_SCHEDULE);
        assertInvalid("webhooks.disable.after", "31d", Setting.WEBHOOKS_DISABLE_AFTER);
        assertInvalid("webhooks.disable.after", "0s", Setting.WEBHOOKS_DISABLE_AFTER);
        assertInvalid("webhooks.timeout.ms", "0", Setting.WEBHOOKS_TIMEOUT_MS);
        assertInvalid("webhooks.timeout.ms", "60001", Setting.WEBHOOKS_TIMEOUT_MS);
        assertInvalid("webhooks.endpoint.concurrency", "0", Setting.WEBHOOKS_ENDPOINT_CONCURRENCY);
        assertInvalid("webhooks.endpoint.concurrency", "101", Setting.WEBHOOKS_ENDPOINT_CONCURRENCY);
        assertThat(dev().withOverrides(Map.of("webhooks.retry.schedule", "3d", "webhooks.disable.after", "30d"))
                .webhooksDisableAfter()).isEqualTo(Duration.ofDays(30));
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
    void stripeCallSettingsComeFromTheFileAndTheEnvironmentBeatsIt() throws IOException {
        Path file = write("""
                dev.mode=true
                stripe.timeout.ms=8000
                stripe.connect.timeout.ms=1000
                stripe.max.network.retries=0
                stripe.writes.per.second=40
                payment.give.up.after=2h
                """);

        TollgateConfig fromFile = TollgateConfig.load(file, Map.of(), Map.of());
        TollgateConfig overridden = TollgateConfig.load(file, Map.of("TOLLGATE_STRIPE_TIMEOUT_MS", "9000",
                "TOLLGATE_STRIPE_WRITES_PER_SECOND", " ", "TOLLGATE_PAYMENT_GIVE_UP_AFTER", "PT45M"), Map.of());

        assertThat(fromFile.stripeTimeoutMs()).isEqualTo(8000);
        assertThat(fromFile.stripeConnectTimeoutMs()).isEqualTo(1000);
        assertThat(fromFile.stripeMaxNetworkRetries()).isZero();
        assertThat(fromFile.stripeWritesPerSecond()).hasValue(40);
        assertThat(fromFile.paymentGiveUpAfter()).isEqualTo(Duration.ofHours(2));
        assertThat(overridden.stripeTimeoutMs()).isEqualTo(9000);
        assertThat(overridden.stripeWritesPerSecond()).as("blank counts as unset, the file's value stays").hasValue(40);
        assertThat(overridden.paymentGiveUpAfter()).isEqualTo(Duration.ofMinutes(45));
        assertThat(dev().withOverrides(Map.of("stripe.writes.per.second", "40")).withOverrides(
                Map.of("stripe.writes.per.second", "")).stripeWritesPerSecond()).as("an override to blank resets").isEmpty();
    }

    @Test
    void stripeCallLimitsIncludeTheirBounds() {
        TollgateConfig lowest = dev().withOverrides(Map.of("stripe.timeout.ms", "1", "stripe.connect.timeout.ms", "1",
                "stripe.max.network.retries", "0", "stripe.writes.per.second", "0.5", "payment.give.up.after", "1ms"));
        TollgateConfig highest = dev().withOverrides(Map.of("stripe.timeout.ms", "80000",
                "stripe.connect.timeout.ms", "30000", "stripe.max.network.retries", "10", "payment.give.up.after", "1439m"));

        assertThat(lowest.stripeTimeoutMs()).isEqualTo(1);
        assertThat(lowest.stripeConnectTimeoutMs()).isEqualTo(1);
        assertThat(lowest.stripeMaxNetworkRetries()).isZero();
        assertThat(lowest.stripeWritesPerSecond()).hasValue(0.5);
        assertThat(lowest.paymentGiveUpAfter()).isEqualTo(Duration.ofMillis(1));
        assertThat(highest.stripeTimeoutMs()).isEqualTo(80000);
        assertThat(highest.stripeConnectTimeoutMs()).isEqualTo(30000);
        assertThat(highest.stripeMaxNetworkRetries()).isEqualTo(10);
        assertThat(highest.paymentGiveUpAfter()).isEqualTo(Duration.ofHours(24).minusMinutes(1));
    }

    @Test
    void stripeCallSettingsOutOfRangeNameTheSettingAndTheRange() throws IOException {
        Path file = write("dev.mode=true\nstripe.max.network.retries=11\n");

        assertThatThrownBy(() -> TollgateConfig.load(file, Map.of(), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("stripe.max.network.retries in " + file)
                .hasMessageContaining("from 0 to 10")
                .satisfies(e -> assertThat(((InvalidConfigException) e).setting()).isEqualTo(Setting.STRIPE_MAX_NETWORK_RETRIES));
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_STRIPE_TIMEOUT_MS", "90000"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_STRIPE_TIMEOUT_MS").hasMessageContaining("from 1 to 80000");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_STRIPE_CONNECT_TIMEOUT_MS", "3s"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_STRIPE_CONNECT_TIMEOUT_MS").hasMessageContaining("'3s'");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_STRIPE_WRITES_PER_SECOND", "0"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_STRIPE_WRITES_PER_SECOND").hasMessageContaining("positive");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_STRIPE_WRITES_PER_SECOND", "NaN"), Map.of()))
                .hasMessageStartingWith("TOLLGATE_STRIPE_WRITES_PER_SECOND").hasMessageContaining("'NaN'");
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true"),
                Map.of("payment.give.up.after", "10 minutes")))
                .hasMessageStartingWith("--set payment.give.up.after").hasMessageContaining("90s, 60m");
    }

    @Test
    void paymentGiveUpAfterMustStayBelowStripesIdempotencyWindowButMayOutlastTheSession() {
        assertThatThrownBy(() -> TollgateConfig.load(null, Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_PAYMENT_GIVE_UP_AFTER", "24h"), Map.of()))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("TOLLGATE_PAYMENT_GIVE_UP_AFTER")
                .hasMessageContaining("below 24h")
                .satisfies(e -> assertThat(((InvalidConfigException) e).setting()).isEqualTo(Setting.PAYMENT_GIVE_UP_AFTER));

        TollgateConfig config = dev().withOverrides(Map.of("session.ttl", "15m", "payment.give.up.after", "2h"));

        assertThat(config.paymentGiveUpAfter()).isGreaterThan(config.sessionTtl());
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
        assertInvalid("stripe.timeout.ms", "0", Setting.STRIPE_TIMEOUT_MS);
        assertInvalid("stripe.timeout.ms", "80001", Setting.STRIPE_TIMEOUT_MS);
        assertInvalid("stripe.timeout.ms", "15s", Setting.STRIPE_TIMEOUT_MS);
        assertInvalid("stripe.connect.timeout.ms", "0", Setting.STRIPE_CONNECT_TIMEOUT_MS);
        assertInvalid("stripe.connect.timeout.ms", "30001", Setting.STRIPE_CONNECT_TIMEOUT_MS);
        assertInvalid("stripe.max.network.retries", "-1", Setting.STRIPE_MAX_NETWORK_RETRIES);
        assertInvalid("stripe.max.network.retries", "11", Setting.STRIPE_MAX_NETWORK_RETRIES);
        assertInvalid("stripe.max.network.retries", "three", Setting.STRIPE_MAX_NETWORK_RETRIES);
        assertInvalid("stripe.writes.per.second", "0", Setting.STRIPE_WRITES_PER_SECOND);
        assertInvalid("stripe.writes.per.second", "-5", Setting.STRIPE_WRITES_PER_SECOND);
        assertInvalid("stripe.writes.per.second", "Infinity", Setting.STRIPE_WRITES_PER_SECOND);
        assertInvalid("stripe.writes.per.second", "1e400", Setting.STRIPE_WRITES_PER_SECOND);
        assertInvalid("stripe.writes.per.second", "fast", Setting.STRIPE_WRITES_PER_SECOND);
        assertInvalid("payment.give.up.after", "0s", Setting.PAYMENT_GIVE_UP_AFTER);
        assertInvalid("payment.give.up.after", "PT-5M", Setting.PAYMENT_GIVE_UP_AFTER);
        assertInvalid("payment.give.up.after", "25h", Setting.PAYMENT_GIVE_UP_AFTER);
        assertInvalid("payment.give.up.after", "600", Setting.PAYMENT_GIVE_UP_AFTER);
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
    void toStringShowsTheStripeCallSettings() {
        assertThat(dev().toString()).contains("stripeTimeoutMs=15000", "stripeConnectTimeoutMs=3000",
                "stripeMaxNetworkRetries=3", "stripeWritesPerSecond=<by key mode>", "paymentGiveUpAfter=PT10M");
        assertThat(dev().withOverrides(Map.of("stripe.writes.per.second", "40", "payment.give.up.after", "2h")).toString())
                .contains("stripeWritesPerSecond=40.0", "paymentGiveUpAfter=PT2H");
    }

    @Test
    void eachStripeCallSettingTakesPartInEqualityAndSurvivesACopy() {
        Map<String, String> changes = Map.of("stripe.timeout.ms", "9000", "stripe.connect.timeout.ms", "900",
                "stripe.max.network.retries", "1", "stripe.writes.per.second", "7", "payment.give.up.after", "1h");

        changes.forEach((key, value) -> {
            TollgateConfig changed = dev().withOverrides(Map.of(key, value));
            assertThat(changed).as(key).isNotEqualTo(dev());
            assertThat(changed.toBuilder().build()).as(key).isEqualTo(changed).hasSameHashCodeAs(changed);
        });
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
    void retentionAdvertisedHostAndStandbysAreCheckedAndReadFromTheEnvironment() {
        TollgateConfig config = TollgateConfig.load(Map.of("dev.mode", "true"), null, Map.of(
                "TOLLGATE_SESSION_RETENTION", "3d", "TOLLGATE_ADVERTISED_HOST", "orchestrator-2.internal",
                "TOLLGATE_STANDBY_REPLICAS", "1"), Map.of());

        assertThat(config.sessionRetention()).isEqualTo(Duration.ofDays(3));
        assertThat(config.advertisedHost()).contains("orchestrator-2.internal");
        assertThat(config.standbyReplicas()).isEqualTo(1);
        assertThatThrownBy(() -> dev().withOverrides(Map.of("session.retention", "30m")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("at least 1h");
        assertThatThrownBy(() -> dev().withOverrides(Map.of("advertised.host", "http://host:8080")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("without port or scheme");
        assertThatThrownBy(() -> dev().withOverrides(Map.of("standby.replicas", "-1")))
                .isInstanceOf(InvalidConfigException.class).hasMessageContaining("standby.replicas");
    }

    @Test
    void groupMembershipAndReplicationSettings() {
        TollgateConfig defaults = dev();
        assertThat(defaults.instanceId()).isEmpty();
        assertThat(defaults.kafkaSessionTimeoutMs()).isEqualTo(TollgateConfig.DEFAULT_KAFKA_SESSION_TIMEOUT_MS);
        assertThat(defaults.replicationFactor()).isEmpty();

        TollgateConfig config = dev().withOverrides(Map.of("instance.id", "orchestrator-2", "kafka.session.timeout.ms", "6000",
                "replication.factor", "3"));
        assertThat(config.instanceId()).contains("orchestrator-2");
        assertThat(config.kafkaSessionTimeoutMs()).isEqualTo(6000);
        assertThat(config.replicationFactor()).contains(3);
        assertThat(config.toString()).contains("instanceId=orchestrator-2");

        assertInvalid("instance.id", "has space", Setting.INSTANCE_ID);
        assertInvalid("kafka.session.timeout.ms", "500", Setting.KAFKA_SESSION_TIMEOUT_MS);
        assertInvalid("replication.factor", "0", Setting.REPLICATION_FACTOR);
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
