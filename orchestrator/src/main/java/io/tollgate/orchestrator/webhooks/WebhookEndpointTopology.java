package io.tollgate.orchestrator.webhooks;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.Topics;
import io.tollgate.orchestrator.config.ConfigTopology;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookEndpoint;
import org.apache.kafka.streams.Topology;

/**
 * The webhook endpoint fold's topology: webhooks.commands.v1 → {@link WebhookEndpointFold} (state
 * store {@value #STORE}) → webhooks.endpoints.v1, plus the DLQ. In the orchestrator's Streams
 * application, next to the merchant config fold: the API that writes the commands waits on what it
 * publishes, and the dispatcher stays a plain consumer that only reads the endpoints.
 */
public final class WebhookEndpointTopology {
    public static final String STORE = "webhook-endpoints";

    private WebhookEndpointTopology() {
    }

    public static Topology addTo(Topology topology, Topics topics, MeterRegistry metrics) {
        return addTo(topology, topics.webhookCommands(), topics.webhookEndpoints(), topics.webhookCommandsDlq(), metrics);
    }

    /** As {@link #addTo(Topology, Topics, MeterRegistry)} with the topics given one by one (tests name them apart). */
    public static Topology addTo(Topology topology, Topic<String, WebhookCommand> commands,
            Topic<String, WebhookEndpoint> endpoints, Topic<String, byte[]> deadLetters, MeterRegistry metrics) {
        return ConfigTopology.addTo(topology, new WebhookEndpointFold(), STORE, commands, endpoints, deadLetters, metrics);
    }
}
