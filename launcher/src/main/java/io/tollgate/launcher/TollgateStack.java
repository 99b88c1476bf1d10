package io.tollgate.launcher;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.MasterKeys;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.ConsumerGroupLag;
import io.tollgate.common.kafka.EmbeddedKafka;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.common.management.JvmMeters;
import io.tollgate.common.management.ManagementServer;
import io.tollgate.hook.HookCallerService;
import io.tollgate.hook.HookTestCaller;
import io.tollgate.orchestrator.OrchestratorService;
import io.tollgate.payment.PaymentWorkerService;
import io.tollgate.payment.StripeGatewayConfig;
import io.tollgate.payment.StripeWebhookEndpoint;
import io.tollgate.payment.StripeWebhookReceiver;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schemas.registry.CachingSchemaRegistryClient;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.KafkaSchemaLog;
import io.tollgate.schemas.registry.RestSchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import io.tollgate.webhooks.WebhookDispatcherService;
import io.tollgate.webhooks.WebhookTestSender;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one process runs, assembled from the config: Kafka (embedded unless pointed
 * elsewhere), the schema registry (in-process unless pointed elsewhere), Stripe (the local stand-in
 * unless a key is given, and only for the payment worker and the orchestrator), and the services
 * asked for. No business logic: only wiring.
 */
