package io.tollgate.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SchemaLog} on a compacted, single-partition Kafka topic ({@code _tollgate_schemas} by
 * default), laid out like Confluent's {@code _schemas}: key
 * {@code {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}} with value
 * {@code {"subject","version","id","schema","deleted"}}, and key
 * {@code {"keytype":"CONFIG","subject":..|null,"magic":0}} with value {@code {"compatibilityLevel"}}.
 * Compaction keeps the last value per key, which is exactly what the registry needs back.
 *
 * <p>One partition, because ids are assigned in log order. The topic is created when missing and
 * refused when it has more partitions or is not compacted (retention would delete schemas whose
 * ids records still carry). Thread-safe; close it after the registry server that uses it.
 */
public final class KafkaSchemaLog implements SchemaLog, AutoCloseable {
    public static final String DEFAULT_TOPIC = "_tollgate_schemas";
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSchemaLog.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private final String topic;
    private final TopicPartition partition;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();
    private final KafkaProducer<String, String> producer;
    private final KafkaConsumer<String, String> consumer;

    public KafkaSchemaLog(String bootstrapServers) {
        this(bootstrapServers, DEFAULT_TOPIC);
    }

    public KafkaSchemaLog(String bootstrapServers, String topic) {
        this(Map.of("bootstrap.servers", bootstrapServers), topic, DEFAULT_TIMEOUT);
    }

