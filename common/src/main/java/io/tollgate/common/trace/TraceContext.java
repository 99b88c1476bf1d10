package io.tollgate.common.trace;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * A W3C Trace Context {@code traceparent} (https://www.w3.org/TR/trace-context/): the 16-byte trace id
 * a checkout keeps from the shopper's request to the hook and Stripe calls, the 8-byte id of the span
 * that sent it ({@code parent-id}), and the trace flags. Only the {@code sampled} flag is carried on:
 * it is the only one version {@code 00} defines, and that is the version Tollgate sends.
 *
 * <p>Tollgate records no spans of its own; each hop that sends the trace on (the API to the command
 * log, the hook-caller to the hook, the payment worker to Stripe) names itself with a new random
 * parent id, as the specification asks of a participant. The checkout fold only copies what a command
 * carries: it must stay deterministic.
 */
public record TraceContext(String traceId, String parentId, int flags) {
    /** The HTTP header and the Kafka record header. */
    public static final String HEADER = "traceparent";
    public static final int SAMPLED = 0x01;

    private static final int LENGTH = 55;
    private static final String VERSION = "00";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public TraceContext {
        if (!isId(traceId, 32) || !isId(parentId, 16) || flags < 0 || flags > 0xff) {
            throw new IllegalArgumentException("not a valid trace context: " + traceId + "/" + parentId + "/" + flags);
        }
    }

    /** A new trace, for a request or event that came without one (sampled: its id is logged and kept). */
    public static TraceContext start() {
        return new TraceContext(randomId(16), randomId(8), SAMPLED);
    }

    /**
     * The {@code traceparent} value, or empty when it is absent or invalid — whoever receives it then
     * starts a new trace, as the specification says. A higher version than {@code 00} is read the way
     * the specification tells a version-00 reader to: its first four fields, if what follows is a dash.
     */
    public static Optional<TraceContext> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        String v = value.strip();
        if (v.length() < LENGTH || !isHex(v, 0, 2) || v.startsWith("ff")) {
            return Optional.empty();
        }
        boolean version00 = v.startsWith(VERSION);
        if (version00 ? v.length() != LENGTH : v.length() > LENGTH && v.charAt(LENGTH) != '-') {
            return Optional.empty();
        }
        if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-' || !isHex(v, 53, 55)) {
            return Optional.empty();
        }
        String traceId = v.substring(3, 35);
        String parentId = v.substring(36, 52);
        if (!isId(traceId, 32) || !isId(parentId, 16)) {
            return Optional.empty();
        }
        return Optional.of(new TraceContext(traceId, parentId, Integer.parseInt(v, 53, 55, 16) & SAMPLED));
    }

    /** The trace of a Kafka record: its last {@code traceparent} header, if valid. */
    public static Optional<TraceContext> of(Headers headers) {
        Header header = headers.lastHeader(HEADER);
        return header == null || header.value() == null ? Optional.empty()
                : parse(new String(header.value(), StandardCharsets.UTF_8));
    }

    /** The same trace sent on by a new participant: a fresh parent id, the same flags. */
    public TraceContext child() {
        return new TraceContext(traceId, randomId(8), flags);
    }

    public boolean sampled() {
        return (flags & SAMPLED) != 0;
    }

    /** {@code 00-<trace-id>-<parent-id>-<flags>}. */
    public String traceparent() {
        return VERSION + '-' + traceId + '-' + parentId + '-' + HEX[(flags >> 4) & 0xf] + HEX[flags & 0xf];
    }

    /** The {@code traceparent} Kafka record header. */
    public Header header() {
        return new RecordHeader(HEADER, traceparent().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return traceparent();
    }

    /** Lower-case hex of the given length, not all zeros (an all-zero id is invalid). */
    private static boolean isId(String id, int length) {
        return id != null && id.length() == length && isHex(id, 0, length) && !id.chars().allMatch(c -> c == '0');
    }

    private static boolean isHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** Random, as the specification recommends; not a secret, so the fast per-thread generator will do. */
    private static String randomId(int bytes) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[bytes * 2];
        boolean zero = true;
        for (int i = 0; i < id.length; i++) {
            int nibble = random.nextInt(16);
            zero &= nibble == 0;
            id[i] = HEX[nibble];
        }
        if (zero) {
            id[id.length - 1] = '1';
        }
        return new String(id);
    }
}
