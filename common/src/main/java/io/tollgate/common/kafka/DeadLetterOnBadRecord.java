package io.tollgate.common.kafka;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the folds do with a command that does not even decode: dead-letter it, in the same exactly-once
 * transaction, and go on. Kafka Streams' default would stop the stream thread, and the replacement
 * thread would meet the same record again: one garbage record would halt every session of its
 * partition for good.
 */
public final class DeadLetterOnBadRecord implements DeserializationExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(DeadLetterOnBadRecord.class);

    @Override
    public void configure(Map<String, ?> configs) {
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        log.warn("undecodable command dead-lettered topic={} partition={} offset={} error={}", record.topic(),
                record.partition(), record.offset(), exception.toString());
        return Response.resume(List.of(DeadLetter.ofRaw(record, "undecodable: " + exception)));
    }
}
