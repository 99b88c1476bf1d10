package io.tollgate.orchestrator.checkout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * The tamper-evidence chain over a session's journal: each event carries in {@code prev_hash} the
 * SHA-256 of the previous event's <em>chain form</em> (64 zeros for the first). Editing, dropping or
 * reordering any event breaks every later link.
 *
 * <p>The chain form is fixed when an event is written and does not move when the schema evolves
 * (docs/operations.md, "Audit and replay"): re-encoding an old event with today's schema would give
 * other bytes as soon as a field is added, and every old chain would break.
 * <ul>
 *   <li><b>Base form</b> — the Avro binary encoding of the event under the chain's base schema, the
 *   journal's schema as of chain v1, kept unchanged in {@code checkout-event-chain-v1.avsc}: for an
 *   event that schema holds whole (every field added since is at its default). Every event written
 *   before the schema first evolved is in this form, which is what the chain always hashed.</li>
 *   <li><b>Canonical form</b> — for an event the base schema cannot hold (a newer event type, an
 *   added field with a value other than its default): a marker line, then canonical JSON of the
 *   event with its fields by name, record fields at their default left out, union branches by full
 *   name, map keys sorted, bytes in hex. A field added later with a default, being at its default in
 *   every older event, changes neither form of any of them.</li>
 * </ul>
 * So the one rule for changing {@code CheckoutEvent}: add fields with defaults (or new union branches
 * at the end); never remove or rename one, never change a default.
 */
public final class EventChain {
    public static final String GENESIS = "0".repeat(64);
    /** Starts every canonical form, so that no base-form bytes can ever equal one. */
    static final String CANONICAL_MARK = "tollgate.event-chain.canonical.v1\n";

    private static final Schema BASE = baseSchema();
    /**
     * The event types whose encoding under today's schema is their base form: the envelope and the
     * type are as in the base schema, at the same union position. The fold hashes every event it
     * writes, so those skip the fit check below.
     */
    private static final Set<String> ENCODED_AS_IN_BASE = typesEncodedAsInBase(CheckoutEvent.getClassSchema());
    private static final SpecificDatumWriter<SpecificRecord> CURRENT_WRITER = specificWriter(CheckoutEvent.getClassSchema());
    private static final ObjectMapper CANONICAL_JSON = new ObjectMapper();
    /** Readers and writers by schema pair: building one resolves the schemas, which costs far more than using it. */
    private static final Map<List<Schema>, GenericDatumReader<GenericRecord>> READERS = new ConcurrentHashMap<>();
    private static final Map<Schema, GenericDatumWriter<IndexedRecord>> WRITERS = new ConcurrentHashMap<>();

    /**
     * Map entries in key order: Avro writes a map in its iteration order, and an event decoded from
     * the journal holds its maps in another order than the one the fold built (a cart item's
     * metadata), which would give the same event two encodings and break its chain on audit.
     */
    @SuppressWarnings("unchecked")
    private static Iterable<Map.Entry<Object, Object>> inKeyOrder(Object map) {
        List<Map.Entry<Object, Object>> entries = new ArrayList<>(((Map<Object, Object>) map).entrySet());
        entries.sort(Comparator.comparing(e -> e.getKey().toString()));
        return entries;
    }

    private static SpecificDatumWriter<SpecificRecord> specificWriter(Schema schema) {
        return new SpecificDatumWriter<>(schema, SpecificData.getForSchema(schema)) {
            @Override
            protected Iterable<Map.Entry<Object, Object>> getMapEntries(Object map) {
                return inKeyOrder(map);
            }
        };
    }

    private static GenericDatumWriter<IndexedRecord> genericWriter(Schema schema) {
        return new GenericDatumWriter<>(schema, GenericData.get()) {
            @Override
            protected Iterable<Map.Entry<Object, Object>> getMapEntries(Object map) {
                return inKeyOrder(map);
            }
        };
    }

    private EventChain() {
    }

