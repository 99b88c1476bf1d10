package io.tollgate.webhooks;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.signing.SigningSecrets;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.HookSecret;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookRequest;
import io.tollgate.schema.WebhookSigning;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import okhttp3.Dns;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The dispatcher's world on the shared broker, under a prefix of its own: topics, a master key,
 * endpoints written to webhooks.endpoints.v1 as the endpoint fold would, order events written to
 * order.events.v1 as the checkout fold would, and readers of what the dispatcher wrote.
 */
final class DispatcherTestBed implements AutoCloseable {
    static final int PARTITIONS = 2;

    /** An endpoint and its secrets in clear, newest first. */
    record Endpoint(WebhookEndpoint record, List<String> secrets) {
        String id() {
            return record.getEndpointId();
        }
    }

    final Topics topics;
    final KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
    final SecretBox secretBox = new SecretBox(Base64.getDecoder().decode(SecretBox.newMasterKeyBase64()));
    private final String prefix;
    private final KafkaProducer<String, Object> producer;
    private final List<WebhookDispatcherService> dispatchers = new ArrayList<>();
    private final SigningSecrets secrets = new SigningSecrets();

    DispatcherTestBed(String name) {
        prefix = SharedKafka.uniqueName(name);
        topics = new Topics(new InMemorySchemaRegistry(), PARTITIONS, prefix + ".");
        try (Admin admin = SharedKafka.admin()) {
            TopicProvisioner.ensure(admin, topics.specs());
        }
        producer = new KafkaProducer<>(kafka.producer(prefix + "-writer"), topics.orderEvents().keySerde().serializer(),
                (topic, value) -> serializer(topic).serialize(topic, value));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private org.apache.kafka.common.serialization.Serializer<Object> serializer(String topic) {
        for (Topic<String, ?> t : List.<Topic<String, ?>>of(topics.orderEvents(), topics.webhookEndpoints(),
                topics.webhookRequests())) {
            if (t.name().equals(topic)) {
                return (org.apache.kafka.common.serialization.Serializer) t.valueSerde().serializer();
            }
        }
        throw new IllegalArgumentException(topic);
    }

    /** Fast settings: the schedule given, a short timeout, dev mode for loopback receivers, 4 attempts per endpoint. */
    WebhookDispatcherService.Settings settings(List<Duration> waits) {
        return settings(waits, Duration.ofSeconds(3));
    }

    WebhookDispatcherService.Settings settings(List<Duration> waits, Duration timeout) {
        return new WebhookDispatcherService.Settings(prefix + "-dispatcher", true, RetrySchedule.jittered(waits),
                Duration.ofDays(5), timeout, 4, 1000, Dns.SYSTEM);
    }

    WebhookDispatcherService start(WebhookDispatcherService.Settings settings) throws InterruptedException {
        WebhookDispatcherService dispatcher = new WebhookDispatcherService(settings, topics, kafka, secretBox,
                new SimpleMeterRegistry()).start();
        dispatchers.add(dispatcher);
        return dispatcher;
    }

    void stop(WebhookDispatcherService dispatcher) {
        dispatcher.close();
        dispatchers.remove(dispatcher);
    }

    Endpoint endpoint(String agency, String url, List<String> triggers, WebhookConditions conditions, WebhookSigning signing,
            int secretCount) {
        String id = "we_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        Instant now = Instant.now();
        List<String> clear = new ArrayList<>();
        List<HookSecret> sealed = new ArrayList<>();
        for (int i = 0; i < secretCount; i++) {
            String secret = secrets.next();
            clear.add(secret);
            sealed.add(HookSecret.newBuilder().setSecret(secretBox.seal(secret, EndpointDirectory.secretPurpose(agency, id)))
                    .setCreatedAt(now).setExpiresAt(i == 0 ? null : now.plus(Duration.ofHours(1))).build());
        }
        WebhookEndpoint endpoint = WebhookEndpoint.newBuilder().setAgencyId(agency).setEndpointId(id).setUrl(url)
                .setDescription(null).setTriggers(triggers).setConditions(conditions).setSigning(signing).setEnabled(true)
                .setEnabledAt(now.minusSeconds(60)).setSecrets(sealed).setCreatedAt(now).setUpdatedAt(now).setVersion(1)
                .build();
        send(topics.webhookEndpoints().name(), EndpointDirectory.key(agency, id), endpoint);
        return new Endpoint(endpoint, clear);
    }

    /** Writes a changed endpoint record, as the endpoint fold would. */
    WebhookEndpoint update(WebhookEndpoint endpoint, java.util.function.Consumer<WebhookEndpoint> change) {
        WebhookEndpoint changed = WebhookEndpoint.newBuilder(endpoint).build();
        change.accept(changed);
        changed.setVersion(endpoint.getVersion() + 1);
        send(topics.webhookEndpoints().name(), EndpointDirectory.key(endpoint.getAgencyId(), endpoint.getEndpointId()), changed);
        return changed;
    }

    static WebhookConditions anything() {
        return WebhookConditions.newBuilder().setMerchantIds(List.of()).setCurrencies(List.of()).setDecisions(List.of())
                .build();
    }

    static OrderEvent event(String agency, String session, String type, long amount, String currency, String merchant) {
        return OrderEvent.newBuilder().setEventId("cmd_" + UUID.randomUUID() + "/" + type).setType(type)
                .setOccurredAt(Instant.now()).setSessionId(session).setAgencyId(agency).setMerchantId(merchant)
                .setAmountMinor(amount).setCurrency(currency).setPaymentIntentId("pi_" + session).setDecision("approved")
                .setReason(null).setMessage(null).setDefaultActionUsed(false).build();
    }

    void publish(OrderEvent event) {
        send(topics.orderEvents().name(), event.getSessionId(), event);
    }

    void request(WebhookRequest request, String key, Integer partition) {
        try {
            producer.send(new ProducerRecord<>(topics.webhookRequests().name(), partition, key, request)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void send(String topic, String key, Object value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record of the delivery log so far, in log order per partition. */
    List<WebhookDelivery> deliveryLog() {
        return readAll(topics.webhookDeliveries());
    }

    /** Every command the dispatcher (or anyone) wrote to webhooks.commands.v1. */
    List<WebhookCommand> commands() {
        return readAll(topics.webhookCommands());
    }

    private <V> List<V> readAll(Topic<String, V> topic) {
        List<V> values = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(kafka.consumer(prefix + "-reader-" + UUID.randomUUID(), null),
                topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(100))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    @Override
    public void close() {
        new ArrayList<>(dispatchers).forEach(this::stop);
        producer.close();
    }
}
