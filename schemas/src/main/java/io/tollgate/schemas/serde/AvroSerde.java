package io.tollgate.schemas.serde;

import io.tollgate.schemas.registry.RegisteredSchema;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro in the Confluent wire format: magic byte 0, the schema's 4-byte big-endian registry id,
 * then Avro binary. Subjects follow Confluent's TopicNameStrategy ({@code <topic>-value} /
 * {@code <topic>-key}). Records are read with the generated class's schema as the reader schema,
 * so older and newer writers resolve by Avro's rules.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
    static final byte MAGIC_BYTE = 0;

    private final Class<T> type;
    private final Schema schema;
    private final SpecificData model;
    private volatile AvroSerdeConfig config;
    private volatile boolean isKey;
    // One of each for the serde's life: Kafka Streams asks a store's serde for its serializer on every
    // read and write, and a fresh one would look its schema up in the registry each time.
    private final Writer writer;
    private final Reader reader;

    public AvroSerde(Class<T> type) {
        AvroClassTrust.trustContracts();
        this.type = type;
        this.model = modelFor(type);
        this.schema = model.getSchema(type);
        this.writer = new Writer();
        this.reader = new Reader();
    }

    /** A ready serde for values, configured with the given client. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistryClient registry) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(Map.of(AvroSerdeConfig.REGISTRY_CLIENT, registry), false);
        return serde;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.config = AvroSerdeConfig.from(configs);
        this.isKey = isKey;
        writer.targetBySubject.clear();
        reader.readers.clear();
    }

    @Override
    public Serializer<T> serializer() {
        return writer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return reader;
    }

    /**
     * The generated class's own conversions (timestamp-millis as Instant; SpecificData.get() has
     * none, so timestamps nested in unions would fail), and arrays read as plain ArrayLists:
     * Avro's own GenericData.Array compares its elements without those conversions, so
     * {@code equals} on a read record holding, say, a HookSecret with an expiry would throw.
     */
    private static SpecificData modelFor(Class<?> type) {
        SpecificData model = new SpecificData(type.getClassLoader()) {
            @Override
            public Object newArray(Object old, int size, Schema schema) {
                if (old instanceof java.util.ArrayList<?> reused) {
                    reused.clear();
                    return reused;
                }
                return new java.util.ArrayList<>(size);
            }
        };
        SpecificData.getForClass(type).getConversions().forEach(model::addLogicalTypeConversion);
        return model;
    }

    private String subject(String topic) {
        return topic + (isKey ? "-key" : "-value");
    }

    private AvroSerdeConfig config() {
        if (config == null) {
            throw new IllegalStateException("AvroSerde for " + type.getSimpleName() + " used before configure()");
        }
        return config;
    }

    private final class Writer implements Serializer<T> {
        private final Map<String, Target> targetBySubject = new ConcurrentHashMap<>();
        private final SpecificDatumWriter<T> writer = new SpecificDatumWriter<>(schema, model);

        @Override
        public byte[] serialize(String topic, T data) {
            if (data == null) {
                return null;
            }
            try {
                Target target = targetBySubject.computeIfAbsent(subject(topic), this::target);
                ByteArrayOutputStream out = new ByteArrayOutputStream(256);
                out.write(MAGIC_BYTE);
                out.write(ByteBuffer.allocate(4).putInt(target.id()).array());
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
                if (target.projection() == null) {
                    writer.write(data, encoder);
                } else {
                    target.projection().write(data, encoder);
                }
                encoder.flush();
                return out.toByteArray();
            } catch (IOException | RuntimeException e) {
                // registry refusals too: Kafka and Streams treat SerializationException as the record's fault
                throw new SerializationException("Cannot write " + type.getSimpleName() + " to " + topic + ": " + e.getMessage(), e);
            }
        }

        private Target target(String subject) {
            AvroSerdeConfig c = config();
            if (c.autoRegister()) {
                return new Target(c.registry().register(subject, schema), null);
            }
            if (c.useLatestVersion()) {
                RegisteredSchema latest = c.registry().latest(subject);
                if (latest.schema().equals(schema)) {
                    return new Target(latest.id(), null);
                }
                return new Target(latest.id(), new Projection(latest));
            }
            return new Target(c.registry().idOf(subject, schema), null);
        }
    }

    /** The id the bytes carry, and how to write them when that id names a schema other than ours. */
    private final class Target {
        private final int id;
        private final Projection projection;

        Target(int id, Projection projection) {
            this.id = id;
            this.projection = projection;
        }

        int id() {
            return id;
        }

        Projection projection() {
            return projection;
        }
    }

    /**
     * use.latest.version with a latest schema that is not ours: the bytes must be in the latest
     * schema, since that is the id they carry. Writing our record with it field by field would
     * misplace fields, so the record is resolved into the latest schema by Avro's rules first.
     */
    private final class Projection {
        private final Schema target;
        private final SpecificDatumWriter<T> own = new SpecificDatumWriter<>(schema, model);
        private final GenericDatumReader<Object> resolver;
        private final GenericDatumWriter<Object> out;

        Projection(RegisteredSchema latest) {
            this.target = latest.schema();
            var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(target, schema);
            if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                throw new SerializationException("use.latest.version: latest schema of " + latest.subject() + " (id " + latest.id()
                        + ") cannot represent " + type.getSimpleName() + ": " + compatibility.getDescription());
            }
            this.resolver = new GenericDatumReader<>(schema, target, GenericData.get());
            this.out = new GenericDatumWriter<>(target, GenericData.get());
        }

        void write(T data, BinaryEncoder encoder) throws IOException {
            ByteArrayOutputStream ownBytes = new ByteArrayOutputStream(256);
            BinaryEncoder ownEncoder = EncoderFactory.get().directBinaryEncoder(ownBytes, null);
            own.write(data, ownEncoder);
            ownEncoder.flush();
            Object resolved = resolver.read(null, DecoderFactory.get().binaryDecoder(ownBytes.toByteArray(), null));
            out.write(resolved, encoder);
        }
    }

    private final class Reader implements Deserializer<T> {
        private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();

        @Override
        public T deserialize(String topic, byte[] bytes) {
            if (bytes == null) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            if (bytes.length < 5 || buffer.get() != MAGIC_BYTE) {
                throw new SerializationException("Not Confluent wire format (magic byte 0 + schema id) on " + topic);
            }
            int id = buffer.getInt();
            try {
                SpecificDatumReader<T> reader = readers.computeIfAbsent(id,
                        i -> new SpecificDatumReader<>(config().registry().schemaById(i), schema, model));
                BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null);
                return reader.read(null, decoder);
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("Cannot read " + type.getSimpleName() + " (schema id " + id + ") from " + topic
                        + ": " + e.getMessage(), e);
            }
        }
    }
}
