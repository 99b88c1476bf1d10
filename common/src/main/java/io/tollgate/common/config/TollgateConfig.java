package io.tollgate.common.config;

import io.tollgate.common.crypto.Sha256;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one configuration object every Tollgate service takes (design.md, "Configuration").
 *
 * <p>Settings come from a Java properties file, the environment and command-line flags, in rising
 * precedence; an empty value counts as unset, so {@code TOLLGATE_BOOTSTRAP_SERVERS=} in a compose
 * file means "embedded". Every setting is listed in {@link Setting} with its property key (used in
 * the file and in flag overrides), its fixed environment variable and its flag. Invalid values fail
 * with an {@link InvalidConfigException} naming the setting the way the user wrote it. Instances are
 * immutable; {@link #toString()} never shows a secret.
 */
public final class TollgateConfig {

    /** Every setting: property key, environment variable, flag, whether its value is a secret. */
    public enum Setting {
        BOOTSTRAP_SERVERS("bootstrap.servers", "TOLLGATE_BOOTSTRAP_SERVERS", "--bootstrap-servers", false,
                "Kafka bootstrap servers (host:port,...); unset: an embedded single-node broker"),
        SCHEMA_REGISTRY_URL("schema.registry.url", "TOLLGATE_SCHEMA_REGISTRY_URL", "--schema-registry-url", false,
                "Confluent-API schema registry URL; unset: the in-process registry"),
        PORT("port", "TOLLGATE_PORT", "--port", false, "HTTP API port, 0 = any free port (default 8080)"),
        MANAGEMENT_PORT("management.port", "TOLLGATE_MANAGEMENT_PORT", "--management-port", false,
                "port of /health and /metrics, apart from the API, 0 = any free port (default 9090)"),
        MANAGEMENT_BIND_ADDRESS("management.bind.address", "TOLLGATE_MANAGEMENT_BIND_ADDRESS", null, false,
                "address the management port listens on (default 127.0.0.1, this host only)"),
        PARTNER_KEYS("partner.keys", "TOLLGATE_PARTNER_KEYS", null, false,
                "accepted partner keys as agency:sha256hex,... (an agency may have several)"),
        DEV_PARTNER_KEYS("dev.partner.keys", null, "--partner-key", true,
                "dev mode only: plain partner keys as AGENCY=KEY, hashed and added to partner.keys"),
        MASTER_KEY("master.key", "TOLLGATE_MASTER_KEY", null, true,
                "base64 AES key (16, 24 or 32 bytes) sealing secrets at rest; required outside dev mode"),
        DEV_MODE("dev.mode", "TOLLGATE_DEV_MODE", "--dev", false,
                "allows http and loopback hook URLs and plain --partner-key keys (default false; demo and up turn it on)"),
        DATA_DIR("data.dir", "TOLLGATE_DATA_DIR", "--data-dir", false,
                "where the embedded broker (and the dev master key) keep data; unset: a temp directory"),
        STRIPE_API_KEY("stripe.api.key", "STRIPE_API_KEY", null, true,
                "Stripe secret key; unset: the local Stripe stand-in"),
        STRIPE_API_BASE("stripe.api.base", "TOLLGATE_STRIPE_API_BASE", "--stripe-api-base", false,
                "Stripe base URL (stand-in, stripe-mock or Stripe)"),
        STRIPE_WEBHOOK_SECRET("stripe.webhook.secret", "STRIPE_WEBHOOK_SECRET", null, true,
                "verifies Stripe-Signature on /v2/stripe/webhook"),
        STRIPE_TIMEOUT_MS("stripe.timeout.ms", "TOLLGATE_STRIPE_TIMEOUT_MS", null, false,
                "read timeout of one Stripe call, ms, 1 to 80000 (default 15000)"),
        STRIPE_CONNECT_TIMEOUT_MS("stripe.connect.timeout.ms", "TOLLGATE_STRIPE_CONNECT_TIMEOUT_MS", null, false,
                "connect timeout of one Stripe call, ms, 1 to 30000 (default 3000)"),
        STRIPE_MAX_NETWORK_RETRIES("stripe.max.network.retries", "TOLLGATE_STRIPE_MAX_NETWORK_RETRIES", null, false,
                "quick retries of a failed Stripe call, same idempotency key, 0 to 10 (default 3, i.e. 4 attempts)"),
        STRIPE_WRITES_PER_SECOND("stripe.writes.per.second", "TOLLGATE_STRIPE_WRITES_PER_SECOND", null, false,
                "client-side limit of Stripe writes per second per account; unset: 25 with a test key, 100 live"),
        PAYMENT_GIVE_UP_AFTER("payment.give.up.after", "TOLLGATE_PAYMENT_GIVE_UP_AFTER", null, false,
                "how long after its event a Stripe call failing temporarily is retried before the failure is reported, "
                        + "e.g. 10m, 2h; below 24h (default 10m)"),
        READY_FILE("ready.file", "TOLLGATE_READY_FILE", "--ready-file", false,
                "file `up` writes {api, bootstrap_servers, schema_registry_url, metrics, pid} to once all is ready"),
        COMMIT_INTERVAL_MS("commit.interval.ms", "TOLLGATE_COMMIT_INTERVAL_MS", null, false,
                "Kafka Streams commit interval of the exactly-once folds, ms (default 100; off the confirm path, "
                        + "it sets how soon order.events.v1 readers see events)"),
        SESSION_TTL("session.ttl", "TOLLGATE_SESSION_TTL", null, false,
                "time limit of a non-terminal session, e.g. 60m, 2h, PT90M; below 24h (default 60m)"),
        SESSION_RETENTION("session.retention", "TOLLGATE_SESSION_RETENTION", null, false,
                "how long an ended session's state stays readable (GET, late Stripe events refunded) before the fold "
                        + "forgets it; the journal keeps it forever, e.g. 7d, 72h (default 7d, at least 1h)"),
        ADVERTISED_HOST("advertised.host", "TOLLGATE_ADVERTISED_HOST", "--advertised-host", false,
                "host other orchestrator instances reach this one's API at, for session reads its fold serves "
                        + "(default: this machine's address; 127.0.0.1 with the embedded broker)"),
        STANDBY_REPLICAS("standby.replicas", "TOLLGATE_STANDBY_REPLICAS", null, false,
                "warm copies of each fold partition's store on other orchestrator instances, for fast fail-over "
                        + "(default 0; 1 with two or more instances)"),
        MAX_ATTEMPTS("max.attempts", "TOLLGATE_MAX_ATTEMPTS", null, false,
                "confirm attempts per session (default 5)"),
        CONFIRM_BUDGET_MS("confirm.budget.ms", "TOLLGATE_CONFIRM_BUDGET_MS", null, false,
                "extra wait past the hook deadline before a confirm answers 202, ms (default 2000)"),
        PARTITIONS("partitions", "TOLLGATE_PARTITIONS", null, false,
                "partitions of the topics Tollgate creates (default 6)"),
        INSTANCE_ID("instance.id", "TOLLGATE_INSTANCE_ID", null, false,
                "stable name of this process among the instances of its service (e.g. orchestrator-1): Kafka static "
                        + "group membership, so a restarted instance takes its partitions back at once; unset: dynamic "
                        + "membership"),
        KAFKA_SESSION_TIMEOUT_MS("kafka.session.timeout.ms", "TOLLGATE_KAFKA_SESSION_TIMEOUT_MS", null, false,
                "how long Kafka waits for a silent group member (workers, folds) before giving its partitions to "
                        + "another instance, ms, 1000 to 1800000 (default 10000)"),
        REPLICATION_FACTOR("replication.factor", "TOLLGATE_REPLICATION_FACTOR", null, false,
                "replicas of the topics Tollgate creates, the folds' internal topics included; unset: min(3, brokers)"),
        APPLICATION_ID_PREFIX("application.id.prefix", "TOLLGATE_APPLICATION_ID_PREFIX", null, false,
                "prefix of Kafka Streams application ids and consumer group ids (default tollgate)"),
        CORS_ORIGINS("cors.origins", "TOLLGATE_CORS_ORIGINS", null, false,
                "origins allowed to call the shopper-facing routes, comma-separated, or * (default none)"),
        WEBHOOKS_RETRY_SCHEDULE("webhooks.retry.schedule", "TOLLGATE_WEBHOOKS_RETRY_SCHEDULE", null, false,
                "waits before each retry of a webhook delivery, comma-separated durations, each jittered by up to 10% "
                        + "(default 5s,5m,30m,2h,5h,10h,10h)"),
        WEBHOOKS_DISABLE_AFTER("webhooks.disable.after", "TOLLGATE_WEBHOOKS_DISABLE_AFTER", null, false,
                "how long a webhook endpoint may fail without a success before it is disabled, e.g. 5d, 72h (default 5d)"),
        WEBHOOKS_TIMEOUT_MS("webhooks.timeout.ms", "TOLLGATE_WEBHOOKS_TIMEOUT_MS", null, false,
                "how long one webhook delivery attempt may take, ms, 1 to 60000 (default 15000)"),
        WEBHOOKS_ENDPOINT_CONCURRENCY("webhooks.endpoint.concurrency", "TOLLGATE_WEBHOOKS_ENDPOINT_CONCURRENCY", null, false,
                "webhook deliveries in flight to one endpoint at a time, 1 to 100 (default 8)");

        private final String key;
        private final String env;
        private final String flag;
        private final boolean secret;
        private final String description;

        Setting(String key, String env, String flag, boolean secret, String description) {
            this.key = key;
            this.env = env;
            this.flag = flag;
            this.secret = secret;
            this.description = description;
        }

        /** The key in a properties file and in flag overrides, e.g. {@code bootstrap.servers}. */
        public String key() {
            return key;
        }

        public Optional<String> env() {
            return Optional.ofNullable(env);
        }

        public Optional<String> flag() {
            return Optional.ofNullable(flag);
        }

        public boolean secret() {
            return secret;
        }

        public String description() {
            return description;
        }

        /** How an error message names this setting when it does not know where the value came from. */
        public String label() {
            return env == null ? key : env + " (" + key + ")";
        }

        public static Optional<Setting> forKey(String key) {
            for (Setting setting : values()) {
                if (setting.key.equals(key)) {
                    return Optional.of(setting);
                }
            }
            return Optional.empty();
        }
    }

    /** A setting has a value that cannot be used; the message names the setting and never shows a secret. */
    public static final class InvalidConfigException extends IllegalArgumentException {
        private final Setting setting;

        public InvalidConfigException(Setting setting, String message) {
            super(message);
            this.setting = setting;
        }

        /** The offending setting, or null for a problem with the configuration file itself. */
        public Setting setting() {
            return setting;
        }
    }

    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MANAGEMENT_PORT = 9090;
    /** Metrics name every agency's merchants: by default only this host sees them. */
    public static final String DEFAULT_MANAGEMENT_BIND_ADDRESS = "127.0.0.1";
    public static final long DEFAULT_COMMIT_INTERVAL_MS = 100;
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofMinutes(60);
    /** Covers Stripe's three days of webhook retries: a late payment of an ended session is still refunded. */
    public static final Duration DEFAULT_SESSION_RETENTION = Duration.ofDays(7);
    public static final Duration MIN_SESSION_RETENTION = Duration.ofHours(1);
    /** How long Stripe keeps an idempotency key: a request retried later may be executed again. */
    public static final Duration STRIPE_IDEMPOTENCY_WINDOW = Duration.ofHours(24);
    /** A session must end (and cancel its PaymentIntent) within Stripe's idempotency window. */
    public static final Duration MAX_SESSION_TTL = STRIPE_IDEMPOTENCY_WINDOW;
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final long DEFAULT_CONFIRM_BUDGET_MS = 2000;
    public static final int DEFAULT_PARTITIONS = 6;
    public static final String DEFAULT_APPLICATION_ID_PREFIX = "tollgate";
    /** Kafka's own default is 45 s; a silent member's partitions move after this (docs/operations.md, "Fault testing"). */
    public static final long DEFAULT_KAFKA_SESSION_TIMEOUT_MS = 10_000;
    public static final long MIN_KAFKA_SESSION_TIMEOUT_MS = 1_000;
    public static final long MAX_KAFKA_SESSION_TIMEOUT_MS = 1_800_000;
    public static final long DEFAULT_STRIPE_TIMEOUT_MS = 15_000;
    /** stripe-java's own default read timeout; longer only holds a payment-worker thread for nothing. */
    public static final long MAX_STRIPE_TIMEOUT_MS = 80_000;
    public static final long DEFAULT_STRIPE_CONNECT_TIMEOUT_MS = 3_000;
    public static final long MAX_STRIPE_CONNECT_TIMEOUT_MS = 30_000;
    /** Three quick retries, four attempts in all, before the call waits for a later round. */
    public static final int DEFAULT_STRIPE_MAX_NETWORK_RETRIES = 3;
    public static final int MAX_STRIPE_MAX_NETWORK_RETRIES = 10;
    public static final Duration DEFAULT_PAYMENT_GIVE_UP_AFTER = Duration.ofMinutes(10);
    /** Svix's published schedule: retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (about 27.6 h in all). */
    public static final List<Duration> DEFAULT_WEBHOOKS_RETRY_SCHEDULE = List.of(Duration.ofSeconds(5),
            Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10),
            Duration.ofHours(10));
    /** A wait longer than this could outlive the delivery log's week of retention between two writes. */
    public static final Duration MAX_WEBHOOKS_RETRY_STEP = Duration.ofDays(3);
    public static final int MAX_WEBHOOKS_RETRIES = 20;
    /** Svix disables an endpoint after 5 days of failures. */
    public static final Duration DEFAULT_WEBHOOKS_DISABLE_AFTER = Duration.ofDays(5);
    public static final Duration MAX_WEBHOOKS_DISABLE_AFTER = Duration.ofDays(30);
    /** Svix's attempt timeout. */
    public static final long DEFAULT_WEBHOOKS_TIMEOUT_MS = 15_000;
    public static final long MAX_WEBHOOKS_TIMEOUT_MS = 60_000;
    public static final int DEFAULT_WEBHOOKS_ENDPOINT_CONCURRENCY = 8;
    public static final int MAX_WEBHOOKS_ENDPOINT_CONCURRENCY = 100;

    private static final Pattern AGENCY_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Pattern ADVERTISED_HOST_NAME = Pattern.compile("[A-Za-z0-9.-]{1,253}|\\[[0-9A-Fa-f:.]{2,45}\\]");
    private static final Pattern KAFKA_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    private static final Pattern IP_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    private static final Pattern HOST_PORT = Pattern.compile("[^\\s,]+:(\\d{1,5})");
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|min|h|d)");

    private final String bootstrapServers;
    private final String schemaRegistryUrl;
    private final int port;
    private final int managementPort;
    private final String managementBindAddress;
    private final Map<String, List<String>> partnerKeys;
    private final byte[] masterKey;
    private final boolean devMode;
    private final Path dataDir;
    private final String stripeApiKey;
    private final String stripeApiBase;
    private final String stripeWebhookSecret;
    private final long stripeTimeoutMs;
    private final long stripeConnectTimeoutMs;
    private final int stripeMaxNetworkRetries;
    private final Double stripeWritesPerSecond;
    private final Duration paymentGiveUpAfter;
    private final Path readyFile;
    private final long commitIntervalMs;
    private final Duration sessionTtl;
    private final Duration sessionRetention;
    private final String advertisedHost;
    private final int standbyReplicas;
    private final int maxAttempts;
    private final long confirmBudgetMs;
    private final int partitions;
    private final String applicationIdPrefix;
    private final List<String> corsOrigins;
    private final List<Duration> webhooksRetrySchedule;
    private final Duration webhooksDisableAfter;
    private final long webhooksTimeoutMs;
    private final int webhooksEndpointConcurrency;
    private final String instanceId;
    private final long kafkaSessionTimeoutMs;
    private final Integer replicationFactor;

    private TollgateConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.schemaRegistryUrl = b.schemaRegistryUrl;
        this.port = b.port;
        this.managementPort = b.managementPort;
        this.managementBindAddress = b.managementBindAddress;
        Map<String, List<String>> keys = new LinkedHashMap<>();
        b.partnerKeys.forEach((agency, hashes) -> keys.put(agency, List.copyOf(hashes)));
        this.partnerKeys = Collections.unmodifiableMap(keys);
        this.masterKey = b.masterKey == null ? null : b.masterKey.clone();
        this.devMode = b.devMode;
        this.dataDir = b.dataDir;
        this.stripeApiKey = b.stripeApiKey;
        this.stripeApiBase = b.stripeApiBase;
        this.stripeWebhookSecret = b.stripeWebhookSecret;
        this.stripeTimeoutMs = b.stripeTimeoutMs;
        this.stripeConnectTimeoutMs = b.stripeConnectTimeoutMs;
        this.stripeMaxNetworkRetries = b.stripeMaxNetworkRetries;
        this.stripeWritesPerSecond = b.stripeWritesPerSecond;
        this.paymentGiveUpAfter = b.paymentGiveUpAfter;
        this.readyFile = b.readyFile;
        this.commitIntervalMs = b.commitIntervalMs;
        this.sessionTtl = b.sessionTtl;
        this.sessionRetention = b.sessionRetention;
        this.advertisedHost = b.advertisedHost;
        this.standbyReplicas = b.standbyReplicas;
        this.maxAttempts = b.maxAttempts;
        this.confirmBudgetMs = b.confirmBudgetMs;
        this.partitions = b.partitions;
        this.applicationIdPrefix = b.applicationIdPrefix;
        this.corsOrigins = List.copyOf(b.corsOrigins);
        this.webhooksRetrySchedule = List.copyOf(b.webhooksRetrySchedule);
        this.webhooksDisableAfter = b.webhooksDisableAfter;
        this.webhooksTimeoutMs = b.webhooksTimeoutMs;
        this.webhooksEndpointConcurrency = b.webhooksEndpointConcurrency;
        this.instanceId = b.instanceId;
        this.kafkaSessionTimeoutMs = b.kafkaSessionTimeoutMs;
        this.replicationFactor = b.replicationFactor;
    }

    /**
     * Loads the configuration: the file (may be null), then the environment, then flag overrides
     * (keyed by {@link Setting#key()}), each layer overriding the one before.
     */
    public static TollgateConfig load(Path fileOrNull, Map<String, String> env, Map<String, String> flagOverrides) {
        return load(Map.of(), fileOrNull, env, flagOverrides);
    }

    /**
     * As {@link #load(Path, Map, Map)}, with a lowest layer of defaults a command chooses, e.g.
     * {@code dev.mode=true} for {@code tollgate up}, which the file, environment or flags may still
     * override.
     */
    public static TollgateConfig load(Map<String, String> commandDefaults, Path fileOrNull,
            Map<String, String> env, Map<String, String> flagOverrides) {
        Map<Setting, Raw> raw = new EnumMap<>(Setting.class);
        putAll(raw, commandDefaults, setting -> "the default of this command for " + setting.key());
        if (fileOrNull != null) {
            Properties file = readProperties(fileOrNull);
            for (String key : new TreeSet<>(file.stringPropertyNames())) {
                Setting setting = Setting.forKey(key).orElseThrow(() -> new InvalidConfigException(null,
                        "unknown setting '" + key + "' in " + fileOrNull + "; known settings: " + knownKeys()));
                put(raw, setting, file.getProperty(key), key + " in " + fileOrNull);
            }
        }
        for (Setting setting : Setting.values()) {
            if (setting.env != null) {
                put(raw, setting, env.get(setting.env), setting.env);
            }
        }
        putAll(raw, flagOverrides, setting -> setting.flag == null ? "--set " + setting.key : setting.flag);

        Builder builder = builder();
        raw.forEach((setting, value) -> builder.set(setting, value.value, value.source));
        return builder.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration's values, to change a few and build again. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A copy with some settings replaced, keyed by {@link Setting#key()}; validated like {@link #load}. */
    public TollgateConfig withOverrides(Map<String, String> overrides) {
        Builder builder = toBuilder();
        for (String key : overrides.keySet()) {
            if (Setting.forKey(key).isEmpty()) {
                throw new IllegalArgumentException("unknown setting '" + key + "'; known settings: " + knownKeys());
            }
        }
        // in declaration order, so partner.keys (which replaces) comes before dev.partner.keys (which adds)
        for (Setting setting : Setting.values()) {
            if (overrides.containsKey(setting.key)) {
                builder.set(setting.key, overrides.get(setting.key));
            }
        }
        return builder.build();
    }

    /** The hex SHA-256 of a partner key: what {@code TOLLGATE_PARTNER_KEYS} holds and what auth compares. */
    public static String partnerKeyHash(String partnerKey) {
        Objects.requireNonNull(partnerKey, "partnerKey");
        return Sha256.hex(partnerKey);
    }

    /** The {@code TOLLGATE_PARTNER_KEYS} entry ({@code agency:sha256hex}) that enables a key. */
    public static String partnerKeyEntry(String agency, String partnerKey) {
        if (agency == null || !AGENCY_ID.matcher(agency).matches()) {
            throw new IllegalArgumentException("agency id must be 1-64 of letters, digits, '.', '_' or '-' and start "
                    + "with a letter or digit, got '" + agency + "'");
        }
        return agency + ":" + partnerKeyHash(partnerKey);
    }

    /** Kafka bootstrap servers; empty means "start the embedded broker". */
    public Optional<String> bootstrapServers() {
        return Optional.ofNullable(bootstrapServers);
    }

    /** Confluent-API registry URL; empty means "use the in-process registry". */
    public Optional<String> schemaRegistryUrl() {
        return Optional.ofNullable(schemaRegistryUrl);
    }

    /** API port; 0 means any free port. */
    public int port() {
        return port;
    }

    /** Port of the management server ({@code /health}, {@code /metrics}); 0 means any free port. */
    public int managementPort() {
        return managementPort;
    }

    /** The address the management server listens on: loopback unless told otherwise. */
    public String managementBindAddress() {
        return managementBindAddress;
    }

    /** Accepted partner-key hashes (lower-case hex SHA-256) by agency id; unmodifiable. */
    public Map<String, List<String>> partnerKeys() {
        return partnerKeys;
    }

    /** The AES master key (a copy); always present outside dev mode. */
    public Optional<byte[]> masterKey() {
        return Optional.ofNullable(masterKey).map(byte[]::clone);
    }

    public boolean devMode() {
        return devMode;
    }

    public Optional<Path> dataDir() {
        return Optional.ofNullable(dataDir);
    }

    /** Stripe secret key; empty means "use the local Stripe stand-in". */
    public Optional<String> stripeApiKey() {
        return Optional.ofNullable(stripeApiKey);
    }

    public Optional<String> stripeApiBase() {
        return Optional.ofNullable(stripeApiBase);
    }

    public Optional<String> stripeWebhookSecret() {
        return Optional.ofNullable(stripeWebhookSecret);
    }

    /** Read timeout of one Stripe call. */
    public long stripeTimeoutMs() {
        return stripeTimeoutMs;
    }

    public long stripeConnectTimeoutMs() {
        return stripeConnectTimeoutMs;
    }

    /** Retries after the first attempt of a Stripe call, under the same idempotency key. */
    public int stripeMaxNetworkRetries() {
        return stripeMaxNetworkRetries;
    }

    /** Stripe writes per second and Stripe account; empty means "Stripe's default for the key's mode". */
    public OptionalDouble stripeWritesPerSecond() {
        return stripeWritesPerSecond == null ? OptionalDouble.empty() : OptionalDouble.of(stripeWritesPerSecond);
    }

    /** How long after its journal event the payment worker keeps retrying a Stripe call that fails temporarily. */
    public Duration paymentGiveUpAfter() {
        return paymentGiveUpAfter;
    }

    public Optional<Path> readyFile() {
        return Optional.ofNullable(readyFile);
    }

    public long commitIntervalMs() {
        return commitIntervalMs;
    }

    public Duration sessionTtl() {
        return sessionTtl;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /** How long an ended session's state is kept before the fold forgets it (the journal keeps it). */
    public Duration sessionRetention() {
        return sessionRetention;
    }

    /** The host other orchestrator instances reach this one at; empty means "work it out". */
    public Optional<String> advertisedHost() {
        return Optional.ofNullable(advertisedHost);
    }

    public int standbyReplicas() {
        return standbyReplicas;
    }

    public long confirmBudgetMs() {
        return confirmBudgetMs;
    }

    public int partitions() {
        return partitions;
    }

    public String applicationIdPrefix() {
        return applicationIdPrefix;
    }

    /** This process's stable name among its service's instances; empty means dynamic group membership. */
    public Optional<String> instanceId() {
        return Optional.ofNullable(instanceId);
    }

    /** The group session timeout of the workers' consumers and the folds. */
    public long kafkaSessionTimeoutMs() {
        return kafkaSessionTimeoutMs;
    }

    /** Replicas of created topics; empty means min(3, brokers). */
    public Optional<Integer> replicationFactor() {
        return Optional.ofNullable(replicationFactor);
    }

    /** Allowed CORS origins ({@code *} or {@code scheme://host[:port]}); empty means no CORS. */
    public List<String> corsOrigins() {
        return corsOrigins;
    }

    /** The nominal waits before each retry of a webhook delivery; their count is the number of retries. */
    public List<Duration> webhooksRetrySchedule() {
        return webhooksRetrySchedule;
    }

    /** How long a webhook endpoint may fail without a success before the dispatcher disables it. */
    public Duration webhooksDisableAfter() {
        return webhooksDisableAfter;
    }

    /** How long one webhook delivery attempt may take. */
    public long webhooksTimeoutMs() {
        return webhooksTimeoutMs;
    }

    /** Deliveries in flight to one endpoint at a time. */
    public int webhooksEndpointConcurrency() {
        return webhooksEndpointConcurrency;
    }

    @Override
    public String toString() {
        return "TollgateConfig{"
                + "bootstrapServers=" + orEmbedded(bootstrapServers)
                + ", schemaRegistryUrl=" + (schemaRegistryUrl == null ? "<in-process>" : schemaRegistryUrl)
                + ", port=" + port
                + ", managementPort=" + managementPort
                + ", managementBindAddress=" + managementBindAddress
                + ", partnerKeys=" + partnerKeys
                + ", masterKey=" + redacted(masterKey != null)
                + ", devMode=" + devMode
                + ", dataDir=" + (dataDir == null ? "<temp>" : dataDir)
                + ", stripeApiKey=" + (stripeApiKey == null ? "<stand-in>" : redacted(true))
                + ", stripeApiBase=" + stripeApiBase
                + ", stripeWebhookSecret=" + redacted(stripeWebhookSecret != null)
                + ", stripeTimeoutMs=" + stripeTimeoutMs
                + ", stripeConnectTimeoutMs=" + stripeConnectTimeoutMs
                + ", stripeMaxNetworkRetries=" + stripeMaxNetworkRetries
                + ", stripeWritesPerSecond=" + (stripeWritesPerSecond == null ? "<by key mode>" : stripeWritesPerSecond)
                + ", paymentGiveUpAfter=" + paymentGiveUpAfter
                + ", readyFile=" + readyFile
                + ", commitIntervalMs=" + commitIntervalMs
                + ", sessionTtl=" + sessionTtl
                + ", sessionRetention=" + sessionRetention
                + ", advertisedHost=" + (advertisedHost == null ? "<default>" : advertisedHost)
                + ", standbyReplicas=" + standbyReplicas
                + ", maxAttempts=" + maxAttempts
                + ", confirmBudgetMs=" + confirmBudgetMs
                + ", partitions=" + partitions
                + ", applicationIdPrefix=" + applicationIdPrefix
                + ", corsOrigins=" + corsOrigins
                + ", webhooksRetrySchedule=" + webhooksRetrySchedule
                + ", webhooksDisableAfter=" + webhooksDisableAfter
                + ", webhooksTimeoutMs=" + webhooksTimeoutMs
                + ", webhooksEndpointConcurrency=" + webhooksEndpointConcurrency
                + ", instanceId=" + (instanceId == null ? "<dynamic membership>" : instanceId)
                + ", kafkaSessionTimeoutMs=" + kafkaSessionTimeoutMs
                + ", replicationFactor=" + (replicationFactor == null ? "<min(3, brokers)>" : replicationFactor)
                + "}";
    }

    private static String orEmbedded(String bootstrap) {
        return bootstrap == null ? "<embedded>" : bootstrap;
    }

    private static String redacted(boolean present) {
        return present ? "<redacted>" : "<unset>";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TollgateConfig other)) {
            return false;
        }
        return port == other.port && managementPort == other.managementPort
                && managementBindAddress.equals(other.managementBindAddress) && devMode == other.devMode && commitIntervalMs == other.commitIntervalMs
                && maxAttempts == other.maxAttempts && confirmBudgetMs == other.confirmBudgetMs
                && partitions == other.partitions
                && stripeTimeoutMs == other.stripeTimeoutMs && stripeConnectTimeoutMs == other.stripeConnectTimeoutMs
                && stripeMaxNetworkRetries == other.stripeMaxNetworkRetries
                && Objects.equals(stripeWritesPerSecond, other.stripeWritesPerSecond)
                && paymentGiveUpAfter.equals(other.paymentGiveUpAfter)
                && Objects.equals(bootstrapServers, other.bootstrapServers)
                && Objects.equals(schemaRegistryUrl, other.schemaRegistryUrl)
                && partnerKeys.equals(other.partnerKeys)
                && Arrays.equals(masterKey, other.masterKey)
                && Objects.equals(dataDir, other.dataDir)
                && Objects.equals(stripeApiKey, other.stripeApiKey)
                && Objects.equals(stripeApiBase, other.stripeApiBase)
                && Objects.equals(stripeWebhookSecret, other.stripeWebhookSecret)
                && Objects.equals(readyFile, other.readyFile)
                && sessionTtl.equals(other.sessionTtl)
                && sessionRetention.equals(other.sessionRetention)
                && Objects.equals(advertisedHost, other.advertisedHost)
                && standbyReplicas == other.standbyReplicas
                && applicationIdPrefix.equals(other.applicationIdPrefix)
                && corsOrigins.equals(other.corsOrigins)
                && webhooksRetrySchedule.equals(other.webhooksRetrySchedule)
                && webhooksDisableAfter.equals(other.webhooksDisableAfter)
                && webhooksTimeoutMs == other.webhooksTimeoutMs
                && webhooksEndpointConcurrency == other.webhooksEndpointConcurrency
                && Objects.equals(instanceId, other.instanceId)
                && kafkaSessionTimeoutMs == other.kafkaSessionTimeoutMs
                && Objects.equals(replicationFactor, other.replicationFactor);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bootstrapServers, schemaRegistryUrl, port, managementPort, managementBindAddress, partnerKeys, Arrays.hashCode(masterKey),
                devMode, dataDir, stripeApiKey, stripeApiBase, stripeWebhookSecret, stripeTimeoutMs,
                stripeConnectTimeoutMs, stripeMaxNetworkRetries, stripeWritesPerSecond, paymentGiveUpAfter, readyFile,
                commitIntervalMs, sessionTtl, sessionRetention, advertisedHost, standbyReplicas, maxAttempts, confirmBudgetMs,
                partitions, applicationIdPrefix, corsOrigins, webhooksRetrySchedule, webhooksDisableAfter, webhooksTimeoutMs,
                webhooksEndpointConcurrency, instanceId, kafkaSessionTimeoutMs, replicationFactor);
    }

    /**
     * Collects values and checks them all in {@link #build()}. Starts from the defaults, with dev
     * mode off, so a test that wants no master key says {@code devMode(true)}.
     */
    public static final class Builder {
        private String bootstrapServers;
        private String schemaRegistryUrl;
        private int port = DEFAULT_PORT;
        private int managementPort = DEFAULT_MANAGEMENT_PORT;
        private String managementBindAddress = DEFAULT_MANAGEMENT_BIND_ADDRESS;
        private final Map<String, List<String>> partnerKeys = new LinkedHashMap<>();
        private boolean devPartnerKeysGiven;
        private String devPartnerKeysSource;
        private byte[] masterKey;
        private boolean devMode;
        private Path dataDir;
        private String stripeApiKey;
        private String stripeApiBase;
        private String stripeWebhookSecret;
        private long stripeTimeoutMs = DEFAULT_STRIPE_TIMEOUT_MS;
        private long stripeConnectTimeoutMs = DEFAULT_STRIPE_CONNECT_TIMEOUT_MS;
        private int stripeMaxNetworkRetries = DEFAULT_STRIPE_MAX_NETWORK_RETRIES;
        private Double stripeWritesPerSecond;
        private Duration paymentGiveUpAfter = DEFAULT_PAYMENT_GIVE_UP_AFTER;
        private Path readyFile;
        private long commitIntervalMs = DEFAULT_COMMIT_INTERVAL_MS;
        private Duration sessionTtl = DEFAULT_SESSION_TTL;
        private Duration sessionRetention = DEFAULT_SESSION_RETENTION;
        private String advertisedHost;
        private int standbyReplicas;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private long confirmBudgetMs = DEFAULT_CONFIRM_BUDGET_MS;
        private int partitions = DEFAULT_PARTITIONS;
        private String applicationIdPrefix = DEFAULT_APPLICATION_ID_PREFIX;
        private List<String> corsOrigins = List.of();
        private List<Duration> webhooksRetrySchedule = DEFAULT_WEBHOOKS_RETRY_SCHEDULE;
        private Duration webhooksDisableAfter = DEFAULT_WEBHOOKS_DISABLE_AFTER;
        private long webhooksTimeoutMs = DEFAULT_WEBHOOKS_TIMEOUT_MS;
        private int webhooksEndpointConcurrency = DEFAULT_WEBHOOKS_ENDPOINT_CONCURRENCY;
        private String instanceId;
        private long kafkaSessionTimeoutMs = DEFAULT_KAFKA_SESSION_TIMEOUT_MS;
        private Integer replicationFactor;
        // where the value of each setting came from, so errors found in build() name it as written
        private final Map<Setting, String> sources = new EnumMap<>(Setting.class);

        private Builder() {
        }

        private Builder(TollgateConfig c) {
            bootstrapServers = c.bootstrapServers;
            schemaRegistryUrl = c.schemaRegistryUrl;
            port = c.port;
            managementPort = c.managementPort;
            managementBindAddress = c.managementBindAddress;
            c.partnerKeys.forEach((agency, hashes) -> partnerKeys.put(agency, new ArrayList<>(hashes)));
            masterKey = c.masterKey == null ? null : c.masterKey.clone();
            devMode = c.devMode;
            dataDir = c.dataDir;
            stripeApiKey = c.stripeApiKey;
            stripeApiBase = c.stripeApiBase;
            stripeWebhookSecret = c.stripeWebhookSecret;
            stripeTimeoutMs = c.stripeTimeoutMs;
            stripeConnectTimeoutMs = c.stripeConnectTimeoutMs;
            stripeMaxNetworkRetries = c.stripeMaxNetworkRetries;
            stripeWritesPerSecond = c.stripeWritesPerSecond;
            paymentGiveUpAfter = c.paymentGiveUpAfter;
            readyFile = c.readyFile;
            commitIntervalMs = c.commitIntervalMs;
            sessionTtl = c.sessionTtl;
            sessionRetention = c.sessionRetention;
            advertisedHost = c.advertisedHost;
            standbyReplicas = c.standbyReplicas;
            maxAttempts = c.maxAttempts;
            confirmBudgetMs = c.confirmBudgetMs;
            partitions = c.partitions;
            applicationIdPrefix = c.applicationIdPrefix;
            corsOrigins = c.corsOrigins;
            webhooksRetrySchedule = c.webhooksRetrySchedule;
            webhooksDisableAfter = c.webhooksDisableAfter;
            webhooksTimeoutMs = c.webhooksTimeoutMs;
            webhooksEndpointConcurrency = c.webhooksEndpointConcurrency;
            instanceId = c.instanceId;
            kafkaSessionTimeoutMs = c.kafkaSessionTimeoutMs;
            replicationFactor = c.replicationFactor;
        }

        public Builder bootstrapServers(String value) {
            bootstrapServers = value;
            return this;
        }

        public Builder schemaRegistryUrl(String value) {
            schemaRegistryUrl = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder managementPort(int value) {
            managementPort = value;
            return this;
        }

        public Builder managementBindAddress(String value) {
            managementBindAddress = value;
            return this;
        }

        /** Replaces all partner keys. */
        public Builder partnerKeys(Map<String, List<String>> hashesByAgency) {
            partnerKeys.clear();
            hashesByAgency.forEach((agency, hashes) -> hashes.forEach(hash -> addPartnerKeyHash(agency, hash)));
            return this;
        }

        public Builder addPartnerKeyHash(String agency, String sha256hex) {
            partnerKeys.computeIfAbsent(agency, a -> new ArrayList<>()).add(sha256hex);
            return this;
        }

        /** Accepts a plain partner key for an agency; dev mode only (checked in {@link #build()}). */
        public Builder addDevPartnerKey(String agency, String partnerKey) {
            devPartnerKeysGiven = true;
            return addPartnerKeyHash(agency, partnerKeyHash(partnerKey));
        }

        public Builder masterKey(byte[] value) {
            masterKey = value == null ? null : value.clone();
            return this;
        }

        public Builder devMode(boolean value) {
            devMode = value;
            return this;
        }

        public Builder dataDir(Path value) {
            dataDir = value;
            return this;
        }

        public Builder stripeApiKey(String value) {
            stripeApiKey = value;
            return this;
        }

        public Builder stripeApiBase(String value) {
            stripeApiBase = value;
            return this;
        }

        public Builder stripeWebhookSecret(String value) {
            stripeWebhookSecret = value;
            return this;
        }

        public Builder stripeTimeoutMs(long value) {
            stripeTimeoutMs = value;
            return this;
        }

        public Builder stripeConnectTimeoutMs(long value) {
            stripeConnectTimeoutMs = value;
            return this;
        }

        public Builder stripeMaxNetworkRetries(int value) {
            stripeMaxNetworkRetries = value;
            return this;
        }

        /** Null: Stripe's default for the key's mode. */
        public Builder stripeWritesPerSecond(Double value) {
            stripeWritesPerSecond = value;
            return this;
        }

        public Builder paymentGiveUpAfter(Duration value) {
            paymentGiveUpAfter = Objects.requireNonNull(value, "paymentGiveUpAfter");
            return this;
        }

        public Builder readyFile(Path value) {
            readyFile = value;
            return this;
        }

        public Builder commitIntervalMs(long value) {
            commitIntervalMs = value;
            return this;
        }

        public Builder sessionTtl(Duration value) {
            sessionTtl = Objects.requireNonNull(value, "sessionTtl");
            return this;
        }

        public Builder sessionRetention(Duration value) {
            sessionRetention = Objects.requireNonNull(value, "sessionRetention");
            return this;
        }

        public Builder advertisedHost(String value) {
            advertisedHost = value;
            return this;
        }

        public Builder standbyReplicas(int value) {
            standbyReplicas = value;
            return this;
        }

        public Builder maxAttempts(int value) {
            maxAttempts = value;
            return this;
        }

        public Builder confirmBudgetMs(long value) {
            confirmBudgetMs = value;
            return this;
        }

        public Builder partitions(int value) {
            partitions = value;
            return this;
        }

        public Builder applicationIdPrefix(String value) {
            applicationIdPrefix = Objects.requireNonNull(value, "applicationIdPrefix");
            return this;
        }

        public Builder instanceId(String value) {
            instanceId = value;
            return this;
        }

        public Builder kafkaSessionTimeoutMs(long value) {
            kafkaSessionTimeoutMs = value;
            return this;
        }

        /** Null: min(3, brokers). */
        public Builder replicationFactor(Integer value) {
            replicationFactor = value;
            return this;
        }

        public Builder corsOrigins(List<String> value) {
            corsOrigins = List.copyOf(value);
            return this;
        }

        public Builder webhooksRetrySchedule(List<Duration> value) {
            webhooksRetrySchedule = List.copyOf(value);
            return this;
        }

        public Builder webhooksDisableAfter(Duration value) {
            webhooksDisableAfter = Objects.requireNonNull(value, "webhooksDisableAfter");
            return this;
        }

        public Builder webhooksTimeoutMs(long value) {
            webhooksTimeoutMs = value;
            return this;
        }

        public Builder webhooksEndpointConcurrency(int value) {
            webhooksEndpointConcurrency = value;
            return this;
        }

        /** Sets one setting from its text form, as in a properties file; blank resets it to its default. */
        public Builder set(String key, String value) {
            Setting setting = Setting.forKey(key).orElseThrow(() -> new IllegalArgumentException(
                    "unknown setting '" + key + "'; known settings: " + knownKeys()));
            return set(setting, value, setting.label());
        }

        private Builder set(Setting setting, String rawValue, String source) {
            sources.put(setting, source);
            String value = rawValue == null ? "" : rawValue.trim();
            boolean blank = value.isEmpty();
            switch (setting) {
                case BOOTSTRAP_SERVERS -> bootstrapServers = blank ? null : value;
                case SCHEMA_REGISTRY_URL -> schemaRegistryUrl = blank ? null : value;
                case PORT -> port = blank ? DEFAULT_PORT : parseInt(setting, source, value);
                case MANAGEMENT_PORT -> managementPort = blank ? DEFAULT_MANAGEMENT_PORT : parseInt(setting, source, value);
                case MANAGEMENT_BIND_ADDRESS -> managementBindAddress = blank ? DEFAULT_MANAGEMENT_BIND_ADDRESS : value;
                case PARTNER_KEYS -> {
                    partnerKeys.clear();
                    if (!blank) {
                        parsePartnerKeys(source, value);
                    }
                }
                case DEV_PARTNER_KEYS -> {
                    if (!blank) {
                        devPartnerKeysSource = source;
                        parseDevPartnerKeys(source, value);
                    }
                }
                case MASTER_KEY -> masterKey = blank ? null : parseMasterKey(source, value);
                case DEV_MODE -> devMode = !blank && parseBoolean(setting, source, value);
                case DATA_DIR -> dataDir = blank ? null : Path.of(value);
                case STRIPE_API_KEY -> stripeApiKey = blank ? null : value;
                case STRIPE_API_BASE -> stripeApiBase = blank ? null : value;
                case STRIPE_WEBHOOK_SECRET -> stripeWebhookSecret = blank ? null : value;
                case STRIPE_TIMEOUT_MS -> stripeTimeoutMs = blank ? DEFAULT_STRIPE_TIMEOUT_MS : parseLong(setting, source, value);
                case STRIPE_CONNECT_TIMEOUT_MS -> stripeConnectTimeoutMs = blank ? DEFAULT_STRIPE_CONNECT_TIMEOUT_MS
                        : parseLong(setting, source, value);
                case STRIPE_MAX_NETWORK_RETRIES -> stripeMaxNetworkRetries = blank ? DEFAULT_STRIPE_MAX_NETWORK_RETRIES
                        : parseInt(setting, source, value);
                case STRIPE_WRITES_PER_SECOND -> stripeWritesPerSecond = blank ? null : parseDouble(setting, source, value);
                case PAYMENT_GIVE_UP_AFTER -> paymentGiveUpAfter = blank ? DEFAULT_PAYMENT_GIVE_UP_AFTER
                        : parseDuration(setting, source, value);
                case READY_FILE -> readyFile = blank ? null : Path.of(value);
                case COMMIT_INTERVAL_MS -> commitIntervalMs = blank ? DEFAULT_COMMIT_INTERVAL_MS : parseLong(setting, source, value);
                case SESSION_TTL -> sessionTtl = blank ? DEFAULT_SESSION_TTL : parseDuration(setting, source, value);
                case SESSION_RETENTION -> sessionRetention = blank ? DEFAULT_SESSION_RETENTION : parseDuration(setting, source, value);
                case ADVERTISED_HOST -> advertisedHost = blank ? null : value;
                case STANDBY_REPLICAS -> standbyReplicas = blank ? 0 : parseInt(setting, source, value);
                case MAX_ATTEMPTS -> maxAttempts = blank ? DEFAULT_MAX_ATTEMPTS : parseInt(setting, source, value);
                case CONFIRM_BUDGET_MS -> confirmBudgetMs = blank ? DEFAULT_CONFIRM_BUDGET_MS : parseLong(setting, source, value);
                case PARTITIONS -> partitions = blank ? DEFAULT_PARTITIONS : parseInt(setting, source, value);
                case APPLICATION_ID_PREFIX -> applicationIdPrefix = blank ? DEFAULT_APPLICATION_ID_PREFIX : value;
                case CORS_ORIGINS -> corsOrigins = blank ? List.of() : splitList(value);
                case WEBHOOKS_RETRY_SCHEDULE -> webhooksRetrySchedule = blank ? DEFAULT_WEBHOOKS_RETRY_SCHEDULE
                        : splitList(value).stream().map(step -> parseDuration(setting, source, step)).toList();
                case WEBHOOKS_DISABLE_AFTER -> webhooksDisableAfter = blank ? DEFAULT_WEBHOOKS_DISABLE_AFTER
                        : parseDuration(setting, source, value);
                case WEBHOOKS_TIMEOUT_MS -> webhooksTimeoutMs = blank ? DEFAULT_WEBHOOKS_TIMEOUT_MS
                        : parseLong(setting, source, value);
                case WEBHOOKS_ENDPOINT_CONCURRENCY -> webhooksEndpointConcurrency = blank ? DEFAULT_WEBHOOKS_ENDPOINT_CONCURRENCY
                        : parseInt(setting, source, value);
                case INSTANCE_ID -> instanceId = blank ? null : value;
                case KAFKA_SESSION_TIMEOUT_MS -> kafkaSessionTimeoutMs = blank ? DEFAULT_KAFKA_SESSION_TIMEOUT_MS
                        : parseLong(setting, source, value);
                case REPLICATION_FACTOR -> replicationFactor = blank ? null : parseInt(setting, source, value);
                default -> throw new IllegalStateException("unhandled setting " + setting);
            }
            return this;
        }

        /** Checks every value and their combinations; the first problem found is thrown. */
        public TollgateConfig build() {
            if (bootstrapServers != null) {
                List<String> servers = splitList(bootstrapServers);
                if (servers.isEmpty()) {
                    throw invalid(Setting.BOOTSTRAP_SERVERS, "must list at least one host:port");
                }
                for (String server : servers) {
                    Matcher m = HOST_PORT.matcher(server);
                    if (!m.matches() || Integer.parseInt(m.group(1)) > 65535) {
                        throw invalid(Setting.BOOTSTRAP_SERVERS, "must be a comma-separated list of host:port, got '"
                                + bootstrapServers + "'");
                    }
                }
            }
            String normalizedBootstrap = bootstrapServers == null ? null : String.join(",", splitList(bootstrapServers));
            if (schemaRegistryUrl != null) {
                requireHttpUrl(Setting.SCHEMA_REGISTRY_URL, schemaRegistryUrl);
            }
            if (stripeApiBase != null) {
                requireHttpUrl(Setting.STRIPE_API_BASE, stripeApiBase);
            }
            if (port < 0 || port > 65535) {
                throw invalid(Setting.PORT, "must be from 0 (any free port) to 65535, got " + port);
            }
            if (managementPort < 0 || managementPort > 65535) {
                throw invalid(Setting.MANAGEMENT_PORT, "must be from 0 (any free port) to 65535, got " + managementPort);
            }
            if (port != 0 && port == managementPort) {
                throw invalid(Setting.MANAGEMENT_PORT, "must differ from the API port " + port
                        + ": metrics and health are not for the public");
            }
            if (!IP_LITERAL.matcher(managementBindAddress).matches()) {
                throw invalid(Setting.MANAGEMENT_BIND_ADDRESS, "must be an IP address to listen on (127.0.0.1 for this host only, "
                        + "0.0.0.0 for all), got '" + managementBindAddress + "'");
            }
            partnerKeys.forEach((agency, hashes) -> {
                if (!AGENCY_ID.matcher(agency).matches()) {
                    throw invalid(Setting.PARTNER_KEYS, "agency id '" + agency
                            + "' must be 1-64 of letters, digits, '.', '_' or '-', starting with a letter or digit");
                }
                for (int i = 0; i < hashes.size(); i++) {
                    String hash = hashes.get(i);
                    if (!SHA256_HEX.matcher(hash).matches()) {
                        throw invalid(Setting.PARTNER_KEYS, "the key of agency '" + agency + "' must be a SHA-256 in hex "
                                + "(64 characters; `tollgate keys new` prints one), got '" + hash + "'");
                    }
                    hashes.set(i, hash.toLowerCase(Locale.ROOT));
                }
            });
            if (devPartnerKeysGiven && !devMode) {
                throw new InvalidConfigException(Setting.DEV_PARTNER_KEYS, sourceOf(Setting.DEV_PARTNER_KEYS,
                        devPartnerKeysSource) + ": plain partner keys are for dev mode only; outside it put their "
                        + "SHA-256 in TOLLGATE_PARTNER_KEYS (see `tollgate keys new`)");
            }
            if (masterKey == null && !devMode) {
                throw invalid(Setting.MASTER_KEY, "is required outside dev mode: set it to the base64 of 32 random bytes "
                        + "(e.g. `openssl rand -base64 32`), or set TOLLGATE_DEV_MODE=true for local use");
            }
            if (masterKey != null && masterKey.length != 16 && masterKey.length != 24 && masterKey.length != 32) {
                throw invalid(Setting.MASTER_KEY, "must be the base64 of 16, 24 or 32 bytes, got " + masterKey.length + " bytes");
            }
            if (commitIntervalMs < 0) {
                throw invalid(Setting.COMMIT_INTERVAL_MS, "must not be negative, got " + commitIntervalMs);
            }
            if (sessionTtl.isNegative() || sessionTtl.isZero() || sessionTtl.compareTo(MAX_SESSION_TTL) >= 0) {
                throw invalid(Setting.SESSION_TTL, "must be positive and below 24h (Stripe's idempotency window), got "
                        + sessionTtl);
            }
            if (sessionRetention.compareTo(MIN_SESSION_RETENTION) < 0) {
                throw invalid(Setting.SESSION_RETENTION, "must be at least 1h, got " + sessionRetention);
            }
            if (advertisedHost != null && !ADVERTISED_HOST_NAME.matcher(advertisedHost).matches()) {
                throw invalid(Setting.ADVERTISED_HOST, "must be a host name or IP address without port or scheme, got '"
                        + advertisedHost + "'");
            }
            if (standbyReplicas < 0) {
                throw invalid(Setting.STANDBY_REPLICAS, "must not be negative, got " + standbyReplicas);
            }
            if (stripeTimeoutMs < 1 || stripeTimeoutMs > MAX_STRIPE_TIMEOUT_MS) {
                throw invalid(Setting.STRIPE_TIMEOUT_MS, "must be from 1 to " + MAX_STRIPE_TIMEOUT_MS + " ms, got "
                        + stripeTimeoutMs);
            }
            if (stripeConnectTimeoutMs < 1 || stripeConnectTimeoutMs > MAX_STRIPE_CONNECT_TIMEOUT_MS) {
                throw invalid(Setting.STRIPE_CONNECT_TIMEOUT_MS, "must be from 1 to " + MAX_STRIPE_CONNECT_TIMEOUT_MS
                        + " ms, got " + stripeConnectTimeoutMs);
            }
            if (stripeMaxNetworkRetries < 0 || stripeMaxNetworkRetries > MAX_STRIPE_MAX_NETWORK_RETRIES) {
                throw invalid(Setting.STRIPE_MAX_NETWORK_RETRIES, "must be from 0 to " + MAX_STRIPE_MAX_NETWORK_RETRIES
                        + ", got " + stripeMaxNetworkRetries);
            }
            if (stripeWritesPerSecond != null && !(stripeWritesPerSecond > 0 && Double.isFinite(stripeWritesPerSecond))) {
                throw invalid(Setting.STRIPE_WRITES_PER_SECOND, "must be a positive number (unset: 25 with a test key, "
                        + "100 live), got " + stripeWritesPerSecond);
            }
            // Not tied to session.ttl: the worker runs with its own configuration, a PaymentIntent created after its
            // session ended is canceled by the checkout fold, and cancels and refunds outlive their session anyway.
            if (paymentGiveUpAfter.isNegative() || paymentGiveUpAfter.isZero()
                    || paymentGiveUpAfter.compareTo(STRIPE_IDEMPOTENCY_WINDOW) >= 0) {
                throw invalid(Setting.PAYMENT_GIVE_UP_AFTER, "must be positive and below 24h (Stripe's idempotency "
                        + "window), got " + paymentGiveUpAfter);
            }
            if (maxAttempts < 1) {
                throw invalid(Setting.MAX_ATTEMPTS, "must be at least 1, got " + maxAttempts);
            }
            if (confirmBudgetMs < 0) {
                throw invalid(Setting.CONFIRM_BUDGET_MS, "must not be negative, got " + confirmBudgetMs);
            }
            if (partitions < 1) {
                throw invalid(Setting.PARTITIONS, "must be at least 1, got " + partitions);
            }
            if (instanceId != null && !KAFKA_NAME.matcher(instanceId).matches()) {
                throw invalid(Setting.INSTANCE_ID, "must be 1-100 of letters, digits, '.', '_' or '-', got '" + instanceId + "'");
            }
            if (kafkaSessionTimeoutMs < MIN_KAFKA_SESSION_TIMEOUT_MS || kafkaSessionTimeoutMs > MAX_KAFKA_SESSION_TIMEOUT_MS) {
                throw invalid(Setting.KAFKA_SESSION_TIMEOUT_MS, "must be from " + MIN_KAFKA_SESSION_TIMEOUT_MS + " to "
                        + MAX_KAFKA_SESSION_TIMEOUT_MS + " ms (and within the brokers' group.min/max.session.timeout.ms), got "
                        + kafkaSessionTimeoutMs);
            }
            if (replicationFactor != null && (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE)) {
                throw invalid(Setting.REPLICATION_FACTOR, "must be at least 1, got " + replicationFactor);
            }
            if (!KAFKA_NAME.matcher(applicationIdPrefix).matches()) {
                throw invalid(Setting.APPLICATION_ID_PREFIX, "must be 1-100 of letters, digits, '.', '_' or '-', got '"
                        + applicationIdPrefix + "'");
            }
            for (String origin : corsOrigins) {
                if (!origin.equals("*") && !isOrigin(origin)) {
                    throw invalid(Setting.CORS_ORIGINS, "each origin must be * or scheme://host[:port] without a path, got '"
                            + origin + "'");
                }
            }
            if (webhooksRetrySchedule.isEmpty() || webhooksRetrySchedule.size() > MAX_WEBHOOKS_RETRIES) {
                throw invalid(Setting.WEBHOOKS_RETRY_SCHEDULE, "must list 1 to " + MAX_WEBHOOKS_RETRIES + " waits, got "
                        + webhooksRetrySchedule.size());
            }
            for (Duration step : webhooksRetrySchedule) {
                if (step.isNegative() || step.isZero() || step.compareTo(MAX_WEBHOOKS_RETRY_STEP) > 0) {
                    throw invalid(Setting.WEBHOOKS_RETRY_SCHEDULE, "each wait must be positive and at most 3 days (the "
                            + "delivery log keeps a week), got " + step);
                }
            }
            if (webhooksDisableAfter.isNegative() || webhooksDisableAfter.isZero()
                    || webhooksDisableAfter.compareTo(MAX_WEBHOOKS_DISABLE_AFTER) > 0) {
                throw invalid(Setting.WEBHOOKS_DISABLE_AFTER, "must be positive and at most 30d, got " + webhooksDisableAfter);
            }
            if (webhooksTimeoutMs < 1 || webhooksTimeoutMs > MAX_WEBHOOKS_TIMEOUT_MS) {
                throw invalid(Setting.WEBHOOKS_TIMEOUT_MS, "must be from 1 to " + MAX_WEBHOOKS_TIMEOUT_MS + " ms, got "
                        + webhooksTimeoutMs);
            }
            if (webhooksEndpointConcurrency < 1 || webhooksEndpointConcurrency > MAX_WEBHOOKS_ENDPOINT_CONCURRENCY) {
                throw invalid(Setting.WEBHOOKS_ENDPOINT_CONCURRENCY, "must be from 1 to " + MAX_WEBHOOKS_ENDPOINT_CONCURRENCY
                        + ", got " + webhooksEndpointConcurrency);
            }
            bootstrapServers = normalizedBootstrap;
            return new TollgateConfig(this);
        }

        private void parsePartnerKeys(String source, String value) {
            for (String entry : splitList(value)) {
                int colon = entry.indexOf(':');
                if (colon <= 0 || colon == entry.length() - 1) {
                    throw new InvalidConfigException(Setting.PARTNER_KEYS, source
                            + ": each entry must be agency:sha256hex, got '" + entry + "'");
                }
                addPartnerKeyHash(entry.substring(0, colon).trim(), entry.substring(colon + 1).trim());
            }
        }

        private void parseDevPartnerKeys(String source, String value) {
            for (String entry : splitList(value)) {
                int eq = entry.indexOf('=');
                if (eq <= 0 || eq == entry.length() - 1) {
                    // the entry holds a plain key: say what is wrong without repeating it
                    throw new InvalidConfigException(Setting.DEV_PARTNER_KEYS, source
                            + ": each value must be AGENCY=KEY (e.g. acme=tg_...)");
                }
                addDevPartnerKey(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
        }

        private String sourceOf(Setting setting, String fallback) {
            String source = sources.get(setting);
            return source != null ? source : fallback != null ? fallback : setting.label();
        }

        private InvalidConfigException invalid(Setting setting, String problem) {
            return new InvalidConfigException(setting, sourceOf(setting, null) + " " + problem);
        }

        private void requireHttpUrl(Setting setting, String value) {
            try {
                URI uri = new URI(value);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                    return;
                }
            } catch (URISyntaxException e) {
                // reported below with the setting's name
            }
            throw invalid(setting, "must be an http or https URL, got '" + value + "'");
        }
    }

    private static boolean isOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            return uri.getScheme() != null && uri.getHost() != null
                    && (uri.getPath() == null || uri.getPath().isEmpty())
                    && uri.getQuery() == null && uri.getFragment() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private record Raw(String value, String source) {
    }

    private static void put(Map<Setting, Raw> raw, Setting setting, String value, String source) {
        if (value != null && !value.isBlank()) {
            raw.put(setting, new Raw(value, source));
        }
    }

    private static void putAll(Map<Setting, Raw> raw, Map<String, String> values, Function<Setting, String> source) {
        values.forEach((key, value) -> {
            Setting setting = Setting.forKey(key).orElseThrow(() -> new IllegalArgumentException(
                    "unknown setting '" + key + "'; known settings: " + knownKeys()));
            put(raw, setting, value, source.apply(setting));
        });
    }

    private static Properties readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(null, "configuration file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidConfigException(null, "cannot read configuration file " + file + ": " + e.getMessage());
        }
        return properties;
    }

    private static String knownKeys() {
        List<String> keys = new ArrayList<>();
        for (Setting setting : Setting.values()) {
            keys.add(setting.key);
        }
        return String.join(", ", keys);
    }

    private static List<String> splitList(String value) {
        List<String> items = new ArrayList<>();
        for (String item : value.split(",")) {
            if (!item.isBlank()) {
                items.add(item.trim());
            }
        }
        return List.copyOf(items);
    }

    private static int parseInt(Setting setting, String source, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(setting, source + " must be a whole number, got '" + value + "'");
        }
    }

    private static long parseLong(Setting setting, String source, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(setting, source + " must be a whole number of milliseconds, got '" + value + "'");
        }
    }

    private static double parseDouble(Setting setting, String source, String value) {
        try {
            // not Double.parseDouble, which also takes NaN, Infinity, hex and a trailing d or f
            return new BigDecimal(value).doubleValue();
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(setting, source + " must be a number such as 25 or 12.5, got '" + value + "'");
        }
    }

    private static boolean parseBoolean(Setting setting, String source, String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1":
                return true;
            case "false", "no", "off", "0":
                return false;
            default:
                throw new InvalidConfigException(setting, source + " must be true or false, got '" + value + "'");
        }
    }

    private static Duration parseDuration(Setting setting, String source, String value) {
        Matcher m = DURATION.matcher(value.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m", "min" -> Duration.ofMinutes(amount);
                case "d" -> Duration.ofDays(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            return Duration.parse(value.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new InvalidConfigException(setting, source + " must be a duration such as 90s, 60m, 2h, 5d or PT1H, got '"
                    + value + "'");
        }
    }

    private static byte[] parseMasterKey(String source, String value) {
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException notStandard) {
            try {
                return Base64.getUrlDecoder().decode(value);
            } catch (IllegalArgumentException notUrlSafe) {
                // never echo the value: it is the key
                throw new InvalidConfigException(Setting.MASTER_KEY, source + " must be base64 (e.g. `openssl rand -base64 32`)");
            }
        }
    }
}
