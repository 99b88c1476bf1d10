package io.tollgate.orchestrator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.KeyedTopicView;
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
import io.tollgate.orchestrator.checkout.CheckoutTopology;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
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

    private final TollgateConfig config;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secrets;
    private final PrometheusMeterRegistry metrics;
    private final List<HttpApi.Routes> extraRoutes;
    private final HookTester hookTester;
    private final WebhookTester webhookTester;
    private final Resources resources = new Resources();
    private KafkaStreams streams;
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

    /** Starts the folds, waits for the views to catch up, then opens the API; returns the API port. */
    public int start() throws InterruptedException {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        String appId = config.applicationIdPrefix() + "-orchestrator";

        Topology topology = new Topology();
        CheckoutTopology.addTo(topology, topics, Duration.ofSeconds(1), new FoldMetrics(metrics));
        MerchantTopology.addTo(topology, topics, metrics);
        WebhookEndpointTopology.addTo(topology, topics, metrics);
        Properties props = new Properties();
        props.putAll(kafka.streams(appId, stateDir(instance), config.commitIntervalMs(), 1));
        streams = new KafkaStreams(topology, props);
        resources.add(new KafkaStreamsMetrics(streams));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("fold thread died; replacing it", e);
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        streams.start();

        CompactedTopicView<SessionState> sessions = view(new CompactedTopicView<>(topics.sessionState(),
                kafka.consumer("orchestrator-sessions-" + instance, null)));
        CompactedTopicView<MerchantConfig> merchants = view(new CompactedTopicView<>(topics.merchants(),
                kafka.consumer("orchestrator-merchants-" + instance, null)));
        KeyedTopicView<HookCall, List<HookCall>> hookCalls = view(KeyedTopicView.newest(topics.hookCalls(),
                kafka.consumer("orchestrator-hook-calls-" + instance, null), HookCallsApi.KEPT_PER_MERCHANT));
        CompactedTopicView<WebhookEndpoint> endpoints = view(new CompactedTopicView<>(topics.webhookEndpoints(),
                kafka.consumer("orchestrator-webhook-endpoints-" + instance, null)));
        KeyedTopicView<WebhookDelivery, List<WebhookDelivery>> deliveries = view(RecentDeliveries.view(
                topics.webhookDeliveries(), kafka.consumer("orchestrator-webhook-deliveries-" + instance, null)));
        // Requests waiting on the views: each ends answered or timed out, so this stays bounded.
        io.micrometer.core.instrument.Gauge.builder("tollgate.api.waiting_requests", sessions, CompactedTopicView::pendingWaiters)
                .register(metrics);
        CommandLog<CheckoutCommand> commands = new CommandLog<>(topics.checkoutCommands(), kafka.producer("orchestrator-" + instance));
        resources.add(commands);
        awaitRunning();
        for (KeyedTopicView<?, ?> view : List.<KeyedTopicView<?, ?>>of(sessions, merchants, hookCalls, endpoints, deliveries)) {
            if (!view.awaitCaughtUp(Duration.ofSeconds(60))) {
                throw new IllegalStateException("views did not catch up in 60 s");
            }
        }

        ObjectMapper mapper = apiMapper();
        PartnerAuth auth = new PartnerAuth(config.partnerKeys());
        JsonBodies bodies = new JsonBodies(mapper);
        MerchantDirectory directory = new MerchantDirectory(merchants, secrets, Clock.systemUTC());
        MerchantApi merchantApi = new MerchantApi(MerchantApi.Settings.from(config), auth, bodies, secrets, directory,
                topics.merchantCommands(), kafka);
        resources.add(merchantApi);
        HookCallsApi hookCallsApi = new HookCallsApi(HookCallsApi.Settings.defaults(), auth, bodies, directory, hookCalls,
                hookTester);
        SessionApi sessionApi = new SessionApi(auth, mapper, commands, sessions, merchants::get, secrets,
                new SessionApi.Settings(config.sessionTtl(), config.maxAttempts(), Duration.ofMillis(config.confirmBudgetMs())),
                Clock.systemUTC());
        EndpointDirectory endpointDirectory = new EndpointDirectory(endpoints, secrets, Clock.systemUTC());
        WebhookEndpointApi endpointApi = resources.add(new WebhookEndpointApi(WebhookEndpointApi.Settings.from(config), auth,
                bodies, secrets, endpointDirectory, topics.webhookCommands(), kafka));
        WebhookDeliveriesApi deliveriesApi = resources.add(new WebhookDeliveriesApi(
                WebhookDeliveriesApi.Settings.of(Duration.ofMillis(config.webhooksTimeoutMs())), auth, bodies,
                endpointDirectory, deliveries, topics.webhookRequests(), kafka, webhookTester));
        api = new HttpApi(mapper, metrics, () -> streams.state() == KafkaStreams.State.RUNNING, config.corsOrigins(),
                concat(List.of(merchantApi, hookCallsApi, sessionApi, endpointApi, deliveriesApi), extraRoutes));
        int port = api.start(config.port());
        log.info("orchestrator ready port={} application_id={}", port, appId);
        return port;
    }

    public static ObjectMapper apiMapper() {
        return new ObjectMapper().findAndRegisterModules()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    }

    private <T extends KeyedTopicView<?, ?>> T view(T view) {
        resources.add(view);
        view.start();
        return view;
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

    @Override
    public void close() {
        if (api != null) {
            api.close();
        }
        if (streams != null) {
            streams.close(Duration.ofSeconds(10));
        }
        resources.close();
    }
}
