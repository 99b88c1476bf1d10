package io.tollgate.common.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * Our registry server and wire format driven by @kafkajs/confluent-schema-registry, the most used Node
 * client of Confluent's registry API ({@code interop/confluent-schema-registry.mjs}): it registers a real
 * Tollgate contract, is refused an incompatible change, evolves it, encodes records our AvroSerde reads,
 * and decodes records our AvroSerde wrote. Fails when node is not installed.
 */
class NodeConfluentSchemaRegistryInteropTest {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final String SUBJECT = "node.order.events-value";
    private static final String TOPIC = "order.events.v1";

    @Test
    void theLibraryRegistersEvolvesEncodesAndDecodesAgainstOurRegistry() throws Exception {
        try (SchemaRegistryServer server = SchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            AvroSerde<OrderEvent> serde = new AvroSerde<>(OrderEvent.class);
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
            byte[] ours = serde.serializer().serialize(TOPIC, Samples.orderEvent());
            int ourId = ByteBuffer.wrap(ours, 1, 4).getInt();
            OrderEvent fromNode = OrderEvent.newBuilder(Samples.orderEvent()).setEventId("node-1:1").setType("order.paid")
                    .setOccurredAt(Samples.at(7)).setSessionId("cs_node").setAmountMinor(4200).setCurrency("EUR")
                    .setDecision("approved").setReason(null).setMessage(null).setDefaultActionUsed(false).build();

            JsonNode out = NodeScripts.run(Duration.ofSeconds(60), "confluent-schema-registry.mjs", server.url(), SUBJECT,
                    OrderEvent.getClassSchema().toString(), json(avscRecord(fromNode)),
                    Base64.getEncoder().encodeToString(ours)).json();

            // 1. registration: ids are global, so the contract our serde registered under its topic keeps its id
            assertThat(out.get("registered").path("id").asInt()).as("%s", out).isEqualTo(ourId);
            assertThat(out.get("registered_again").path("id").asInt()).isEqualTo(ourId);
            assertThat(out.get("lookup_id").asInt()).isEqualTo(ourId);
            assertThat(out.get("latest_id").asInt()).isEqualTo(ourId);
            Schema readById = new Schema.Parser().parse(out.get("schema_by_id").toString());
            assertThat(SchemaNormalization.toParsingForm(readById))
                    .isEqualTo(SchemaNormalization.toParsingForm(OrderEvent.getClassSchema()));
            // the library's first registration: no subject level yet, so it registers and then declares its level
            assertThat(exchanges(out).subList(0, 3)).containsExactly(
                    "GET /config/" + SUBJECT + " 404", "POST /subjects/" + SUBJECT + "/versions 200",
                    "PUT /config/" + SUBJECT + " 200");
            assertThat(server.registry().subjectCompatibility(SUBJECT)).contains("BACKWARD_TRANSITIVE");

            // 2. the registry's 409 surfaces as the library's error; the compatible evolution gets a new id
            JsonNode refused = out.get("incompatible").path("error");
            assertThat(refused.path("name").asText()).as("%s", out.get("incompatible")).isEqualTo("ResponseError");
            assertThat(refused.path("status").asInt()).isEqualTo(409);
            assertThat(refused.path("message").asText())
                    .contains("Schema being registered is incompatible with an earlier schema for subject \"" + SUBJECT + "\"")
                    .contains("interop_required");
            int evolvedId = out.get("evolved").path("id").asInt();
            assertThat(evolvedId).as("%s", out.get("evolved")).isPositive().isNotEqualTo(ourId);
            assertThat(out.get("latest_id_after_evolution").asInt()).isEqualTo(evolvedId);
            assertThat(server.registry().versions(SUBJECT)).containsExactly(1, 2);
            assertThat(server.registry().latest(SUBJECT).schema().getField("interop_note")).isNotNull();

            // 3a. what the library encoded, our serde reads: with our id, and with the evolved one by Avro's resolution
            byte[] encoded = encoded(out.get("encoded"), ourId);
            assertThat(serde.deserializer().deserialize(TOPIC, encoded)).isEqualTo(fromNode);
            byte[] encodedEvolved = encoded(out.get("encoded_evolved"), evolvedId);
            assertThat(serde.deserializer().deserialize(TOPIC, encodedEvolved)).isEqualTo(fromNode);

            // 3b. what our serde wrote, the library decodes into the same field values
            assertThat(out.get("decoded")).hasSize(1);
            assertThat(out.get("decoded").get(0).path("value")).as("%s", out.get("decoded"))
                    .isEqualTo(NodeScripts.JSON.readTree(json(avscRecord(Samples.orderEvent()))));

            // every answer in the registry API's own content type, to requests the library sent in it
            assertThat(out.get("exchanges")).isNotEmpty().allSatisfy(exchange -> {
                assertThat(exchange.path("request_content_type").asText()).isEqualTo(CONTENT_TYPE);
                assertThat(exchange.path("content_type").asText()).as("%s", exchange).isEqualTo(CONTENT_TYPE);
            });
            assertThat(exchanges(out)).contains("GET /schemas/ids/" + ourId + " 200",
                    "GET /subjects/" + SUBJECT + "/versions/latest 200", "POST /subjects/" + SUBJECT + " 200",
                    "POST /subjects/" + SUBJECT + "/versions 409");
        }
    }

    private static byte[] encoded(JsonNode step, int id) {
        assertThat(step.path("id").asInt()).as("%s", step).isEqualTo(id);
        byte[] bytes = Base64.getDecoder().decode(step.path("base64").asText());
        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        return bytes;
    }

    private static List<String> exchanges(JsonNode out) {
        List<String> seen = new ArrayList<>();
        out.get("exchanges").forEach(e -> seen.add(e.path("method").asText() + " " + e.path("path").asText() + " "
                + e.path("status").asInt()));
        return seen;
    }

    /** A flat record as avsc takes and gives it: timestamps as epoch millis, nullable unions unwrapped. */
    private static Map<String, Object> avscRecord(SpecificRecord record) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Schema.Field field : record.getSchema().getFields()) {
            Object value = record.get(field.pos());
            if (value instanceof Instant instant) {
                value = instant.toEpochMilli();
            } else if (value instanceof CharSequence text) {
                value = text.toString();
            } else if (value != null && !(value instanceof Number) && !(value instanceof Boolean)) {
                throw new IllegalArgumentException(field.name() + " is not flat: " + value.getClass());
            }
            fields.put(field.name(), value);
        }
        return fields;
    }

    private static String json(Object value) throws Exception {
        return NodeScripts.JSON.writeValueAsString(value);
    }
}
