package io.tollgate.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics a service needs and refuses to go on when a fold's inputs and outputs are not
 * co-partitioned (design.md: "services refuse to start otherwise"). Safe to run from every instance
 * at once: a topic another instance created first counts as existing.
 */
public final class TopicProvisioner {
    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int MAX_REPLICATION = 3;

    private TopicProvisioner() {
    }

    /**
     * Creates every missing topic (replication factor {@code min(3, brokers)}), leaves existing ones
     * as they are, and checks that all topics of each co-partition group, existing ones included,
     * have the same partition count.
     *
     * @return the partition count of each topic as it now is in the cluster
     * @throws IllegalStateException when a co-partition group is inconsistent, naming its topics and
     *     their counts; nothing is created in that case
     */
    public static Map<String, Integer> ensure(Admin admin, List<TopicSpec> specs) {
        return ensure(admin, specs, Optional.empty());
    }

    /** As {@link #ensure(Admin, List)}, creating missing topics with {@code replicationFactor} replicas when given. */
    public static Map<String, Integer> ensure(Admin admin, List<TopicSpec> specs, Optional<Integer> replicationFactor) {
        Map<String, TopicSpec> byName = new LinkedHashMap<>();
        for (TopicSpec spec : specs) {
            TopicSpec previous = byName.put(spec.name(), spec);
            if (previous != null && !previous.equals(spec)) {
                throw new IllegalArgumentException("topic " + spec.name() + " is specified twice, differently: "
                        + previous + " and " + spec);
            }
        }
        Map<String, Integer> existing = describe(admin, byName.keySet());
        checkCoPartitioning(byName.values(), existing);

        List<TopicSpec> missing = byName.values().stream().filter(s -> !existing.containsKey(s.name())).toList();
        if (!missing.isEmpty()) {
            create(admin, missing, replicationFactor(admin, replicationFactor));
        }
        Map<String, Integer> now = missing.isEmpty() ? existing : describeOnceVisible(admin, byName.keySet());
        // another instance may have created a missing topic differently between our checks
        checkCoPartitioning(byName.values(), now);
        byName.values().forEach(spec -> {
            int actual = now.get(spec.name());
            if (actual != spec.partitions()) {
                log.info("topic_partitions_differ topic={} wanted={} actual={}", spec.name(), spec.partitions(), actual);
            }
        });
        return now;
    }

    private static void checkCoPartitioning(Collection<TopicSpec> specs, Map<String, Integer> existing) {
        Map<String, Map<String, Integer>> groups = new TreeMap<>();
        for (TopicSpec spec : specs) {
            if (spec.coPartitionGroup() != null) {
                int partitions = existing.getOrDefault(spec.name(), spec.partitions());
                groups.computeIfAbsent(spec.coPartitionGroup(), g -> new TreeMap<>()).put(spec.name(), partitions);
            }
        }
        List<String> problems = new ArrayList<>();
        groups.forEach((group, counts) -> {
            if (counts.values().stream().distinct().count() > 1) {
                problems.add("co-partition group '" + group + "' has different partition counts: " + counts.entrySet()
                        .stream()
                        .map(e -> e.getKey() + "=" + e.getValue() + (existing.containsKey(e.getKey()) ? " (exists)" : " (to create)"))
                        .collect(Collectors.joining(", ")));
            }
        });
        if (!problems.isEmpty()) {
            throw new IllegalStateException("topics are not co-partitioned, refusing to start: " + String.join("; ", problems)
                    + ". Topics read or written together under one key need the same partition count; recreate the "
                    + "odd ones out or set TOLLGATE_PARTITIONS to match the existing topics.");
        }
    }

    /**
     * The replication factor of topics Tollgate creates, its folds' internal topics included: the configured one,
     * else {@code min(3, brokers)}.
     */
    public static short replicationFactor(Admin admin, Optional<Integer> configured) {
        if (configured.isPresent()) {
            return configured.get().shortValue();
        }
        int brokers = await(admin.describeCluster().nodes(), "describe the cluster").size();
        return (short) Math.max(1, Math.min(MAX_REPLICATION, brokers));
    }

    private static void create(Admin admin, List<TopicSpec> missing, short replication) {
        List<NewTopic> topics = missing.stream()
                .map(spec -> new NewTopic(spec.name(), spec.partitions(), replication).configs(spec.configs()))
                .toList();
        Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
        for (TopicSpec spec : missing) {
            try {
                results.get(spec.name()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                log.info("topic_created topic={} partitions={} replication_factor={} configs={}", spec.name(),
                        spec.partitions(), replication, spec.configs());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("cannot create topic " + spec.name() + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("creating topic " + spec.name() + " took longer than " + TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while creating topic " + spec.name(), e);
            }
        }
    }

    /**
     * Partition counts of the named topics, some just created: the broker that answers may not have applied
     * the controller's record yet and call one unknown, so ask until all are there.
     */
    private static Map<String, Integer> describeOnceVisible(Admin admin, Collection<String> names) {
        long until = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            Map<String, Integer> found = describe(admin, names);
            if (found.keySet().containsAll(names)) {
                return found;
            }
            if (System.nanoTime() > until) {
                List<String> unseen = names.stream().filter(n -> !found.containsKey(n)).toList();
                throw new IllegalStateException("topics created but still unknown after " + TIMEOUT + ": " + unseen);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for created topics", e);
            }
        }
    }

    /** Partition counts of those named topics that exist. */
    private static Map<String, Integer> describe(Admin admin, Collection<String> names) {
        Map<String, Integer> partitions = new LinkedHashMap<>();
        admin.describeTopics(names).topicNameValues().forEach((name, future) -> {
            try {
                TopicDescription description = future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                partitions.put(name, description.partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + name + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("describing topic " + name + " took longer than " + TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topic " + name, e);
            }
        });
        return partitions;
    }

    private static <T> T await(KafkaFuture<T> future, String what) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("could not " + what + " within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        }
    }
}
