package io.tollgate.launcher;

import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.WebhookCommand;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The dead-letter topics as {@code tollgate dlq} sees them: each holds what one fold could not
 * process, in {@link DeadLetter}'s layout, and its letters go back only to that fold's command topic.
 */
final class DeadLetterQueues {
    /** What {@code --topic} accepts. */
    static final List<String> SELECTIONS = List.of("checkout", "merchants", "webhooks", "all");

    /** A dead-letter topic, the command topic whose dead letters it holds, and how to read one of its commands. */
    record Queue(String name, Topic<String, byte[]> topic, String commandTopic, Function<byte[], CommandSummary> decoder) {
    }

    /** What identifies a command: its payload type, its id, and the session or merchant it is for. */
    record CommandSummary(String type, String commandId, String subjectField, String subject) {
    }

    /** Where a record is: {@code topic:partition:offset}, as {@code list} prints it and {@code resend --offset} takes it. */
    record Position(String topic, int partition, long offset) {
        static Position of(ConsumerRecord<?, ?> record) {
            return new Position(record.topic(), record.partition(), record.offset());
        }

        /** Kafka topic names cannot hold ':', so the last two fields are always partition and offset. */
        static Position parse(String text) {
            int second = text.lastIndexOf(':');
            int first = second <= 0 ? -1 : text.lastIndexOf(':', second - 1);
            if (first <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not TOPIC:PARTITION:OFFSET");
            }
            try {
                Position position = new Position(text.substring(0, first), Integer.parseInt(text.substring(first + 1, second)),
                        Long.parseLong(text.substring(second + 1)));
                if (position.partition < 0 || position.offset < 0) {
                    throw new NumberFormatException("negative");
                }
                return position;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not TOPIC:PARTITION:OFFSET (partition and offset are numbers)");
            }
        }

        @Override
        public String toString() {
            return topic + ":" + partition + ":" + offset;
        }
    }

    /** A dead letter as read back, with its command when the bytes decode, or why they do not. */
    record Letter(Queue queue, ConsumerRecord<String, byte[]> record, CommandSummary command, String undecodable) {
        Position position() {
            return Position.of(record);
        }

        Instant timestamp() {
            return Instant.ofEpochMilli(record.timestamp());
        }

        Optional<String> error() {
            return header(DeadLetter.ERROR_HEADER);
        }

        Optional<String> sourceTopic() {
            return header(DeadLetter.SOURCE_TOPIC_HEADER);
        }

        private Optional<String> header(String name) {
            Header header = record.headers().lastHeader(name);
            return header == null || header.value() == null
                    ? Optional.empty() : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
        }
    }

    private final ClusterReader cluster;
    private final List<Queue> queues;

    DeadLetterQueues(ClusterReader cluster) {
        this.cluster = cluster;
        Topics topics = cluster.topics();
        this.queues = List.of(
                new Queue("checkout", topics.checkoutCommandsDlq(), topics.checkoutCommands().name(),
                        decoder(topics.checkoutCommands(), DeadLetterQueues::summary)),
                new Queue("merchants", topics.merchantCommandsDlq(), topics.merchantCommands().name(),
                        decoder(topics.merchantCommands(), DeadLetterQueues::summary)),
                new Queue("webhooks", topics.webhookCommandsDlq(), topics.webhookCommands().name(),
                        decoder(topics.webhookCommands(), DeadLetterQueues::summary)));
    }

    /** The queues {@code --topic} names: one of {@link #SELECTIONS}. */
    List<Queue> select(String selection) {
        return queues.stream().filter(q -> selection.equals("all") || q.name().equals(selection)).toList();
    }

    /** The queue whose topic this is, if it is a dead-letter topic at all. */
    Optional<Queue> queueOf(String topic) {
        return queues.stream().filter(q -> q.topic().name().equals(topic)).findFirst();
    }

    List<String> topicNames() {
        return queues.stream().map(q -> q.topic().name()).toList();
    }

    /** Every dead letter the queues hold, queue by queue, in log order. */
    List<Letter> read(List<Queue> selected) {
        List<Letter> letters = new ArrayList<>();
        for (Queue queue : selected) {
            for (ClusterReader.Read<byte[]> read : cluster.readAll(queue.topic())) {
                letters.add(letter(queue, read.record()));
            }
        }
        return letters;
    }

    private static Letter letter(Queue queue, ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            return new Letter(queue, record, null, "no value");
        }
        try {
            return new Letter(queue, record, queue.decoder().apply(record.value()), null);
        } catch (RuntimeException e) {
            return new Letter(queue, record, null, e.toString());
        }
    }

    /**
     * Why this letter must not go back, if it must not: it was not written by a fold, it names
     * another source, or its bytes would not decode there (the fold would only dead-letter them
     * again).
     */
    static Optional<String> refusal(Letter letter) {
        Position at = letter.position();
        if (letter.error().isEmpty() || letter.sourceTopic().isEmpty()) {
            return Optional.of(at + " has no " + DeadLetter.ERROR_HEADER + " or " + DeadLetter.SOURCE_TOPIC_HEADER
                    + " header: it is not a dead letter a Tollgate fold wrote");
        }
        String source = letter.sourceTopic().get();
        if (!source.equals(letter.queue().commandTopic())) {
            return Optional.of(at + " names source topic '" + source + "'; dead letters of " + letter.queue().topic().name()
                    + " go back only to " + letter.queue().commandTopic());
        }
        if (letter.command() == null) {
            return Optional.of(at + " does not decode as a " + source + " command (" + letter.undecodable()
                    + "); the fold could not read it either");
        }
        return Optional.empty();
    }

    /** The dead letter as it goes back: same key, bytes and headers, Tollgate's old headers replaced by where it was. */
    static ProducerRecord<String, byte[]> resendRecord(Letter letter) {
        RecordHeaders headers = new RecordHeaders();
        for (Header header : letter.record().headers()) {
            if (!header.key().startsWith(DeadLetter.HEADER_PREFIX)) {
                headers.add(header);
            }
        }
        headers.add(DeadLetter.RESENT_FROM_HEADER, letter.position().toString().getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(letter.sourceTopic().orElseThrow(), null, letter.record().key(), letter.record().value(), headers);
    }

    private static <C> Function<byte[], CommandSummary> decoder(Topic<String, C> commands, Function<C, CommandSummary> summary) {
        var deserializer = commands.valueSerde().deserializer();
        return bytes -> summary.apply(deserializer.deserialize(commands.name(), bytes));
    }

    private static CommandSummary summary(CheckoutCommand c) {
        return new CommandSummary(c.getPayload().getClass().getSimpleName(), c.getCommandId(), "session_id", c.getSessionId());
    }

    private static CommandSummary summary(WebhookCommand c) {
        return new CommandSummary(c.getPayload().getClass().getSimpleName(), c.getCommandId(), "endpoint",
                EndpointDirectory.key(c.getAgencyId(), c.getEndpointId()));
    }

    private static CommandSummary summary(MerchantCommand c) {
        return new CommandSummary(c.getPayload().getClass().getSimpleName(), c.getCommandId(), "merchant",
                MerchantDirectory.key(c.getAgencyId(), c.getMerchantId()));
    }
}
