package io.tollgate.orchestrator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.KafkaClientMeters;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.KeyedReplies;
import io.tollgate.common.kafka.KeyedTail;
import io.tollgate.common.kafka.KeyedTopicView;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.common.merchants.HookTester;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.orchestrator.merchants.HookCallsApi;
import io.tollgate.orchestrator.merchants.MerchantApi;
import io.tollgate.orchestrator.merchants.MerchantTopology;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.common.webhooks.WebhookTester;
import io.tollgate.orchestrator.checkout.CheckoutFoldProcessor;
import io.tollgate.orchestrator.checkout.CheckoutTopology;
import io.tollgate.orchestrator.checkout.ConfirmMetrics;
import io.tollgate.orchestrator.checkout.FoldProgress;
import io.tollgate.orchestrator.checkout.SessionStore;
import io.tollgate.orchestrator.checkout.FoldMetrics;
import io.tollgate.orchestrator.checkout.SessionApi;
import io.tollgate.orchestrator.webhooks.RecentDeliveries;
import io.tollgate.orchestrator.webhooks.WebhookDeliveriesApi;
import io.tollgate.orchestrator.webhooks.WebhookEndpointApi;
import io.tollgate.orchestrator.webhooks.WebhookEndpointTopology;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The orchestrator: the public HTTP API and the exactly-once folds (checkout, merchant config and
 * webhook endpoints).
 * Read top to bottom: inputs and views, the Streams topology, the routes. Run more instances with
 * the same application id to scale out; any instance answers any request.
 */