    /**
     * @param clientConfig shared client settings (bootstrap.servers, security.*, sasl.*); the
     *                     producer, consumer and admin settings that matter here are fixed
     * @param topic        the log's topic, {@link #DEFAULT_TOPIC} unless tests need their own
     * @param timeout      bound on each Kafka round trip (topic check, append, read to end)
     */
    public KafkaSchemaLog(Map<String, ?> clientConfig, String topic, Duration timeout) {
        this.topic = topic;
        this.partition = new TopicPartition(topic, 0);
        this.timeout = timeout;
        ensureTopic(clientConfig);
        this.producer = new KafkaProducer<>(producerConfig(clientConfig), new StringSerializer(), new StringSerializer());
        try {
            this.consumer = new KafkaConsumer<>(consumerConfig(clientConfig), new StringDeserializer(), new StringDeserializer());
            consumer.assign(List.of(partition));
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
    }

    public String topic() {
        return topic;
    }

    @Override
    public synchronized void append(Entry entry) {
        ProducerRecord<String, String> record = new ProducerRecord<>(topic, 0, key(entry), value(entry));
        try {
            producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while storing " + describe(entry), e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw storeError("cannot store " + describe(entry) + " in " + topic + ": " + cause, cause);
        }
    }

    /** Reads the topic from its beginning to the end offset it had when this call started. */
    @Override
    public synchronized List<Entry> readAll() {
        consumer.seekToBeginning(List.of(partition));
        return readToEnd();
    }

    @Override
    public synchronized List<Entry> readNew() {
        return readToEnd();
    }

    @Override
    public synchronized void close() {
        producer.close(timeout);
        consumer.close(timeout);
    }

    private List<Entry> readToEnd() {
        List<Entry> entries = new ArrayList<>();
        try {
            long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (consumer.position(partition, timeout) < end) {
                if (System.nanoTime() > deadline) {
                    throw storeError("timed out reading " + topic + " to offset " + end, null);
                }
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.offset() < end) {
                        parse(record).ifPresent(entries::add);
                    }
                }
            }
            // records past the captured end were polled but not returned: step back so readNew sees them
            consumer.seek(partition, end);
        } catch (SchemaRegistryException e) {
            throw e;
        } catch (RuntimeException e) {
            throw storeError("cannot read " + topic + ": " + e, e);
        }
        return entries;
    }

    private Optional<Entry> parse(ConsumerRecord<String, String> record) {
        if (record.key() == null || record.value() == null) {
            return Optional.empty();
        }
        try {
            JsonNode key = json.readTree(record.key());
            JsonNode value = json.readTree(record.value());
            String subject = key.path("subject").isNull() ? null : key.path("subject").asText(null);
            switch (key.path("keytype").asText("")) {
                case "SCHEMA" -> {
                    if (value.path("deleted").asBoolean(false)) {
                        return Optional.empty();
                    }
                    return Optional.of(Entry.schema(value.path("subject").asText(subject),
                            value.path("version").asInt(), value.path("id").asInt(), value.path("schema").asText()));
                }
                case "CONFIG" -> {
                    return Optional.of(Entry.config(subject, value.path("compatibilityLevel").asText()));
                }
                default -> {
                    return Optional.empty();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("schema_log_record_skipped topic={} offset={} error={}", topic, record.offset(), e.toString());
            return Optional.empty();
        }
    }

    private String key(Entry entry) {
        ObjectNode key = json.createObjectNode();
        if (entry.isConfig()) {
            key.put("keytype", "CONFIG").put("subject", entry.subject()).put("magic", 0);
        } else {
            key.put("keytype", "SCHEMA").put("subject", entry.subject()).put("version", entry.version()).put("magic", 1);
        }
        return key.toString();
    }

    private String value(Entry entry) {
        if (entry.isConfig()) {
            return json.createObjectNode().put("compatibilityLevel", entry.compatibility()).toString();
        }
        return json.createObjectNode()
                .put("subject", entry.subject())
                .put("version", entry.version())
                .put("id", entry.id())
                .put("schema", entry.schema())
                .put("deleted", false)
                .toString();
    }

    private void ensureTopic(Map<String, ?> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent("client.id", "tollgate-schema-log-admin");
        try (Admin admin = Admin.create(config)) {
            try {
                NewTopic wanted = new NewTopic(topic, Optional.of(1), Optional.empty())
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
                admin.createTopics(List.of(wanted)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                LOG.info("schema_log_topic_created topic={}", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            TopicDescription description = onceVisible(deadline, () -> admin.describeTopics(Set.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic));
            if (description.partitions().size() != 1) {
                throw new IllegalStateException("schema log topic " + topic + " has " + description.partitions().size()
                        + " partitions; it needs exactly 1 so that ids follow log order");
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config topicConfig = onceVisible(deadline, () -> admin.describeConfigs(Set.of(resource)).all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource));
            String policy = topicConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
            if (!policy.equals(TopicConfig.CLEANUP_POLICY_COMPACT)) {
                throw new IllegalStateException("schema log topic " + topic + " has cleanup.policy=" + policy
                        + "; it must be compact, or retention deletes schemas that stored records still reference");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw storeError("interrupted while checking topic " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw storeError("cannot create or check schema log topic " + topic + ": " + cause, cause);
        }
    }

    private interface AdminCall<T> {
        T get() throws InterruptedException, ExecutionException, TimeoutException;
    }

    /**
     * A topic just created is not yet known to every part of the broker: describing it can answer
     * "unknown topic" for a moment. That answer is retried until the deadline; any other is not.
     */
    private static <T> T onceVisible(long deadlineNanos, AdminCall<T> call)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            try {
                return call.get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadlineNanos) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static Map<String, Object> producerConfig(Map<String, ?> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tollgate-schema-log-producer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return config;
    }

    private static Map<String, Object> consumerConfig(Map<String, ?> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tollgate-schema-log-reader");
        // assign() with no group: nothing is committed, every start reads the whole log
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    private static String describe(Entry entry) {
        return entry.isConfig()
                ? "compatibility " + entry.compatibility() + " of " + (entry.subject() == null ? "(global)" : entry.subject())
                : "schema id " + entry.id() + " as " + entry.subject() + " v" + entry.version();
    }

    private static SchemaRegistryException storeError(String message, Throwable cause) {
        return new SchemaRegistryException(500, SchemaRegistryException.STORE_ERROR, message, cause);
    }
}