final class TollgateStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TollgateStack.class);

    enum Service { ORCHESTRATOR, HOOK_CALLER, PAYMENT_WORKER, WEBHOOK_DISPATCHER }

    /** The key the services use with the local Stripe stand-in (a test key: the stand-in is not Stripe). */
    static final String STAND_IN_KEY = "sk_test_tollgate_standin";
    /** How often the consumer groups' lag is read (two admin requests per group). */
    static final Duration GROUP_LAG_INTERVAL = Duration.ofSeconds(5);

    private final Resources started = new Resources();
    private String bootstrapServers;
    private String registryUrl;
    private StripeStandIn stripeStandIn;
    private OrchestratorService orchestrator;
    private ManagementServer management;
    private volatile boolean booted;
    private Topics topics;
    private KafkaClients kafka;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    static TollgateStack start(TollgateConfig config, Set<Service> services) throws Exception {
        TollgateStack stack = new TollgateStack();
        try {
            stack.boot(config, services);
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    private void boot(TollgateConfig config, Set<Service> services) throws Exception {
        // first, so /health answers "starting" while the rest comes up
        management = track(ManagementServer.start(config.managementBindAddress(), config.managementPort(), metrics,
                () -> booted && (orchestrator == null || orchestrator.isReady())));
        log.info("management ready host={} port={} paths=/health,/metrics", management.host(), management.port());
        track(JvmMeters.bindTo(metrics));
        bootstrapServers = config.bootstrapServers().orElse(null);
        if (bootstrapServers == null) {
            EmbeddedKafka broker = track(EmbeddedKafka.start(TollgateCli.embeddedKafkaDir(config)));
            bootstrapServers = broker.bootstrapServers();
            log.info("embedded kafka ready bootstrap_servers={}", bootstrapServers);
        }
        kafka = new KafkaClients(bootstrapServers, KafkaClients.GroupMembership.of(config));
        SchemaRegistryClient registry = schemaRegistry(config, bootstrapServers, started);
        if (registry instanceof InMemorySchemaRegistry inProcess) {
            SchemaRegistryServer server = track(SchemaRegistryServer.start(inProcess));
            registryUrl = server.url();
            log.info("in-process schema registry ready url={}", registryUrl);
        } else {
            registryUrl = config.schemaRegistryUrl().orElseThrow();
        }
        topics = new Topics(registry, config.partitions());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicProvisioner.ensure(admin, topics.specs(), config.replicationFactor());
        }
        SecretBox secrets = MasterKeys.secretBox(config);

        String stripeKey = config.stripeApiKey().orElse(null);
        String stripeBase = config.stripeApiBase().orElse(null);
        String webhookSecret = config.stripeWebhookSecret().orElse(null);
        // the worker calls Stripe; the orchestrator verifies the webhooks the stand-in signs
        boolean talksToStripe = services.contains(Service.PAYMENT_WORKER) || services.contains(Service.ORCHESTRATOR);
        if (stripeKey == null && talksToStripe) {
            stripeStandIn = track(StripeStandIn.start());
            stripeKey = STAND_IN_KEY;
            stripeBase = stripeStandIn.apiBase();
            webhookSecret = "whsec_" + Base64.getEncoder().encodeToString(random(24));
            log.info("local Stripe stand-in ready api_base={} (not Stripe: set STRIPE_API_KEY for the real one)", stripeBase);
        }
        List<String> groups = new ArrayList<>();
        if (services.contains(Service.PAYMENT_WORKER)) {
            PaymentWorkerService.Settings settings = paymentWorkerSettings(config, stripeKey, stripeBase);
            groups.add(settings.groupId());
            track(new PaymentWorkerService(settings, topics, kafka, secrets, metrics).start());
        }
        if (services.contains(Service.HOOK_CALLER)) {
            HookCallerService.Settings settings = HookCallerService.Settings.of(config.applicationIdPrefix(), config.devMode());
            groups.add(settings.groupId());
            track(new HookCallerService(settings, topics, kafka, secrets, metrics).start());
        }
        if (services.contains(Service.WEBHOOK_DISPATCHER)) {
            WebhookDispatcherService.Settings settings = WebhookDispatcherService.Settings.from(config);
            groups.add(settings.groupId());
            track(new WebhookDispatcherService(settings, topics, kafka, secrets, metrics).start());
        }
        if (services.contains(Service.ORCHESTRATOR)) {
            List<io.tollgate.orchestrator.api.HttpApi.Routes> extra = new ArrayList<>();
            if (webhookSecret != null) {
                CommandLog<CheckoutCommand> stripeCommands = track(new CommandLog<>(topics.checkoutCommands(),
                        kafka.producer("stripe-webhooks")));
                track(stripeCommands.bindMetrics(metrics));
                StripeWebhookEndpoint endpoint = new StripeWebhookEndpoint(new StripeWebhookReceiver(webhookSecret),
                        stripeCommands, Clock.systemUTC());
                extra.add(endpoint::addTo);
            } else {
                log.warn("STRIPE_WEBHOOK_SECRET unset: /v2/stripe/webhook is off, sessions will not reach paid");
            }
            // the API's test calls go out from this process, through a client of its own
            HookTestCaller hookTester = track(HookTestCaller.create(config.devMode(), topics, kafka, metrics));
            WebhookTestSender webhookTester = track(WebhookTestSender.create(config.devMode(),
                    Duration.ofMillis(config.webhooksTimeoutMs()), topics, kafka));
            orchestrator = track(new OrchestratorService(config, topics, kafka, secrets, metrics, extra, hookTester,
                    webhookTester));
            groups.add(OrchestratorService.applicationId(config));
            int port = orchestrator.start();
            if (stripeStandIn != null) {
                stripeStandIn.sendWebhooksTo(URI.create("http://127.0.0.1:" + port + StripeWebhookEndpoint.PATH), webhookSecret);
            }
        }
        // each process watches the groups of the services it runs: their lag shows wherever they run
        track(ConsumerGroupLag.start(bootstrapServers, groups, metrics, GROUP_LAG_INTERVAL));
        booted = true;
    }

    /**
     * The payment worker's one config object: Stripe's key and base URL as chosen at start (the configured ones or
     * the stand-in's; a null base means Stripe itself), everything else from the configuration.
     */
    static PaymentWorkerService.Settings paymentWorkerSettings(TollgateConfig config, String stripeKey, String stripeBase) {
        StripeGatewayConfig defaults = StripeGatewayConfig.of(stripeKey, stripeBase);
        StripeGatewayConfig stripe = defaults
                .withTimeouts(Duration.ofMillis(config.stripeConnectTimeoutMs()), Duration.ofMillis(config.stripeTimeoutMs()))
                .withRetries(config.stripeMaxNetworkRetries() + 1, defaults.initialBackoff(), defaults.maxBackoff())
                // 0 lets the gateway pick Stripe's limit for the key's mode
                .withWritesPerSecond(config.stripeWritesPerSecond().orElse(0));
        PaymentWorkerService.Settings settings = new PaymentWorkerService.Settings(
                config.applicationIdPrefix() + "-payment-worker", stripe, 16);
        return settings.withRetryLater(settings.retryLaterWait(), settings.retryLaterMaxWait(), config.paymentGiveUpAfter());
    }

    /**
     * The Confluent-API registry the config names, or else the in-process one stored in the cluster's
     * {@code _tollgate_schemas} topic (its log is added to {@code resources}, to be closed with them).
     */
    static SchemaRegistryClient schemaRegistry(TollgateConfig config, String bootstrapServers, Resources resources) {
        return config.schemaRegistryUrl()
                .<SchemaRegistryClient>map(url -> new CachingSchemaRegistryClient(new RestSchemaRegistryClient(url)))
                .orElseGet(() -> new InMemorySchemaRegistry(resources.add(new KafkaSchemaLog(bootstrapServers))));
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    String registryUrl() {
        return registryUrl;
    }

    Optional<String> apiUrl() {
        return Optional.ofNullable(orchestrator).map(o -> "http://127.0.0.1:" + o.port());
    }

    /** Where {@code /health} and {@code /metrics} are (a loopback URL when the port listens on all addresses). */
    String managementUrl() {
        String host = management.host();
        boolean anyAddress = host == null || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
        return "http://" + (anyAddress ? "127.0.0.1" : host.contains(":") ? "[" + host + "]" : host) + ":" + management.port();
    }

    Optional<StripeStandIn> stripeStandIn() {
        return Optional.ofNullable(stripeStandIn);
    }

    Topics topics() {
        return topics;
    }

    KafkaClients kafka() {
        return kafka;
    }

    private <T extends AutoCloseable> T track(T resource) {
        return started.add(resource);
    }

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    static Set<Service> all() {
        return EnumSet.allOf(Service.class);
    }

    @Override
    public void close() {
        started.close();
    }
}
