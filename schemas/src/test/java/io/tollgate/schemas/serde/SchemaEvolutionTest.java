package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schema.OrderEvent;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.Test;

/**
 * Our generated OrderEvent class is "v1 code"; a v2 of the same record with one more optional
 * field stands for a newer producer or consumer. Both directions must read, and changes that
 * would strand old data must be refused by the registry.
 */
class SchemaEvolutionTest {
    private static final String TOPIC = "order.events.v1";
    private static final String SUBJECT = TOPIC + "-value";
    private static final Schema V1 = OrderEvent.getClassSchema();
    private static final Schema V2 = withField(V1, "{\"name\":\"refund_id\",\"type\":[\"null\",\"string\"],\"default\":null}");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final AvroSerde<OrderEvent> v1Code = AvroSerde.forValues(OrderEvent.class, registry);

    @Test
    void dataWrittenByV2IsReadByV1Code() throws IOException {
        v1Code.serializer().serialize(TOPIC, Samples.orderEvent());
        int v2Id = registry.register(SUBJECT, V2);
        GenericRecord newer = toGeneric(Samples.orderEvent(), V2);
        newer.put("refund_id", "re_9");

        OrderEvent read = v1Code.deserializer().deserialize(TOPIC, confluentBytes(v2Id, V2, newer));

        assertThat(registry.versions(SUBJECT)).containsExactly(1, 2);
        assertThat(read).isEqualTo(Samples.orderEvent());
    }

    @Test
    void dataWrittenByV1CodeIsReadByV2WithTheDefault() throws IOException {
        byte[] bytes = v1Code.serializer().serialize(TOPIC, Samples.orderEvent());
        registry.register(SUBJECT, V2);

        Schema writer = registry.schemaById(ByteBuffer.wrap(bytes, 1, 4).getInt());
        GenericRecord read = new GenericDatumReader<GenericRecord>(writer, V2)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));

        assertThat(writer).isEqualTo(V1);
        assertThat(read.get("refund_id")).isNull();
        assertThat(read.get("reason").toString()).isEqualTo("class_full");
        assertThat(read.get("amount_minor")).isEqualTo(2800L);
        assertThat(read.get("occurred_at")).isEqualTo(Samples.at(4).toEpochMilli());
    }

    @Test
    void useLatestVersionWritesInTheLatestSchemaSoTheIdMatchesTheBytes() throws IOException {
        registry.register(SUBJECT, V1);
        int v2Id = registry.register(SUBJECT, V2);
        AvroSerde<OrderEvent> pinned = new AvroSerde<>(OrderEvent.class);
        pinned.configure(Map.of(AvroSerdeConfig.REGISTRY_CLIENT, registry,
                AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false", AvroSerdeConfig.USE_LATEST_VERSION, "true"), false);

        byte[] bytes = pinned.serializer().serialize(TOPIC, Samples.orderEvent());

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(v2Id);
        GenericRecord asV2 = new GenericDatumReader<GenericRecord>(V2)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(asV2.get("refund_id")).isNull();
        assertThat(asV2.get("session_id").toString()).isEqualTo("cs_test_1");
        assertThat(pinned.deserializer().deserialize(TOPIC, bytes)).isEqualTo(Samples.orderEvent());
    }

    @Test
    void aNewRequiredFieldWithoutDefaultIsRefusedWithTheReason() {
        v1Code.serializer().serialize(TOPIC, Samples.orderEvent());
        Schema breaking = withField(V1, "{\"name\":\"refund_id\",\"type\":\"string\"}");

        assertThatThrownBy(() -> registry.register(SUBJECT, breaking))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(409);
                    assertThat(e.errorCode()).isEqualTo(SchemaRegistryException.INCOMPATIBLE_SCHEMA);
                })
                .hasMessageContaining(SUBJECT)
                .hasMessageContaining("BACKWARD_TRANSITIVE")
                .hasMessageContaining("READER_FIELD_MISSING_DEFAULT_VALUE")
                .hasMessageContaining("refund_id");
        assertThat(registry.versions(SUBJECT)).containsExactly(1);
    }

    @Test
    void aChangedFieldTypeIsRefused() {
        v1Code.serializer().serialize(TOPIC, Samples.orderEvent());
        Schema breaking = new Schema.Parser().parse(V1.toString().replace(
                "{\"name\":\"amount_minor\",\"type\":\"long\"}", "{\"name\":\"amount_minor\",\"type\":\"string\"}"));
        assertThat(breaking).isNotEqualTo(V1);

        assertThatThrownBy(() -> registry.register(SUBJECT, breaking))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("TYPE_MISMATCH")
                .hasMessageContaining("field amount_minor");
    }

    @Test
    void transitiveChecksEveryEarlierVersionNotJustTheLatest() {
        Schema first = record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"note\",\"type\":\"string\"}");
        Schema second = record("{\"name\":\"id\",\"type\":\"string\"}");
        Schema third = record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"note\",\"type\":\"int\",\"default\":0}");
        registry.register("transitive-value", first);
        registry.register("transitive-value", second);

        assertThat(registry.incompatibilities("transitive-value", third)).singleElement().asString()
                .contains("version 1").contains("TYPE_MISMATCH");
        assertThatThrownBy(() -> registry.register("transitive-value", third)).isInstanceOf(SchemaRegistryException.class);

        registry.setCompatibility("transitive-value", "BACKWARD");
        assertThat(registry.register("transitive-value", third)).isPositive();
        assertThat(registry.versions("transitive-value")).containsExactly(1, 2, 3);
    }

    private GenericRecord toGeneric(OrderEvent event, Schema schema) throws IOException {
        // through v1 bytes, so the generic record holds what a v2 producer would (longs, Utf8)
        byte[] v1Bytes = v1Code.serializer().serialize("scratch", event);
        return new GenericDatumReader<GenericRecord>(V1, schema)
                .read(null, DecoderFactory.get().binaryDecoder(v1Bytes, 5, v1Bytes.length - 5, null));
    }

    private static byte[] confluentBytes(int id, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema, GenericData.get()).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Schema withField(Schema schema, String fieldJson) {
        String text = schema.toString();
        return new Schema.Parser().parse(text.substring(0, text.lastIndexOf(']')) + "," + fieldJson + "]}");
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Evolving\",\"namespace\":\"test\",\"fields\":[" + fields + "]}");
    }
}
