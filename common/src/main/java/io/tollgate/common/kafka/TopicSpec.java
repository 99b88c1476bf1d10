package io.tollgate.common.kafka;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a topic is created: name, partition count, topic configs (e.g. {@code cleanup.policy},
 * {@code retention.ms}) and, for the inputs and outputs of one fold, the co-partition group whose
 * members must all have the same partition count (null when the topic stands alone).
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs, String coPartitionGroup) {
    private static final Pattern LEGAL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (!LEGAL_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("illegal Kafka topic name '" + name + "'");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + " needs at least one partition, got " + partitions);
        }
        configs = configs == null ? Map.of() : Map.copyOf(configs);
        if (coPartitionGroup != null && coPartitionGroup.isBlank()) {
            throw new IllegalArgumentException("topic " + name + ": a co-partition group must have a name (or be null)");
        }
    }

    /** A standalone topic with the broker's default configs. */
    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of(), null);
    }
}