public final class OrchestratorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OrchestratorService.class);
    private static final Duration EXPIRY_SCAN = Duration.ofSeconds(1);
    private static final Duration EXPIRY_RESEND = Duration.ofSeconds(30);
    /**
     * A merchant's call list is read from the hook-call log when asked for, a chunk at a time back
     * from the end; a busy partition is searched so far back and no further.
     */
    private static final int HOOK_CALLS_CHUNK = 2_000;
    private static final long HOOK_CALLS_MAX_SCANNED = 200_000;

    private final TollgateConfig config;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secrets;
    private final PrometheusMeterRegistry metrics;
    private final List<HttpApi.Routes> extraRoutes;
    private final HookTester hookTester;
    private final WebhookTester webhookTester;
    private final Resources resources = new Resources();
    private volatile KafkaStreams streams;
    private volatile HostInfo advertised;
    private volatile boolean started;
    private HttpApi api;

    /** Without routes from other modules, and without testers ({@code …/test} routes answer 503). */
    public OrchestratorService(TollgateConfig config, Topics topics, KafkaClients kafka, SecretBox secrets,
            PrometheusMeterRegistry metrics) {
        this(config, topics, kafka, secrets, metrics, List.of(), null, null);
    }

    /**
     * With routes from other modules served on the same API (e.g. the Stripe webhook receiver), the
     * hook-caller's test caller behind {@code POST …/pre-confirmation/test}, and the webhook
     * dispatcher's behind {@code POST …/webhook-endpoints/{id}/test}.
     */
    public OrchestratorService(TollgateConfig config, Topics topics, KafkaClients kafka, SecretBox secrets,
            PrometheusMeterRegistry metrics, List<HttpApi.Routes> extraRoutes, HookTester hookTester,
            WebhookTester webhookTester) {
        this.extraRoutes = extraRoutes;
        this.hookTester = hookTester;
        this.webhookTester = webhookTester;
        this.config = config;
        this.topics = topics;
        this.kafka = kafka;
        this.secrets = secrets;
        this.metrics = metrics;
    }

    /**
     * Opens the API (answering 503 until started), starts the folds — which must know the API's port,
     * so that other instances can read the sessions this one's fold serves — waits for them and the
     * views, then starts answering. Returns the API port.
     */
    public int start() throws InterruptedException {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        String appId = applicationId(config);

        CompactedTopicView<MerchantConfig> merchants = resources.add(new CompactedTopicView<>(topics.merchants(),
                kafka.consumer("orchestrator-merchants-" + instance, null)));
        KeyedTail<HookCall> hookCalls = resources.add(new KeyedTail<>(topics.hookCalls(),
                kafka.consumer("orchestrator-hook-calls-" + instance, null), HOOK_CALLS_CHUNK, HOOK_CALLS_MAX_SCANNED));
        CompactedTopicView<WebhookEndpoint> endpoints = resources.add(new CompactedTopicView<>(topics.webhookEndpoints(),
                kafka.consumer("orchestrator-webhook-endpoints-" + instance, null)));
        KeyedTopicView<WebhookDelivery, List<WebhookDelivery>> deliveries = resources.add(RecentDeliveries.view(
                topics.webhookDeliveries(), kafka.consumer("orchestrator-webhook-deliveries-" + instance, null)));
        KeyedReplies<SessionState> replies = resources.add(new KeyedReplies<>(topics.sessionState(),
                kafka.consumerOfFoldOutput("orchestrator-replies-" + instance, null)));
        // Requests waiting for the fold: each ends answered or timed out, so this stays bounded.
        io.micrometer.core.instrument.Gauge.builder("tollgate.api.waiting_requests", replies, KeyedReplies::pendingWaiters)
                .description("API requests waiting for the fold's answer")
                .register(metrics);
        CommandLog<CheckoutCommand> commands = resources.add(new CommandLog<>(topics.checkoutCommands(),
                kafka.producer("orchestrator-" + instance)));
        CommandLog<CheckoutCommand> expiries = resources.add(new CommandLog<>(topics.checkoutCommands(),
                kafka.backgroundProducer("orchestrator-expiry-" + instance)));
        Admin admin = resources.add(Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers())));
        // every Kafka client of the service shows its own metrics; the Streams clients through KafkaStreamsMetrics below
        resources.add(merchants.bindMetrics(metrics));
        resources.add(endpoints.bindMetrics(metrics));
        resources.add(deliveries.bindMetrics(metrics));
        resources.add(replies.bindMetrics(metrics));
        resources.add(commands.bindMetrics(metrics));
        resources.add(expiries.bindMetrics(metrics));
        resources.add(KafkaClientMeters.bind(admin, metrics));
        FoldProgress progress = new FoldProgress();

        ObjectMapper mapper = apiMapper();
        PartnerAuth auth = new PartnerAuth(config.partnerKeys());
        JsonBodies bodies = new JsonBodies(mapper);
        MerchantDirectory directory = new MerchantDirectory(merchants, secrets, Clock.systemUTC());
        MerchantApi merchantApi = resources.add(new MerchantApi(MerchantApi.Settings.from(config), auth, bodies, secrets, directory,
                topics.merchantCommands(), kafka));
        resources.add(merchantApi.bindMetrics(metrics));
        HookCallsApi hookCallsApi = new HookCallsApi(HookCallsApi.Settings.defaults(), auth, bodies, directory, hookCalls,
                hookTester);
        SessionStore sessions = resources.add(new SessionStore(() -> streams, () -> advertised, topics.sessionState(),
                topics.checkoutCommands().name(), admin, progress, secrets, SessionStore.Settings.defaults()));
        SessionApi sessionApi = new SessionApi(auth, mapper, commands, sessions, replies, directory, secrets,
                new SessionApi.Settings(config.sessionTtl(), config.maxAttempts(), Duration.ofMillis(config.confirmBudgetMs())),
                Clock.systemUTC());
        EndpointDirectory endpointDirectory = new EndpointDirectory(endpoints, secrets, Clock.systemUTC());
        WebhookEndpointApi endpointApi = resources.add(new WebhookEndpointApi(WebhookEndpointApi.Settings.from(config), auth,
                bodies, secrets, endpointDirectory, topics.webhookCommands(), kafka));
        resources.add(endpointApi.bindMetrics(metrics));
        WebhookDeliveriesApi deliveriesApi = resources.add(new WebhookDeliveriesApi(
                WebhookDeliveriesApi.Settings.of(Duration.ofMillis(config.webhooksTimeoutMs())), auth, bodies,
                endpointDirectory, deliveries, topics.webhookRequests(), kafka, webhookTester));
        api = new HttpApi(mapper, () -> started, config.corsOrigins(), concat(List.of(new ConfirmMetrics(metrics, mapper),
                merchantApi, hookCallsApi, sessionApi, sessions, endpointApi, deliveriesApi), extraRoutes), metrics);
        int port = api.start(config.port());
        advertised = new HostInfo(advertisedHost(), port);

        Topology topology = new Topology();
        CheckoutTopology.addTo(topology, topics, new CheckoutFoldProcessor.Timers(EXPIRY_SCAN, EXPIRY_RESEND, config.sessionRetention()),
                command -> expiries.append(command.getSessionId(), command).whenComplete((written, error) -> {
                    if (error != null) {
                        log.warn("expiry not appended, sent again later session_id={} error={}", command.getSessionId(), error.toString());
                    }
                }), new FoldMetrics(metrics), progress);
        MerchantTopology.addTo(topology, topics, metrics);
        WebhookEndpointTopology.addTo(topology, topics, metrics);
        Properties props = new Properties();
        // the fold's changelogs need the same durability as the topics they rebuild the sessions from
        props.putAll(kafka.streams(appId, stateDir(instance), config.commitIntervalMs(),
                TopicProvisioner.replicationFactor(admin, config.replicationFactor())));
        props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised.host() + ":" + advertised.port());
        props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
        streams = new KafkaStreams(topology, props);
        streams.setUncaughtExceptionHandler(e -> {
            log.error("fold thread died; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();
        merchants.start();
        endpoints.start();
        deliveries.start();
        replies.start();
        awaitRunning();
        // bound once running, when its threads and their clients exist (new ones are found on a 60 s refresh)
        KafkaStreamsMetrics streamsMetrics = resources.add(new KafkaStreamsMetrics(streams));
        streamsMetrics.bindTo(metrics);
        for (KeyedTopicView<?, ?> view : List.<KeyedTopicView<?, ?>>of(merchants, endpoints, deliveries)) {
            if (!view.awaitCaughtUp(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the views did not catch up in 60 s");
            }
        }
        if (!replies.awaitReady(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the session-state reader did not start in 60 s");
        }
        started = true;
        log.info("orchestrator ready port={} application_id={} application_server={}:{}", port, appId, advertised.host(),
                advertised.port());
        return port;
    }

    /** The folds' Kafka Streams application id, which is also their consumer group. */
    public static String applicationId(TollgateConfig config) {
        return config.applicationIdPrefix() + "-orchestrator";
    }

    /** Where other instances reach this one: configured, else loopback beside an embedded broker, else this machine's address. */
    private String advertisedHost() {
        if (config.advertisedHost().isPresent()) {
            return config.advertisedHost().get();
        }
        if (config.bootstrapServers().isEmpty()) {
            return "127.0.0.1";
        }
        try {
            return InetAddress.getLocalHost().getHostAddress();
        } catch (UnknownHostException e) {
            log.warn("this machine's address is unknown; advertising 127.0.0.1 (set TOLLGATE_ADVERTISED_HOST)");
            return "127.0.0.1";
        }
    }

    public static ObjectMapper apiMapper() {
        return new ObjectMapper().findAndRegisterModules()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    }

    private void awaitRunning() throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > until || streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("fold did not reach RUNNING: " + streams.state());
            }
            Thread.sleep(20);
        }
    }

    private Path stateDir(String instance) {
        try {
            Path base = config.dataDir().map(d -> d.resolve("streams")).orElse(null);
            if (base == null) {
                return Files.createTempDirectory("tollgate-streams-" + instance);
            }
            Files.createDirectories(base);
            return base;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<HttpApi.Routes> concat(List<HttpApi.Routes> a, List<HttpApi.Routes> b) {
        List<HttpApi.Routes> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    public int port() {
        return api.port();
    }

    /** Serving: the API is open and the folds are running (what the management port's {@code /health} says). */
    public boolean isReady() {
        // a rebalance (another instance starting or stopping) does not stop this one serving
        return started && streams.state().isRunningOrRebalancing();
    }

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            // Leaving the group hands this instance's partitions to the others at once; Streams would
            // otherwise keep them for this member until its session times out (45 s), and sessions on
            // them could not be read or folded meanwhile.
            streams.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(10)));
        }
        resources.close();
    }
}
