package io.tollgate.common.kafka;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far each consumer group is behind, per topic: the end offsets of the partitions it committed
 * on, minus what it committed, summed — the number an operator alerts on, measured the way
 * {@code kafka-consumer-groups --describe} does, whichever instance of the group does the work. Read
 * with an admin client on a timer, never on a record's path; the gauge shows the last reading.
 *
 * <p>A transactional topic (the journal) ends each transaction with a marker that takes an offset and
 * is never a record to commit past, so an idle group reads up to one per partition there. The clients'
 * own {@code records-lag} (their client metrics) counts records only, per consumer.
 */
public final class ConsumerGroupLag implements AutoCloseable {
    public static final String METRIC = "tollgate.consumer.group.lag";
    private static final Logger log = LoggerFactory.getLogger(ConsumerGroupLag.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    private record Key(String group, String topic) {
    }

    private final Admin admin;
    private final List<String> groups;
    private final MeterRegistry registry;
    private final Map<Key, AtomicLong> lags = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "consumer-group-lag");
        t.setDaemon(true);
        return t;
    });

    private ConsumerGroupLag(String bootstrapServers, List<String> groups, MeterRegistry registry) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "tollgate-consumer-group-lag"));
        this.groups = List.copyOf(groups);
        this.registry = registry;
    }

    /** Starts reading the groups' lag every {@code interval}, the first time at once. */
    public static ConsumerGroupLag start(String bootstrapServers, List<String> groups, MeterRegistry registry, Duration interval) {
        ConsumerGroupLag lag = new ConsumerGroupLag(bootstrapServers, groups, registry);
        lag.timer.scheduleWithFixedDelay(lag::readAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return lag;
    }

    private void readAll() {
        for (String group : groups) {
            try {
                read(group);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                // a broker away for a moment: the gauge keeps its last reading until the next one
                log.debug("consumer group lag not read group={} error={}", group, e.toString());
            }
        }
    }

    private void read(String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.forEach((partition, offset) -> {
            if (offset != null) {
                latest.put(partition, OffsetSpec.latest());
            }
        });
        if (latest.isEmpty()) {
            return;
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all()
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Long> perTopic = new HashMap<>();
        ends.forEach((partition, end) -> perTopic.merge(partition.topic(),
                Math.max(0, end.offset() - committed.get(partition).offset()), Long::sum));
        perTopic.forEach((topic, lag) -> gauge(group, topic).set(lag));
    }

    private AtomicLong gauge(String group, String topic) {
        return lags.computeIfAbsent(new Key(group, topic), key -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(METRIC, value, AtomicLong::get)
                    .description("Records (and transaction markers) a consumer group has not committed yet, per topic")
                    .tags("group", key.group(), "topic", key.topic())
                    .register(registry);
            return value;
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
