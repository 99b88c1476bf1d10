package io.tollgate.webhooks;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.kafka.ConsumerLoop;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.webhooks.DeliveryIds;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.ReplayEndpoint;
import io.tollgate.schema.ResendDelivery;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookRequest;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dispatcher's consumer: one group reading order.events.v1 and webhooks.requests.v1
 * ({@code read_committed}), which the range assignor gives out by partition number, so the instance
 * owning partition {@code p} of one owns it of the other — and of the delivery log, which it reads
 * into the {@link DeliveryScheduler} when the partition is assigned, before any record of it.
 *
 * <p>An order event becomes a delivery for every endpoint it matches; a request, the deliveries it
 * asks for (a resend, or a replay of past events). A record's offset is committed only once the
 * deliveries it made are durable in the log, so a crash takes nothing on twice that the log already
 * has (their ids are derived) and loses nothing it had not yet written.
 */
final class DispatcherIntake implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DispatcherIntake.class);

    private final Topic<String, OrderEvent> orderEvents;
    private final Topic<String, WebhookRequest> requests;
    private final Topic<String, WebhookDelivery> deliveryLog;
    private final Map<String, Object> assignedReaderConfig;
    private final ConsumerLoop<Object> loop;
    private final DeliveryScheduler scheduler;
    private final EndpointDirectory endpoints;
    private final OrderEventReplay replay;
    private final Clock clock;

    /**
     * @param groupConfig the consumer group's settings
     * @param assignedReaderConfig settings of the group-less readers of the delivery log and of order events to replay
     */
    DispatcherIntake(String name, Topic<String, OrderEvent> orderEvents, Topic<String, WebhookRequest> requests,
            Topic<String, WebhookDelivery> deliveryLog, Map<String, Object> groupConfig, Map<String, Object> assignedReaderConfig,
            DeliveryScheduler scheduler, EndpointDirectory endpoints, OrderEventReplay replay, int maxInFlight, Clock clock) {
        this.orderEvents = orderEvents;
        this.requests = requests;
        this.deliveryLog = deliveryLog;
        this.assignedReaderConfig = assignedReaderConfig;
        this.scheduler = scheduler;
        this.endpoints = endpoints;
        this.replay = replay;
        this.clock = clock;
        Map<String, Object> config = new HashMap<>(groupConfig);
        // partition p of both topics to one instance, which then owns p of the delivery log too
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        this.loop = new ConsumerLoop<>(name, List.of(orderEvents.name(), requests.name()),
                new KafkaConsumer<>(config, orderEvents.keySerde().deserializer(), byTopic()), this::handle,
                new OwnedPartitions(), maxInFlight);
    }

    /** The delivery log's partition is read in before any record of the partition; released when it goes. */
    private final class OwnedPartitions implements ConsumerLoop.Partitions {
        @Override
        public void assigned(Collection<TopicPartition> partitions) {
            ofOrderEvents(partitions).forEach(p -> scheduler.restore(p,
                    DeliveryLog.latest(deliveryLog, assignedReaderConfig, p)).join());
        }

        @Override
        public void revoked(Collection<TopicPartition> partitions) {
            ofOrderEvents(partitions).forEach(p -> scheduler.release(p).join());
        }

        private List<Integer> ofOrderEvents(Collection<TopicPartition> partitions) {
            return partitions.stream().filter(p -> p.topic().equals(orderEvents.name())).map(TopicPartition::partition)
                    .toList();
        }
    }

    /** One consumer, two value types: each record decoded by its own topic's serde. */
    private Deserializer<Object> byTopic() {
        Deserializer<OrderEvent> events = orderEvents.valueSerde().deserializer();
        Deserializer<WebhookRequest> asked = requests.valueSerde().deserializer();
        return (topic, bytes) -> topic.equals(orderEvents.name()) ? events.deserialize(topic, bytes)
                : asked.deserialize(topic, bytes);
    }

    DispatcherIntake start() {
        loop.start();
        return this;
    }

    private CompletableFuture<?> handle(ConsumerRecord<String, Object> record) {
        int partition = record.partition();
        try {
            if (record.value() instanceof OrderEvent event) {
                return scheduler.take(partition, forEvent(event));
            }
            if (record.value() instanceof WebhookRequest request) {
                return handle(request, partition);
            }
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            // a bug, not something an endpoint did: the loop logs it and goes on
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A delivery of the event to every endpoint of its agency that it matches. */
    private List<WebhookDelivery> forEvent(OrderEvent event) {
        Instant now = clock.instant();
        return endpoints.ofAgency(event.getAgencyId()).stream()
                .filter(endpoint -> EndpointConditions.matches(endpoint, event))
                .map(endpoint -> delivery(endpoint, event, DeliveryIds.forEvent(endpoint.getAgencyId(),
                        endpoint.getEndpointId(), event.getEventId()), DeliveryKind.EVENT, null, now))
                .toList();
    }

    private CompletableFuture<?> handle(WebhookRequest request, int partition) {
        if (request.getPayload() instanceof ResendDelivery resend) {
            WebhookDelivery original = resend.getOriginal();
            if (!original.getAgencyId().equals(request.getAgencyId()) || !original.getEndpointId().equals(request.getEndpointId())) {
                log.warn("webhook_resend_refused request_id={} reason=delivery_of_another_endpoint", request.getRequestId());
                return CompletableFuture.completedFuture(null);
            }
            WebhookDelivery again = WebhookDelivery.newBuilder(original)
                    .setDeliveryId(DeliveryIds.resend(original.getDeliveryId(), request.getRequestId()))
                    .setKind(DeliveryKind.RESEND).setOrigin(original.getDeliveryId()).setCreatedAt(clock.instant())
                    .setStatus(DeliveryStatus.PENDING).setAttempts(0).setNextAttemptAt(clock.instant())
                    .setLastAttempt(null).setFinalReason(null).build();
            log.info("webhook_resend request_id={} delivery_id={} resend_of={} actor={}", request.getRequestId(),
                    again.getDeliveryId(), original.getDeliveryId(), request.getActor());
            return scheduler.take(partition, List.of(again));
        }
        if (request.getPayload() instanceof ReplayEndpoint window) {
            WebhookEndpoint endpoint = endpoints.live(request.getAgencyId(), request.getEndpointId())
                    .filter(WebhookEndpoint::getEnabled).orElse(null);
            if (endpoint == null) {
                log.info("webhook_replay_skipped request_id={} reason=endpoint_gone_or_disabled", request.getRequestId());
                return CompletableFuture.completedFuture(null);
            }
            return replay.matching(partition, window.getSince(), window.getUntil(), event -> EndpointConditions.matches(endpoint, event))
                    .thenCompose(events -> {
                        Instant now = clock.instant();
                        log.info("webhook_replay request_id={} agency_id={} endpoint_id={} partition={} events={} actor={}",
                                request.getRequestId(), request.getAgencyId(), request.getEndpointId(), partition,
                                events.size(), request.getActor());
                        return scheduler.take(partition, events.stream().map(event -> delivery(endpoint, event,
                                DeliveryIds.replay(endpoint.getAgencyId(), endpoint.getEndpointId(), event.getEventId(),
                                        request.getRequestId()), DeliveryKind.REPLAY, request.getRequestId(), now)).toList());
                    });
        }
        return CompletableFuture.completedFuture(null);
    }

    private static WebhookDelivery delivery(WebhookEndpoint endpoint, OrderEvent event, String deliveryId, DeliveryKind kind,
            String origin, Instant now) {
        return WebhookDelivery.newBuilder()
                .setDeliveryId(deliveryId)
                .setWebhookId(DeliveryIds.webhookId(endpoint.getAgencyId(), endpoint.getEndpointId(), event.getEventId()))
                .setAgencyId(endpoint.getAgencyId()).setEndpointId(endpoint.getEndpointId())
                .setSessionId(event.getSessionId()).setKind(kind).setOrigin(origin)
                .setEventType(event.getType()).setEvent(event).setCreatedAt(now)
                .setStatus(DeliveryStatus.PENDING).setAttempts(0).setNextAttemptAt(now)
                .setLastAttempt(null).setFinalReason(null)
                .build();
    }

    /** Binds the consumer's client metrics (fetch lag per partition among them); close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return loop.bindMetrics(registry);
    }

    @Override
    public void close() {
        loop.close();
    }
}
