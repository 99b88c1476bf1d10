package io.tollgate.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A per-key state folded from every record of a topic, kept in memory by one consumer that reads
 * all partitions with {@code assign()} (no group, so every instance sees everything) and
 * {@code read_committed} (only what the exactly-once folds committed). The {@link Fold} says how
 * each record changes its key's state: {@link CompactedTopicView} keeps the latest value,
 * {@link #newest} the last few records. Requests wait on a key's state through
 * {@link KeyedWaiters}. Ready once it has caught up with the end offsets seen at start.
 *
 * <p>A view is only as fresh as its consumer: {@link #awaitCurrent()} is the read barrier for a
 * request whose answer depends on a write another instance may have acknowledged a moment ago.
 *
 * @param <V> the topic's values
 * @param <S> what the view keeps per key; treated as immutable, since request threads read it while
 *     the view's thread replaces it
 */
public class KeyedTopicView<V, S> implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KeyedTopicView.class);

    /**
     * Which key of the view a record belongs to: by default its own key; another (e.g. an endpoint a
     * delivery log record names) lets one view group a topic differently from its partitioning. Null
     * passes the record over.
     */
    public interface KeyOf<V> {
        String of(String recordKey, V value);
    }

    /** How one record changes a key's state. */
    public interface Fold<V, S> {
        /**
         * @param current the key's state, null before its first record
         * @param value the record's value, null for a tombstone
         * @return the new state; null forgets the key
         */
        S apply(S current, V value);
    }

    private final Topic<String, V> topic;
    private final KeyOf<V> keyOf;
    private final Fold<V, S> fold;
    private final KafkaConsumer<String, V> consumer;
    private final Map<String, S> states = new ConcurrentHashMap<>();
    private final KeyedWaiters<S> waiters = new KeyedWaiters<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final long tailPerPartition;
    private final Queue<CompletableFuture<Void>> barriers = new ConcurrentLinkedQueue<>();
    /** True while the view's thread waits in a long poll, which a barrier request then wakes. */
    private final AtomicBoolean waitingForRecords = new AtomicBoolean();
    private final Map<String, Object> adminConfig;
    /** Looks up end offsets for barriers; made on the first barrier, used by the view's thread only. */
    private Admin admin;
    private final Thread thread;
    private volatile boolean running = true;

    public KeyedTopicView(Topic<String, V> topic, Map<String, Object> consumerConfig, Fold<V, S> fold) {
        this(topic, consumerConfig, fold, Long.MAX_VALUE);
    }

    /**
     * @param tailPerPartition how many of each partition's last records to read at start: a log
     *     whose whole history would make start-up grow with traffic is read from near its end
     */
    public KeyedTopicView(Topic<String, V> topic, Map<String, Object> consumerConfig, Fold<V, S> fold, long tailPerPartition) {
        this(topic, consumerConfig, (recordKey, value) -> recordKey, fold, tailPerPartition);
    }

    /** As the others, with records grouped by {@code keyOf} rather than by their own keys. */
    public KeyedTopicView(Topic<String, V> topic, Map<String, Object> consumerConfig, KeyOf<V> keyOf, Fold<V, S> fold,
            long tailPerPartition) {
        if (tailPerPartition < 1) {
            throw new IllegalArgumentException("a view reads at least one record per partition, got " + tailPerPartition);
        }
        this.topic = topic;
        this.keyOf = keyOf;
        this.fold = fold;
        this.tailPerPartition = tailPerPartition;
        this.adminConfig = Map.copyOf(consumerConfig);
        Properties props = new Properties();
        props.putAll(consumerConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
        this.consumer = new KafkaConsumer<>(props, topic.keySerde().deserializer(), topic.valueSerde().deserializer());
        this.thread = new Thread(this::run, "view-" + topic.name());
        this.thread.setDaemon(true);
    }

    /**
     * The last {@code n} values of each key, oldest first, tombstones ignored: a recent history for
     * topics that are logs rather than tables.
     */
    public static <V> KeyedTopicView<V, List<V>> newest(Topic<String, V> topic, Map<String, Object> consumerConfig, int n) {
        return newest(topic, consumerConfig, n, Long.MAX_VALUE);
    }

    /** As {@link #newest(Topic, Map, int)}, reading only each partition's last {@code tailPerPartition} records at start. */
    public static <V> KeyedTopicView<V, List<V>> newest(Topic<String, V> topic, Map<String, Object> consumerConfig, int n,
            long tailPerPartition) {
        if (n < 1) {
            throw new IllegalArgumentException("a view of the newest records keeps at least one, got " + n);
        }
        return new KeyedTopicView<>(topic, consumerConfig, (current, value) -> {
            if (value == null) {
                return current;
            }
            List<V> kept = new ArrayList<>(current == null ? List.of() : current);
            kept.add(value);
            return List.copyOf(kept.subList(Math.max(0, kept.size() - n), kept.size()));
        }, tailPerPartition);
    }

    /** Binds the consumer's client metrics; close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(consumer, registry);
    }

    public KeyedTopicView<V, S> start() {
        thread.start();
        return this;
    }

    /** Starts the view and blocks until it has caught up, as a service does before it serves anything. */
    public void startCaughtUp(Duration timeout) throws InterruptedException {
        start();
        if (!awaitCaughtUp(timeout)) {
            throw new IllegalStateException("view of " + topic.name() + " did not catch up in " + timeout.toSeconds() + " s");
        }
    }

    /** Blocks until the view has read up to the end offsets seen at start. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    public Optional<S> get(String key) {
        return Optional.ofNullable(states.get(key));
    }

    /** The states of every key that starts with {@code prefix} (e.g. an agency's {@code agency/}), in no order. */
    public List<S> valuesWithKeyPrefix(String prefix) {
        List<S> found = new ArrayList<>();
        states.forEach((key, state) -> {
            if (key.startsWith(prefix)) {
                found.add(state);
            }
        });
        return found;
    }

    /** Completes with the key's first state (current or coming) that satisfies the condition. */
    public CompletableFuture<S> await(String key, Predicate<S> condition, Duration timeout) {
        CompletableFuture<S> future = waiters.await(key, condition, states.get(key), timeout);
        // the state was read before the waiter was registered: look again, now that every later
        // state is offered to it, so a state that arrived in between is not missed
        S now = states.get(key);
        try {
            if (now != null && condition.test(now)) {
                future.complete(now);
            }
        } catch (RuntimeException e) {
            future.completeExceptionally(e);
        }
        return future;
    }

    public int pendingWaiters() {
        return waiters.pending();
    }

    /**
     * Completes once the view holds everything the topic held when this was called (committed
     * records: the end offsets a {@code read_committed} consumer is given are the last stable ones).
     * Requests arriving together share one look-up of the end offsets.
     */
    public CompletableFuture<Void> awaitCurrent() {
        CompletableFuture<Void> barrier = new CompletableFuture<>();
        barriers.add(barrier);
        if (waitingForRecords.compareAndSet(true, false)) {
            consumer.wakeup();
        }
        return barrier;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(topic.name()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            Map<TopicPartition, Long> targets = new HashMap<>(consumer.endOffsets(partitions));
            Map<TopicPartition, Long> starts = consumer.beginningOffsets(partitions);
            for (TopicPartition partition : partitions) {
                long end = targets.get(partition);
                consumer.seek(partition, Math.max(starts.get(partition), end - Math.min(end, tailPerPartition)));
            }
            Round round = null;
            while (running) {
                try {
                    if (round == null && !barriers.isEmpty()) {
                        round = new Round(drain(), endOffsets(partitions));
                        // usually the view is there already: answer without waiting for a poll
                        if (round.reachedBy(consumer)) {
                            round.waiting.forEach(b -> b.complete(null));
                            round = null;
                            continue;
                        }
                    }
                    boolean idle = round == null;
                    if (idle) {
                        waitingForRecords.set(true);
                        if (!barriers.isEmpty()) {
                            // a barrier arrived after the check above; start its round first
                            waitingForRecords.set(false);
                            continue;
                        }
                    }
                    var records = UndecodableRecords.poll(consumer, Duration.ofMillis(idle ? 100 : 2), "view-" + topic.name(),
                            (partition, offset) -> { });
                    waitingForRecords.set(false);
                    for (ConsumerRecord<String, V> record : records) {
                        String key = keyOf.of(record.key(), record.value());
                        if (key == null) {
                            continue;
                        }
                        S state = fold.apply(states.get(key), record.value());
                        if (state == null) {
                            states.remove(key);
                        } else {
                            states.put(key, state);
                            waiters.offer(key, state);
                        }
                    }
                    if (caughtUp.getCount() > 0) {
                        targets.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
                        if (targets.isEmpty()) {
                            caughtUp.countDown();
                            log.info("view caught up topic={} keys={}", topic.name(), states.size());
                        }
                    }
                    if (round != null && round.reachedBy(consumer)) {
                        round.waiting.forEach(b -> b.complete(null));
                        round = null;
                    }
                } catch (WakeupException e) {
                    // a barrier request (or close) cut a wait short
                    waitingForRecords.set(false);
                }
            }
        } catch (RuntimeException e) {
            log.error("view stopped topic={}", topic.name(), e);
        } finally {
            IllegalStateException stopped = new IllegalStateException("view of " + topic.name() + " stopped");
            barriers.forEach(b -> b.completeExceptionally(stopped));
            consumer.close(Duration.ofSeconds(2));
            if (admin != null) {
                admin.close(Duration.ofSeconds(2));
            }
        }
    }

    /**
     * The partitions' last stable offsets, asked on a connection of their own: a broker answers one
     * connection's requests in order, so asking on the consumer's would wait behind its parked fetch.
     */
    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) {
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        try {
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin().listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
                    .get(30, TimeUnit.SECONDS).forEach((p, info) -> ends.put(p, info.offset()));
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("end offsets of " + topic.name() + " not available", e);
        }
    }

    private Admin admin() {
        if (admin == null) {
            Map<String, Object> config = new HashMap<>();
            adminConfig.forEach((key, value) -> {
                if (AdminClientConfig.configNames().contains(key)) {
                    config.put(key, value);
                }
            });
            config.put(AdminClientConfig.CLIENT_ID_CONFIG, "view-" + topic.name() + "-offsets");
            admin = Admin.create(config);
        }
        return admin;
    }

    private List<CompletableFuture<Void>> drain() {
        List<CompletableFuture<Void>> taken = new ArrayList<>();
        for (CompletableFuture<Void> b; (b = barriers.poll()) != null; ) {
            taken.add(b);
        }
        return taken;
    }

    /** Barrier requests answered together once the view reaches the end offsets looked up for them. */
    private record Round(List<CompletableFuture<Void>> waiting, Map<TopicPartition, Long> ends) {
        boolean reachedBy(KafkaConsumer<?, ?> consumer) {
            return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
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
