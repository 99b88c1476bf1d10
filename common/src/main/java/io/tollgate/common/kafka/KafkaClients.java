package io.tollgate.common.kafka;

import io.tollgate.common.config.TollgateConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Client settings shared by every service, in one place. Tuned for a request/reply path: no
 * linger on producers, short fetch waits, exactly-once Streams with a short commit interval
 * (each exactly-once hop costs about the commit interval; see docs/operations.md).
 */
public final class KafkaClients {
    private final String bootstrapServers;
    private final GroupMembership membership;

    /**
     * How this process's group members (the workers' consumers, the folds) join their groups.
     *
     * @param instanceId null for dynamic membership; else this process's stable name among its service's
     *     instances, Kafka's {@code group.instance.id}: a restarted member with the same id takes its partitions
     *     back at once, without a rebalance and without waiting for its predecessor's session to time out
     * @param sessionTimeoutMs how long a silent member keeps its partitions before they move to another instance
     */
    public record GroupMembership(String instanceId, long sessionTimeoutMs) {
        public static GroupMembership of(TollgateConfig config) {
            return new GroupMembership(config.instanceId().orElse(null), config.kafkaSessionTimeoutMs());
        }
    }

    /** Group members join with Kafka's defaults (dynamic membership, 45 s session timeout). */
    public KafkaClients(String bootstrapServers) {
        this(bootstrapServers, null);
    }

    /** Group members join as {@code membership} says (null: Kafka's defaults). */
    public KafkaClients(String bootstrapServers, GroupMembership membership) {
        this.bootstrapServers = bootstrapServers;
        this.membership = membership;
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Idempotent, acks=all, linger 0: commands are small and a shopper waits on them. */
    public Map<String, Object> producer(String clientId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return c;
    }

    /**
     * For logs nobody waits on (the hook-call log, expiry commands): records wait up to 50 ms to
     * travel together, so a busy system sends a few requests a second instead of one per record.
     */
    public Map<String, Object> backgroundProducer(String clientId) {
        Map<String, Object> c = producer(clientId);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        return c;
    }

    /** read_committed, manual commits; {@code groupId} null for assign()-only readers. */
    public Map<String, Object> consumer(String clientId, String groupId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        if (groupId != null) {
            c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
            if (membership != null) {
                // one group member per group and process (each worker has one consumer), so the id is unique in its group
                if (membership.instanceId() != null) {
                    c.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, membership.instanceId());
                }
                c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) membership.sessionTimeoutMs());
            }
        }
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // A fetch parked at the broker returns as soon as a record arrives; this only bounds how often
        // an idle consumer asks again (no other request of its own shares the fetch's connection).
        c.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        return c;
    }

    /**
     * For readers of what the checkout fold writes on a shopper's path (workers, the API's replies):
     * {@code read_uncommitted}, so they see the fold's output as soon as it is written rather than at
     * its next transaction commit. Safe because the fold is deterministic and reads only durable,
     * non-transactional commands: an aborted output is written again, identically, when the same
     * commands are folded again, and every reader dedupes by event id (docs/design/confirm-path.md).
     */
    public Map<String, Object> consumerOfFoldOutput(String clientId, String groupId) {
        Map<String, Object> c = consumer(clientId, groupId);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return c;
    }

    public Map<String, Object> streams(String applicationId, Path stateDir, long commitIntervalMs, int replicationFactor) {
        Map<String, Object> c = new HashMap<>();
        c.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        c.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        c.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        c.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        c.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
        c.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        c.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 0);
        // a write refused with CONCURRENT_TRANSACTIONS just after a commit is retried at once rather than
        // after the default 100 ms (see EmbeddedKafka, and docs/operations.md for real brokers)
        c.put(StreamsConfig.producerPrefix(ProducerConfig.RETRY_BACKOFF_MS_CONFIG), 2);
        // With transactions v2 a refused first batch makes every batch pipelined behind it fail as out of
        // order, and each is retried in turn; one request in flight keeps a refusal to one retry.
        c.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION), 1);
        c.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 500);
        c.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterOnBadRecord.class);
        if (membership != null) {
            if (membership.instanceId() != null) {
                // Streams adds each thread's index to it
                c.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), membership.instanceId());
            }
            c.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int) membership.sessionTimeoutMs());
        }
        return c;
    }
}
