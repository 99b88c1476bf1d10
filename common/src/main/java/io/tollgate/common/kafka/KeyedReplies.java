package io.tollgate.common.kafka;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests waiting for what a fold writes next under their key, for an API that appends a command
 * and answers with its result. One consumer reads every partition ({@code assign()}, no group) from
 * the end offsets at start, with the settings of {@link KafkaClients#consumerOfFoldOutput}, and
 * decodes a record's value only when a request here waits on its key: memory and decoding follow
 * the requests in flight, not the topic's size or traffic. Whatever the topic held before start is
 * the business of whoever reads the current value (the fold's own store); a waiter gets that value
 * as {@code current} and everything written after it registered.
 */
public final class KeyedReplies<V> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyedReplies.class);

    private final Topic<String, V> topic;
    private final Deserializer<V> values;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KeyedWaiters<V> waiters = new KeyedWaiters<>();
    private final CountDownLatch positioned = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public KeyedReplies(Topic<String, V> topic, Map<String, Object> consumerConfig) {
        this.topic = topic;
        this.values = topic.valueSerde().deserializer();
        Properties props = new Properties();
        props.putAll(consumerConfig);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "replies-" + topic.name());
        this.thread.setDaemon(true);
    }

    public KeyedReplies<V> start() {
        thread.start();
        return this;
    }

    /** Blocks until the consumer stands at the topic's end: from then on nothing written is missed. */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        return positioned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Completes with the first value for {@code key} that satisfies the condition: {@code current}
     * (what the caller read before), or one written after this call. Register before appending the
     * command whose result is awaited, so the result cannot slip past.
     */
    public CompletableFuture<V> await(String key, Predicate<V> condition, V current, Duration timeout) {
        return waiters.await(key, condition, current, timeout);
    }

    /** Binds the consumer's client metrics; close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(consumer, registry);
    }

    public int pendingWaiters() {
        return waiters.pending();
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            positioned.countDown();
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    if (record.value() == null || !waiters.isWaiting(record.key())) {
                        continue;
                    }
                    V value;
                    try {
                        value = values.deserialize(record.topic(), record.value());
                    } catch (RuntimeException e) {
                        log.error("undecodable record skipped reader=replies-{} partition={} offset={} error={}", topic.name(),
                                record.partition(), record.offset(), String.valueOf(e));
                        continue;
                    }
                    waiters.offer(record.key(), value);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            log.error("replies stopped topic={}", topic.name(), e);
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
