package io.tollgate.webhooks;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import okhttp3.Dns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The webhook dispatcher: sends order events (order.events.v1) to the partners' webhook endpoints,
 * signed, at least once, in order per session, retried on a schedule of about a day, each endpoint in
 * its own lane. Read top to bottom: the endpoints it reads, the delivery log it writes and resumes
 * from, the scheduler, the consumer. Run more instances with the same group id to scale out: they
 * share the partitions of order.events.v1, and each owns the delivery log's partitions of the same
 * numbers.
 */
public final class WebhookDispatcherService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcherService.class);

    /**
     * The one config object of this service.
     *
     * @param groupId the consumer group the instances share
     * @param devMode allows http and loopback endpoints
     * @param schedule when failed deliveries are tried again
     * @param disableAfter how long an endpoint may fail without a success before it is disabled
     * @param timeout how long one attempt may take
     * @param endpointConcurrency attempts in flight to one endpoint at a time
     * @param maxInFlight records taken on and not yet committed before the consumer pauses
     * @param resolver resolves endpoint hosts before the address rules check them
     */
    public record Settings(String groupId, boolean devMode, RetrySchedule schedule, Duration disableAfter, Duration timeout,
            int endpointConcurrency, int maxInFlight, Dns resolver) {
        public static Settings from(TollgateConfig config) {
            return new Settings(config.applicationIdPrefix() + "-webhook-dispatcher", config.devMode(),
                    RetrySchedule.jittered(config.webhooksRetrySchedule()), config.webhooksDisableAfter(),
                    Duration.ofMillis(config.webhooksTimeoutMs()), config.webhooksEndpointConcurrency(), 1000, Dns.SYSTEM);
        }

        public Settings withDisableAfter(Duration disableAfter) {
            return new Settings(groupId, devMode, schedule, disableAfter, timeout, endpointConcurrency, maxInFlight, resolver);
        }
    }

    private final Settings settings;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secretBox;
    private final MeterRegistry meterRegistry;
    private final Clock clock;
    private final Resources resources = new Resources();

    public WebhookDispatcherService(Settings settings, Topics topics, KafkaClients kafka, SecretBox secretBox,
            MeterRegistry meterRegistry) {
        this.settings = settings;
        this.topics = topics;
        this.kafka = kafka;
        this.secretBox = secretBox;
        this.meterRegistry = meterRegistry;
        this.clock = Clock.systemUTC();
    }

    public WebhookDispatcherService start() throws InterruptedException {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        CompactedTopicView<WebhookEndpoint> view = resources.add(new CompactedTopicView<>(topics.webhookEndpoints(),
                kafka.consumer("webhook-dispatcher-endpoints-" + instance, null)));
        view.startCaughtUp(Duration.ofSeconds(60));
        EndpointDirectory endpoints = new EndpointDirectory(view, secretBox, clock);
        CommandLog<WebhookCommand> commands = resources.add(new CommandLog<>(topics.webhookCommands(),
                kafka.producer("webhook-dispatcher-commands-" + instance)));
        DeliveryLog deliveryLog = resources.add(new DeliveryLog(topics.webhookDeliveries(),
                kafka.producer("webhook-dispatcher-log-" + instance)));
        WebhookSender sender = resources.add(new WebhookSender(settings.devMode(), settings.resolver(), settings.timeout(),
                clock));
        DeliveryScheduler scheduler = resources.add(new DeliveryScheduler(endpoints, sender, deliveryLog,
                new EndpointHealth(commands, settings.disableAfter(), clock), settings.schedule(),
                settings.endpointConcurrency(), new DispatcherMetrics(meterRegistry), clock));
        OrderEventReplay replay = resources.add(new OrderEventReplay(topics.orderEvents(),
                kafka.consumer("webhook-dispatcher-replay-" + instance, null)));
        resources.add(view.bindMetrics(meterRegistry));
        resources.add(commands.bindMetrics(meterRegistry));
        resources.add(deliveryLog.bindMetrics(meterRegistry));
        DispatcherIntake intake = resources.add(new DispatcherIntake("webhook-dispatcher-" + instance, topics.orderEvents(), topics.webhookRequests(),
                topics.webhookDeliveries(), kafka.consumer("webhook-dispatcher-" + instance, settings.groupId()),
                kafka.consumer("webhook-dispatcher-log-reader-" + instance, null), scheduler, endpoints, replay,
                settings.maxInFlight(), clock));
        resources.add(intake.bindMetrics(meterRegistry));
        intake.start();
        log.info("webhook-dispatcher ready group_id={} retries={} disable_after={} timeout_ms={} endpoint_concurrency={}",
                settings.groupId(), settings.schedule().waits(), settings.disableAfter(), settings.timeout().toMillis(),
                settings.endpointConcurrency());
        return this;
    }

    @Override
    public void close() {
        resources.close();
    }
}
