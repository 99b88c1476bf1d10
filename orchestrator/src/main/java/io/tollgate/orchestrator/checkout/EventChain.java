package io.tollgate.orchestrator.checkout;

import io.tollgate.common.crypto.Sha256;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * The tamper-evidence chain over a session's journal: each event carries the SHA-256 of the
 * previous event's Avro binary encoding (schema-id free, so the chain does not depend on which
 * registry assigned ids). Editing or dropping any event breaks every later link.
 */
public final class EventChain {
    public static final String GENESIS = "0".repeat(64);

    private static final SpecificDatumWriter<CheckoutEvent> WRITER = writer();

    private EventChain() {
    }

    private static SpecificDatumWriter<CheckoutEvent> writer() {
        // Avro 1.12 refuses to load our generated classes by name until they are trusted; a tool that
        // only hashes (audit) may never have built a serde that would have trusted them.
        AvroClassTrust.trustContracts();
        return new SpecificDatumWriter<>(CheckoutEvent.getClassSchema());
    }

    public static String hash(CheckoutEvent event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(512);
            BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
            WRITER.write(event, encoder);
            encoder.flush();
            return Sha256.hex(out.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when each event's prev_hash is the hash of the one before it, starting from genesis. */
    public static boolean verify(List<CheckoutEvent> sessionEvents) {
        return firstBrokenLink(sessionEvents) < 0;
    }

    /** Index of the first event whose prev_hash is not the hash of the one before it; -1 when the chain holds. */
    public static int firstBrokenLink(List<CheckoutEvent> sessionEvents) {
        String expected = GENESIS;
        for (int i = 0; i < sessionEvents.size(); i++) {
            if (!expected.equals(sessionEvents.get(i).getPrevHash())) {
                return i;
            }
            expected = hash(sessionEvents.get(i));
        }
        return -1;
    }
}