    private static Schema baseSchema() {
        // Avro 1.12 refuses to load our generated classes by name until they are trusted; a tool that
        // only hashes (audit) may never have built a serde that would have trusted them.
        AvroClassTrust.trustContracts();
        try (InputStream in = EventChain.class.getResourceAsStream("checkout-event-chain-v1.avsc")) {
            if (in == null) {
                throw new IllegalStateException("checkout-event-chain-v1.avsc is missing from the classpath");
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String hash(CheckoutEvent event) {
        if (ENCODED_AS_IN_BASE.contains(((SpecificRecord) event.getPayload()).getSchema().getFullName())) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream(512);
                BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
                CURRENT_WRITER.write(event, encoder);
                encoder.flush();
                return Sha256.hex(out.toByteArray());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return hash((IndexedRecord) event);
    }

    static Set<String> typesEncodedAsInBase(Schema current) {
        List<Schema.Field> now = current.getFields();
        List<Schema.Field> base = BASE.getFields();
        if (now.size() != base.size()) {
            return Set.of();
        }
        for (int i = 0; i < now.size(); i++) {
            boolean payload = now.get(i).name().equals("payload");
            if (!now.get(i).name().equals(base.get(i).name()) || (!payload && !now.get(i).schema().equals(base.get(i).schema()))) {
                return Set.of();
            }
        }
        List<Schema> nowTypes = current.getField("payload").schema().getTypes();
        List<Schema> baseTypes = BASE.getField("payload").schema().getTypes();
        Set<String> same = new HashSet<>();
        for (int i = 0; i < Math.min(nowTypes.size(), baseTypes.size()); i++) {
            if (nowTypes.get(i).equals(baseTypes.get(i))) {
                same.add(nowTypes.get(i).getFullName());
            }
        }
        return Set.copyOf(same);
    }

    /**
     * The hash of an event as any version of the journal's schema reads it: the generated class, or
     * a generic record of an older or newer reader schema.
     */
    public static String hash(IndexedRecord event) {
        Schema schema = event.getSchema();
        byte[] encoded = encode(event, schema);
        GenericRecord read = decode(encoded, schema, schema);
        byte[] base = baseForm(encoded, schema, read);
        return Sha256.hex(base != null ? base : canonicalForm(read));
    }

    /** The Avro binary under the base schema, or null when the base schema cannot hold the event whole. */
    private static byte[] baseForm(byte[] encoded, Schema schema, GenericRecord read) {
        try {
            byte[] base = encode(decode(encoded, schema, BASE), BASE);
            return decode(base, BASE, schema).equals(read) ? base : null;
        } catch (AvroRuntimeException doesNotFit) {
            // a union branch or an enum symbol the base schema does not have
            return null;
        }
    }

    private static byte[] canonicalForm(GenericRecord event) {
        try {
            return (CANONICAL_MARK + CANONICAL_JSON.writeValueAsString(canonical(event, event.getSchema())))
                    .getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an event's canonical form", e);
        }
    }

    private static Object canonical(Object value, Schema schema) {
        return switch (schema.getType()) {
            case RECORD -> {
                GenericRecord record = (GenericRecord) value;
                Map<String, Object> fields = new TreeMap<>();
                for (Schema.Field field : schema.getFields()) {
                    Object fieldValue = record.get(field.pos());
                    if (!atDefault(field, fieldValue)) {
                        fields.put(field.name(), canonical(fieldValue, field.schema()));
                    }
                }
                yield fields;
            }
            case UNION -> {
                Schema branch = schema.getTypes().get(GenericData.get().resolveUnion(schema, value));
                if (branch.getType() == Schema.Type.NULL) {
                    yield null;
                }
                Map<String, Object> tagged = new LinkedHashMap<>();
                tagged.put(branch.getFullName(), canonical(value, branch));
                yield tagged;
            }
            case ARRAY -> {
                List<Object> items = new ArrayList<>();
                ((Collection<?>) value).forEach(item -> items.add(canonical(item, schema.getElementType())));
                yield items;
            }
            case MAP -> {
                Map<String, Object> entries = new TreeMap<>();
                ((Map<?, ?>) value).forEach((k, v) -> entries.put(k.toString(), canonical(v, schema.getValueType())));
                yield entries;
            }
            case STRING, ENUM -> value.toString();
            case BYTES -> {
                ByteBuffer bytes = ((ByteBuffer) value).duplicate();
                byte[] copy = new byte[bytes.remaining()];
                bytes.get(copy);
                yield HexFormat.of().formatHex(copy);
            }
            case FIXED -> HexFormat.of().formatHex(((GenericFixed) value).bytes());
            case INT, LONG, FLOAT, DOUBLE, BOOLEAN -> value;
            case NULL -> null;
        };
    }

    private static boolean atDefault(Schema.Field field, Object value) {
        // compared in canonical form: the same value may come as String or Utf8, Integer or Long
        return field.hasDefaultValue() && java.util.Objects.equals(canonical(value, field.schema()),
                canonical(GenericData.get().getDefaultValue(field), field.schema()));
    }

    private static byte[] encode(IndexedRecord record, Schema schema) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            if (record instanceof SpecificRecord specific && schema.equals(specific.getSchema())) {
                specificWriter(schema).write(specific, encoder);
            } else {
                WRITERS.computeIfAbsent(schema, EventChain::genericWriter).write(record, encoder);
            }
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GenericRecord decode(byte[] bytes, Schema writer, Schema reader) {
        try {
            return READERS.computeIfAbsent(List.of(writer, reader), pair -> new GenericDatumReader<>(writer, reader, GenericData.get()))
                    .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when each event's prev_hash is the hash of the one before it, starting from genesis. */
    public static boolean verify(List<? extends IndexedRecord> sessionEvents) {
        return firstBrokenLink(sessionEvents) < 0;
    }

    /** Index of the first event whose prev_hash is not the hash of the one before it; -1 when the chain holds. */
    public static int firstBrokenLink(List<? extends IndexedRecord> sessionEvents) {
        String expected = GENESIS;
        for (int i = 0; i < sessionEvents.size(); i++) {
            IndexedRecord event = sessionEvents.get(i);
            Object prevHash = event.get(event.getSchema().getField("prev_hash").pos());
            if (prevHash == null || !expected.equals(prevHash.toString())) {
                return i;
            }
            expected = hash(event);
        }
        return -1;
    }
}
