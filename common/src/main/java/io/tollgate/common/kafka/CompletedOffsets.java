package io.tollgate.common.kafka;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The records a worker has taken on and not yet committed, per partition, in offset order, each
 * with the future of its work. What may be committed is the offset after the last of an unbroken
 * run of finished records from the start: a crash redoes work, but never skips it. Used by the
 * poll thread only.
 */
final class CompletedOffsets {
    private record Taken(long offset, CompletableFuture<?> done) {
    }

    private final Map<TopicPartition, Deque<Taken>> taken = new HashMap<>();

    /** Records that a record's work has started; the future completes when it is done. */
    void add(TopicPartition partition, long offset, CompletableFuture<?> done) {
        taken.computeIfAbsent(partition, p -> new ArrayDeque<>()).add(new Taken(offset, done));
    }

    /** Records a record passed over (one that does not decode): nothing to wait for. */
    void skip(TopicPartition partition, long offset) {
        add(partition, offset, CompletableFuture.completedFuture(null));
    }

    /** Forgets partitions this worker no longer owns. */
    void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(taken::remove);
    }

    int pending() {
        return taken.values().stream().mapToInt(Deque::size).sum();
    }

    /** The offsets to commit now, dropping what they cover. */
    Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        taken.forEach((partition, queue) -> {
            Long next = null;
            while (!queue.isEmpty() && queue.peekFirst().done().isDone()) {
                next = queue.pollFirst().offset() + 1;
            }
            if (next != null) {
                offsets.put(partition, new OffsetAndMetadata(next));
            }
        });
        return offsets;
    }
}
