package io.tollgate.common.kafka;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.HookCall;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookRequest;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.serde.AvroSerde;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The typed registry of every Tollgate topic (design.md, "Topics"). Built once per process from the
 * schema registry client and the partition count; holds no global state.
 *
 * <p>Checkout topics share one co-partition group: the fold reads commands and writes events and
 * state under the same session key, so they must have the same partition count; the webhook
 * dispatcher's delivery log and requests join that group, because a dispatcher instance owns partition
 * {@code p} of order.events.v1 and of both of them together. Merchant topics form another group, webhook
 * endpoint topics a third. The hook-call log stands alone: nothing joins it with another topic.
 */
public final class Topics {
    public static final String CHECKOUT_GROUP = "checkout";
    public static final String MERCHANT_GROUP = "merchants";
    public static final String WEBHOOK_GROUP = "webhooks";

    private static final Map<String, String> FOREVER = Map.of("cleanup.policy", "delete", "retention.ms", "-1");
    private static final Map<String, String> COMPACTED = Map.of("cleanup.policy", "compact");
    private static final Map<String, String> WEEK = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(7L * 24 * 3600 * 1000));
    private static final Map<String, String> DAY = Map.of("cleanup.policy", "delete", "retention.ms", String.valueOf(24L * 3600 * 1000));

    private final Topic<String, CheckoutCommand> checkoutCommands;
    private final Topic<String, CheckoutEvent> checkoutEvents;
    private final Topic<String, SessionState> sessionState;
    private final Topic<String, OrderEvent> orderEvents;
    private final Topic<String, MerchantCommand> merchantCommands;
    private final Topic<String, MerchantConfig> merchants;
    private final Topic<String, HookCall> hookCalls;
    private final Topic<String, byte[]> checkoutCommandsDlq;
    private final Topic<String, byte[]> merchantCommandsDlq;
    private final Topic<String, WebhookCommand> webhookCommands;
    private final Topic<String, WebhookEndpoint> webhookEndpoints;
    private final Topic<String, WebhookDelivery> webhookDeliveries;
    private final Topic<String, WebhookRequest> webhookRequests;
    private final Topic<String, byte[]> webhookCommandsDlq;

    public Topics(SchemaRegistryClient registry, int partitions) {
        this(registry, partitions, "");
    }

    /**
     * With a name prefix on every topic: lets tests (and side-by-side environments on one cluster)
     * keep their own topics. Subjects follow the prefixed names.
     */
    public Topics(SchemaRegistryClient registry, int partitions, String namePrefix) {
        String p = namePrefix;
        checkoutCommands = avro(p + "checkout.commands.v1", partitions, CHECKOUT_GROUP, FOREVER, CheckoutCommand.class, registry);
        checkoutEvents = avro(p + "checkout.events.v1", partitions, CHECKOUT_GROUP, FOREVER, CheckoutEvent.class, registry);
        sessionState = avro(p + "checkout.session-state.v1", partitions, CHECKOUT_GROUP, COMPACTED, SessionState.class, registry);
        orderEvents = avro(p + "order.events.v1", partitions, CHECKOUT_GROUP, FOREVER, OrderEvent.class, registry);
        merchantCommands = avro(p + "merchants.commands.v1", partitions, MERCHANT_GROUP, FOREVER, MerchantCommand.class, registry);
        merchants = avro(p + "merchants.v1", partitions, MERCHANT_GROUP, COMPACTED, MerchantConfig.class, registry);
        hookCalls = avro(p + "merchants.hook-calls.v1", partitions, null, DAY, HookCall.class, registry);
        checkoutCommandsDlq = raw(DeadLetter.topicFor(checkoutCommands.name()), 1, WEEK);
        merchantCommandsDlq = raw(DeadLetter.topicFor(merchantCommands.name()), 1, WEEK);
        webhookCommands = avro(p + "webhooks.commands.v1", partitions, WEBHOOK_GROUP, FOREVER, WebhookCommand.class, registry);
        webhookEndpoints = avro(p + "webhooks.endpoints.v1", partitions, WEBHOOK_GROUP, COMPACTED, WebhookEndpoint.class,
                registry);
        webhookDeliveries = avro(p + "webhooks.deliveries.v1", partitions, CHECKOUT_GROUP, WEEK, WebhookDelivery.class,
                registry);
        webhookRequests = avro(p + "webhooks.requests.v1", partitions, CHECKOUT_GROUP, WEEK, WebhookRequest.class, registry);
        webhookCommandsDlq = raw(DeadLetter.topicFor(webhookCommands.name()), 1, WEEK);
    }

    public Topic<String, CheckoutCommand> checkoutCommands() {
        return checkoutCommands;
    }

    public Topic<String, CheckoutEvent> checkoutEvents() {
        return checkoutEvents;
    }

    public Topic<String, SessionState> sessionState() {
        return sessionState;
    }

    public Topic<String, OrderEvent> orderEvents() {
        return orderEvents;
    }

    public Topic<String, MerchantCommand> merchantCommands() {
        return merchantCommands;
    }

    public Topic<String, MerchantConfig> merchants() {
        return merchants;
    }

    /**
     * Every hook call (and test call) with its outcome, keyed {@code agency/merchant}
     * ({@code MerchantDirectory.key}): what {@code GET …/pre-confirmation/calls} lists. Recent
     * history only, so a day's retention.
     */
    public Topic<String, HookCall> hookCalls() {
        return hookCalls;
    }

    public Topic<String, byte[]> checkoutCommandsDlq() {
        return checkoutCommandsDlq;
    }

    public Topic<String, byte[]> merchantCommandsDlq() {
        return merchantCommandsDlq;
    }

    /** Changes to webhook endpoints, keyed {@code agency/endpoint}: from the API and the webhook dispatcher. */
    public Topic<String, WebhookCommand> webhookCommands() {
        return webhookCommands;
    }

    /** Every webhook endpoint as the endpoint fold last left it, keyed {@code agency/endpoint}; compacted. */
    public Topic<String, WebhookEndpoint> webhookEndpoints() {
        return webhookEndpoints;
    }

    /**
     * The webhook dispatcher's delivery log, keyed by session id: every delivery as taken on and after each
     * attempt. Its state on restart and what {@code GET …/deliveries} lists; a week's retention, well past the
     * retry schedule.
     */
    public Topic<String, WebhookDelivery> webhookDeliveries() {
        return webhookDeliveries;
    }

    /** Resends and replays the API asks the webhook dispatcher for. */
    public Topic<String, WebhookRequest> webhookRequests() {
        return webhookRequests;
    }

    public Topic<String, byte[]> webhookCommandsDlq() {
        return webhookCommandsDlq;
    }

    /** Every topic, for provisioning at startup. */
    public List<TopicSpec> specs() {
        return List.of(checkoutCommands.spec(), checkoutEvents.spec(), sessionState.spec(), orderEvents.spec(),
                merchantCommands.spec(), merchants.spec(), hookCalls.spec(), checkoutCommandsDlq.spec(),
                merchantCommandsDlq.spec(), webhookCommands.spec(), webhookEndpoints.spec(), webhookDeliveries.spec(),
                webhookRequests.spec(), webhookCommandsDlq.spec());
    }

    private static <V extends SpecificRecord> Topic<String, V> avro(String name, int partitions, String group,
            Map<String, String> configs, Class<V> type, SchemaRegistryClient registry) {
        return new Topic<>(new TopicSpec(name, partitions, configs, group), Serdes.String(), AvroSerde.forValues(type, registry));
    }

    private static Topic<String, byte[]> raw(String name, int partitions, Map<String, String> configs) {
        Serde<byte[]> bytes = Serdes.ByteArray();
        return new Topic<>(new TopicSpec(name, partitions, configs, null), Serdes.String(), bytes);
    }
}
