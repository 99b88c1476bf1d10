package io.tollgate.orchestrator.checkout;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.HookMode;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.FailMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.junit.jupiter.api.Test;

/**
 * The chain must hold across schema evolution: an event written with today's schema and read by a
 * later version of Tollgate, whose schema has gained fields with defaults, still verifies.
 */
class EventChainTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Today's journal schema plus what a compatible change adds: a top-level field and one inside HookSnapshot. */
    private static final Schema EVOLVED = evolved();

    @Test
    void anEventWrittenWithTheOldSchemaStillVerifiesWhenReadWithANewerOne() throws IOException {
        List<CheckoutEvent> written = deferredJournal();
        List<GenericRecord> readLater = new ArrayList<>();
        for (CheckoutEvent event : written) {
            readLater.add(readAs(EVOLVED, writtenBytes(event)));
        }

        assertThat(readLater.get(0).getSchema().getField("region")).isNotNull();
        assertThat(EventChain.firstBrokenLink(readLater)).isEqualTo(-1);
        // what the chain used to do, re-encode with the reader's schema, breaks at the first link
        String reencoded = Sha256.hex(encode(readLater.get(0), EVOLVED));
        assertThat(reencoded).isNotEqualTo(written.get(1).getPrevHash());
    }

    @Test
    void aNewerEventWithAnAddedFieldSetIsCoveredByTheChain() throws IOException {
        List<GenericRecord> journal = new ArrayList<>();
        for (CheckoutEvent event : deferredJournal()) {
            journal.add(readAs(EVOLVED, writtenBytes(event)));
        }
        GenericRecord last = journal.get(journal.size() - 1);
        GenericRecord newer = new GenericData.Record(EVOLVED);
        EVOLVED.getFields().forEach(f -> newer.put(f.pos(), last.get(f.pos())));
        newer.put("seq", (Long) last.get("seq") + 1);
        newer.put("event_id", "cmd_newer/0");
        newer.put("prev_hash", EventChain.hash(last));
        newer.put("region", "eu-west");
        journal.add(newer);
        assertThat(EventChain.verify(journal)).isTrue();

        GenericRecord next = new GenericData.Record(EVOLVED);
        EVOLVED.getFields().forEach(f -> next.put(f.pos(), newer.get(f.pos())));
        next.put("seq", (Long) newer.get("seq") + 1);
        next.put("prev_hash", EventChain.hash(newer));
        next.put("region", null);
        journal.add(next);
        assertThat(EventChain.verify(journal)).isTrue();

        newer.put("region", "us-east");
        assertThat(EventChain.firstBrokenLink(journal)).as("the added field is covered").isEqualTo(journal.size() - 1);
    }

    /**
     * Journals written before the chain form was defined hashed the event's Avro binary under the schema of
     * that time, the chain's base schema: events it holds must hash exactly so, or old chains break.
     */
    @Test
    void eventsTheBaseSchemaHoldsHashAsTheyAlwaysDid() throws IOException {
        Schema base;
        try (var in = EventChain.class.getResourceAsStream("checkout-event-chain-v1.avsc")) {
            base = new Schema.Parser().parse(in);
        }
        for (CheckoutEvent event : deferredJournal()) {
            byte[] writtenByV1Code = encode(readAs(base, writtenBytes(event)), base);
            assertThat(EventChain.hash(event)).isEqualTo(Sha256.hex(writtenByV1Code));
        }
    }

    @Test
    void theFormIsTheSameWhicheverSchemaReadsTheEvent() throws IOException {
        for (CheckoutEvent event : deferredJournal()) {
            assertThat(EventChain.hash(readAs(EVOLVED, writtenBytes(event)))).isEqualTo(EventChain.hash(event));
            assertThat(EventChain.hash(readAs(CheckoutEvent.getClassSchema(), writtenBytes(event))))
                    .isEqualTo(EventChain.hash(event));
        }
    }

    private static List<CheckoutEvent> deferredJournal() {
        CommandScript s = new CommandScript("cs_evolution");
        FoldRun run = FoldRun.of(s.create(), s.confirm("k1", CommandScript.hook(FailMode.CLOSED, HookMode.DEFERRED)),
                s.decision(1, HookOutcome.DEFERRED), s.paymentIntent("pi_1"), s.paymentAuthorized("pi_1"),
                s.partnerConfirm(), s.paymentSucceeded("pi_1"));
        assertThat(run.journal).hasSizeGreaterThan(6);
        assertThat(EventChain.verify(run.journal)).isTrue();
        return run.journal;
    }

    /** The event as the fold wrote it: Avro binary under the schema of the code that wrote it. */
    private static byte[] writtenBytes(CheckoutEvent event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<CheckoutEvent>(CheckoutEvent.getClassSchema()).write(event, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static GenericRecord readAs(Schema reader, byte[] bytes) throws IOException {
        return new GenericDatumReader<GenericRecord>(CheckoutEvent.getClassSchema(), reader)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    }

    private static byte[] encode(GenericRecord record, Schema schema) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static Schema evolved() {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(CheckoutEvent.getClassSchema().toString());
            ((ArrayNode) root.get("fields")).add(JSON.valueToTree(Map.of("name", "region",
                    "type", List.of("null", "string"), "default", JSON.nullNode())));
            ObjectNode hookSnapshot = (ObjectNode) root.findParents("name").stream()
                    .filter(n -> "HookSnapshot".equals(n.path("name").asText()) && n.has("fields")).findFirst().orElseThrow();
            ((ArrayNode) hookSnapshot.get("fields")).add(JSON.valueToTree(Map.of("name", "labels",
                    "type", Map.of("type", "map", "values", "string"), "default", Map.of())));
            return new Schema.Parser().parse(root.toString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theFoldsQuickHashIsTheChainFormOfEveryEventType() {
        for (Object payload : io.tollgate.schemas.Samples.checkoutEventPayloads()) {
            CheckoutEvent event = io.tollgate.schemas.Samples.checkoutEvent(payload);
            assertThat(EventChain.hash(event)).as(payload.getClass().getSimpleName())
                    .isEqualTo(EventChain.hash((org.apache.avro.generic.IndexedRecord) event));
        }
        assertThat(EventChain.typesEncodedAsInBase(CheckoutEvent.getClassSchema()))
                .as("unchanged event types take the quick path")
                .contains("io.tollgate.schema.SessionCreated", "io.tollgate.schema.HookDecided", "io.tollgate.schema.PaymentRequested");
    }

    @Test
    void anEventHashesTheSameAfterItsJourneyThroughTheJournalWhateverOrderItsMapsComeBackIn() {
        java.util.Map<String, String> metadata = new java.util.LinkedHashMap<>();
        for (String key : List.of("zone", "seat", "row", "level", "gate", "class_schedule_id", "block")) {
            metadata.put(key, "v-" + key);
        }
        io.tollgate.schema.Cart cart = io.tollgate.schema.Cart.newBuilder().setTotalMinor(1500).setCurrency("GBP")
                .setItems(List.of(io.tollgate.schema.LineItem.newBuilder().setName("Seat").setQuantity(1).setUnitAmountMinor(1500)
                        .setMetadata(metadata).build())).build();
        CheckoutEvent event = io.tollgate.schemas.Samples.checkoutEvent(io.tollgate.schema.SessionCreated.newBuilder()
                .setRequestHash("ab").setCart(cart).setExpiresAt(io.tollgate.schemas.Samples.T0).setMaxAttempts(5).build());
        var journal = new io.tollgate.common.kafka.Topics(new io.tollgate.schemas.registry.InMemorySchemaRegistry(), 1).checkoutEvents();

        CheckoutEvent read = journal.valueSerde().deserializer().deserialize(journal.name(),
                journal.valueSerde().serializer().serialize(journal.name(), event));

        assertThat(EventChain.hash(read)).isEqualTo(EventChain.hash(event));
        assertThat(EventChain.hash((org.apache.avro.generic.IndexedRecord) read)).isEqualTo(EventChain.hash(event));
    }
}
