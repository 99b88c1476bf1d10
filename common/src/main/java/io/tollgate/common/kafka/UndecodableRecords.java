package io.tollgate.common.kafka;

import java.time.Duration;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls past records that do not decode. A consumer that meets one throws on every poll until it
 * seeks past it, so a view or a worker that let the exception end its loop would stop for good —
 * every request waiting on it, or every hook call, with it. The skipped record is logged with where
 * it is, for {@code tollgate audit} and an operator to look at.
 */
public final class UndecodableRecords {
    private static final Logger log = LoggerFactory.getLogger(UndecodableRecords.class);

    /** What to do with the position of a record passed over, e.g. count it as done. */
    public interface Skipped {
        void at(TopicPartition partition, long offset);
    }

    private UndecodableRecords() {
    }

    public static <K, V> ConsumerRecords<K, V> poll(Consumer<K, V> consumer, Duration timeout, String reader, Skipped skipped) {
        try {
            return consumer.poll(timeout);
        } catch (RecordDeserializationException e) {
            log.error("undecodable record skipped reader={} topic={} partition={} offset={} error={}", reader,
                    e.topicPartition().topic(), e.topicPartition().partition(), e.offset(), String.valueOf(e.getCause()));
            skipped.at(e.topicPartition(), e.offset());
            consumer.seek(e.topicPartition(), e.offset() + 1);
            return ConsumerRecords.empty();
        }
    }
}
