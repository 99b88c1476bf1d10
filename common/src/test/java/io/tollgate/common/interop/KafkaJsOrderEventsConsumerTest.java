package io.tollgate.common.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.Topics;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.RestSchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A downstream consumer in another language: kafkajs (pure JS) reads {@code order.events.v1} from the embedded
 * KRaft broker, and avsc decodes each value with the writer schema it fetched by id from our registry
 * ({@code interop/kafka-consumer.mjs}). The records are written as the checkout fold writes them: by our
 * AvroSerde, in transactions.
 */
@ExtendWith(SharedKafka.class)
class KafkaJsOrderEventsConsumerTest {

    @Test
    void kafkajsReadsTheCommittedOrderEventsAndAvscDecodesThem() throws Exception {
        String prefix = SharedKafka.uniqueName("interop") + ".";
        try (SchemaRegistryServer registry = SchemaRegistryServer.start(new InMemorySchemaRegistry());
                Admin admin = SharedKafka.admin()) {
            Topic<String, OrderEvent> orderEvents = new Topics(new RestSchemaRegistryClient(registry.url()), 2, prefix)
                    .orderEvents();
            TopicProvisioner.ensure(admin, List.of(orderEvents.spec()));
            Map<String, Object> config = new KafkaClients(SharedKafka.bootstrapServers()).producer(prefix + "producer");
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, prefix + "fold");
            try (KafkaProducer<String, OrderEvent> producer = new KafkaProducer<>(config,
                    orderEvents.keySerde().serializer(), orderEvents.valueSerde().serializer())) {
                producer.initTransactions();
                inTransaction(producer, orderEvents, orderEvent("cs_paid", "order.paid"),
                        orderEvent("cs_failed", "order.failed"));
                producer.beginTransaction();
                producer.send(record(orderEvents, orderEvent("cs_aborted", "order.paid"))).get();
                producer.abortTransaction();
                inTransaction(producer, orderEvents, orderEvent("cs_canceled", "order.canceled"));
            }

            JsonNode read = NodeScripts.run(Duration.ofSeconds(90), "kafka-consumer.mjs", SharedKafka.bootstrapServers(),
                    registry.url(), orderEvents.name(), "3", "60").json();

            int schemaId = registry.registry().latest(orderEvents.name() + "-value").id();
            List<JsonNode> records = new ArrayList<>();
            read.get("records").forEach(records::add);
            assertThat(records).extracting(r -> r.get("key").asText())
                    .containsExactlyInAnyOrder("cs_paid", "cs_failed", "cs_canceled");
            assertThat(records).allSatisfy(r -> {
                assertThat(r.get("schema_id").asInt()).isEqualTo(schemaId);
                assertThat(r.get("schema").asText()).isEqualTo("io.tollgate.schema.OrderEvent");
                JsonNode value = r.get("value");
                assertThat(value.get("session_id").asText()).isEqualTo(r.get("key").asText());
                assertThat(value.get("event_id").asText()).isEqualTo(r.get("key").asText() + ":1");
                assertThat(value.get("occurred_at").asLong()).isEqualTo(Samples.at(4).toEpochMilli());
                assertThat(value.get("amount_minor").asLong()).isEqualTo(2800);
                assertThat(value.get("currency").asText()).isEqualTo("GBP");
                assertThat(value.get("payment_intent_id").asText()).isEqualTo("pi_1");
                assertThat(value.get("default_action_used").asBoolean()).isTrue();
            });
            assertThat(records).filteredOn(r -> r.get("key").asText().equals("cs_failed")).singleElement()
                    .satisfies(r -> {
                        assertThat(r.get("value").get("type").asText()).isEqualTo("order.failed");
                        assertThat(r.get("value").get("reason").asText()).isEqualTo("class_full");
                    });
        }
    }

    private static OrderEvent orderEvent(String sessionId, String type) {
        return OrderEvent.newBuilder(Samples.orderEvent()).setEventId(sessionId + ":1").setSessionId(sessionId)
                .setType(type).build();
    }

    private static ProducerRecord<String, OrderEvent> record(Topic<String, OrderEvent> topic, OrderEvent event) {
        return new ProducerRecord<>(topic.name(), event.getSessionId(), event);
    }

    private static void inTransaction(KafkaProducer<String, OrderEvent> producer, Topic<String, OrderEvent> topic,
            OrderEvent... events) throws Exception {
        producer.beginTransaction();
        for (OrderEvent event : events) {
            producer.send(record(topic, event)).get();
        }
        producer.commitTransaction();
    }
}
