package io.tollgate.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest value of every key of a compacted topic, kept in memory by one consumer that reads
 * all partitions with {@code assign()} (no group, so every instance sees everything) and
 * {@code read_committed} (only what the exactly-once fold committed). Requests wait on it through
 * {@link KeyedWaiters}. Ready once it has caught up with the end offsets seen at start.
 */
public final class CompactedTopicView<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CompactedTopicView.class);

    private final Topic<String, V> topic;
    private final KafkaConsumer<String, V> consumer;
    private final Map<String, V> latest = new ConcurrentHashMap<>();
    private final KeyedWaiters<V> waiters = new KeyedWaiters<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public CompactedTopicView(Topic<String, V> topic, Map<String, Object> consumerConfig) {
        this.topic = topic;
        Properties props = new Properties();
        props.putAll(consumerConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        this.consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        this.thread = new Thread(this::run, "view-" + topic.name());
        this.thread.setDaemon(true);
    }

    public CompactedTopicView<V> start() {
        thread.start();
        return this;
    }

    /** Blocks until the view has read up to the end offsets seen at start. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    public Optional<V> get(String key) {
        return Optional.ofNullable(latest.get(key));
    }

    /** Completes with the key's first value (current or coming) that satisfies the condition. */
    public java.util.concurrent.CompletableFuture<V> await(String key, Predicate<V> condition, Duration timeout) {
        return waiters.await(key, condition, latest.get(key), timeout);
    }

    public int pendingWaiters() {
        return waiters.pending();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> targets = new HashMap<>(consumer.endOffsets(partitions));
            while (running) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.value() == null) {
                        latest.remove(record.key());
                    } else {
                        latest.put(record.key(), record.value());
                        waiters.offer(record.key(), record.value());
                    }
                }
                if (caughtUp.getCount() > 0) {
                    targets.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (targets.isEmpty()) {
                        caughtUp.countDown();
                        log.info("view caught up topic={} keys={}", topic.name(), latest.size());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("view stopped topic={}", topic.name(), e);
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
