package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.Rejection;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaLog;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Our bytes against the published Confluent wire format, spelled out by hand: magic byte 0, the
 * schema id as 4 bytes big-endian, then the Avro binary encoding (zigzag varints for int and
 * long, length-prefixed strings, the branch index before a union value). This is the layout
 * Confluent's KafkaAvroDeserializer reads, whose jars are not available here.
 */
class WireFormatGoldenBytesTest {
    // an id above 255 so that the big-endian order of the id bytes shows
    private static final int ID = 0x0102;

    @Test
    void aSmallRecordIsMagicByteIdAndAvroBinary() {
        AvroSerde<Rejection> serde = AvroSerde.forValues(Rejection.class, registryWith("golden-value", Rejection.getClassSchema()));
        Rejection rejection = Rejection.newBuilder().setCommandId("c1").setCode("dup").setMessage("").build();

        byte[] ours = serde.serializer().serialize("golden", rejection);

        assertThat(HexFormat.of().formatHex(ours)).isEqualTo(
                "00" + "00000102"      // magic, schema id 258 big-endian
                + "04" + "6331"        // command_id: length 2 (zigzag 4), "c1"
                + "06" + "647570"      // code: length 3 (zigzag 6), "dup"
                + "00");               // message: length 0
        assertThat(serde.deserializer().deserialize("golden", ours)).isEqualTo(rejection);
    }

    @Test
    void longsTimestampsUnionsAndBooleansFollowTheSpecification() {
        AvroSerde<OrderEvent> serde = AvroSerde.forValues(OrderEvent.class, registryWith("golden-value", OrderEvent.getClassSchema()));
        OrderEvent event = OrderEvent.newBuilder().setEventId("e1").setType("order.paid").setOccurredAt(Samples.T0)
                .setSessionId("s").setAgencyId("a").setMerchantId("m").setAmountMinor(2800).setCurrency("GBP")
                .setPaymentIntentId("pi_1").setDecision(null).setReason(null).setMessage(null).setDefaultActionUsed(true).build();

        Bytes expected = new Bytes()
                .raw(0x00).raw(0x00, 0x00, 0x01, 0x02)
                .string("e1").string("order.paid")
                .raw(0xf6, 0xa1, 0xd5, 0xed, 0xee, 0x66)   // occurred_at 1767225600123 ms as a zigzag varint
                .string("s").string("a").string("m")
                .raw(0xe0, 0x2b)                           // amount_minor 2800
                .string("GBP")
                .raw(0x02).string("pi_1")                  // payment_intent_id: branch 1 (string)
                .raw(0x00).raw(0x00).raw(0x00)             // decision, reason, message: branch 0 (null)
                .raw(0x01);                                // default_action_used true

        assertThat(HexFormat.of().formatHex(serde.serializer().serialize("golden", event)))
                .isEqualTo(HexFormat.of().formatHex(expected.toByteArray()));
    }

    @Test
    void theHandEncoderAgreesWithTheSpecificationExamples() {
        // examples from the Avro specification's table of zigzag encodings
        assertThat(new Bytes().varlong(0).hex()).isEqualTo("00");
        assertThat(new Bytes().varlong(-1).hex()).isEqualTo("01");
        assertThat(new Bytes().varlong(1).hex()).isEqualTo("02");
        assertThat(new Bytes().varlong(-2).hex()).isEqualTo("03");
        assertThat(new Bytes().varlong(64).hex()).isEqualTo("8001");
        assertThat(new Bytes().varlong(-150).hex()).isEqualTo("ab02");
        assertThat(new Bytes().varlong(Samples.T0.toEpochMilli()).hex()).isEqualTo("f6a1d5edee66");
    }

    private static InMemorySchemaRegistry registryWith(String subject, org.apache.avro.Schema schema) {
        // a log that already assigned the id, as after a restart
        SchemaLog log = SchemaLog.inMemory();
        log.append(SchemaLog.Entry.schema(subject, 1, ID, schema.toString()));
        return new InMemorySchemaRegistry(log);
    }

    /** Avro binary written from the specification, independently of Avro's encoder. */
    private static final class Bytes {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Bytes varlong(long n) {
            long v = (n << 1) ^ (n >> 63);
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        Bytes string(String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            varlong(utf8.length);
            out.writeBytes(utf8);
            return this;
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }

        String hex() {
            return HexFormat.of().formatHex(toByteArray());
        }
    }
}
