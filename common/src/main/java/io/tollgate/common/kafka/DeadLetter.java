package io.tollgate.common.kafka;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A command a fold could not process, as it goes to its {@code *.dlq} topic: the original bytes, the
 * same key and timestamp, and headers saying why and from where — the one layout that
 * {@code tollgate dlq} reads and resends.
 */
public final class DeadLetter {
    public static final String ERROR_HEADER = "tollgate.error";
    public static final String SOURCE_TOPIC_HEADER = "tollgate.source.topic";
    /** On a command {@code tollgate dlq resend} put back: {@code <dlq topic>:<partition>:<offset>} it came from. */
    public static final String RESENT_FROM_HEADER = "tollgate.resent.from";
    /** Headers Tollgate sets on a dead letter or a resent one; a resend drops the old ones. */
    public static final String HEADER_PREFIX = "tollgate.";

    private DeadLetter() {
    }

    public static <V> Record<String, Object> of(Record<String, V> failed, Serializer<V> serializer, String sourceTopic,
            String error) {
        byte[] bytes = failed.value() == null ? null : serializer.serialize(sourceTopic, failed.value());
        Record<String, Object> dead = new Record<String, Object>(failed.key(), bytes, failed.timestamp());
        mark(dead.headers(), sourceTopic, error);
        return dead;
    }

    /**
     * A record that never decoded (Kafka Streams hands over its raw bytes): same key bytes, value and
     * timestamp, its headers kept, to {@link #topicFor} its source topic.
     */
    public static ProducerRecord<byte[], byte[]> ofRaw(ConsumerRecord<byte[], byte[]> failed, String error) {
        Headers headers = new RecordHeaders(failed.headers().toArray());
        mark(headers, failed.topic(), error);
        return new ProducerRecord<>(topicFor(failed.topic()), null, failed.timestamp(), failed.key(), failed.value(), headers);
    }

    /**
     * A command a worker could not see through and leaves for an operator to resend once the cause is
     * fixed ({@code tollgate dlq resend}): its bytes as they would go to {@code sourceTopic}, under the
     * same key, to that topic's dead-letter topic.
     */
    public static ProducerRecord<String, byte[]> toResend(String sourceTopic, String key, byte[] command, String error) {
        ProducerRecord<String, byte[]> dead = new ProducerRecord<>(topicFor(sourceTopic), key, command);
        mark(dead.headers(), sourceTopic, error);
        return dead;
    }

    /** The dead-letter topic of a command topic, as {@link Topics} names it. */
    public static String topicFor(String sourceTopic) {
        return sourceTopic + ".dlq";
    }

    private static void mark(Headers headers, String sourceTopic, String error) {
        headers.add(ERROR_HEADER, error.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_TOPIC_HEADER, sourceTopic.getBytes(StandardCharsets.UTF_8));
    }
}
