package io.tollgate.common.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Requests waiting for a key's value to satisfy a condition, completed as values arrive — without
 * a thread per waiting request. Every waiter ends: satisfied, or timed out and removed (so the
 * pending set never grows without bound).
 */
public final class KeyedWaiters<V> {
    private record Waiter<V>(Predicate<V> condition, CompletableFuture<V> future) {
    }

    private final Map<String, List<Waiter<V>>> byKey = new ConcurrentHashMap<>();

    /**
     * A future completed with the first value for {@code key} that satisfies the condition — checking
     * {@code current} first, after registering, so a value that arrived meanwhile is never missed —
     * or completed exceptionally with a TimeoutException after {@code timeout}.
     */
    public CompletableFuture<V> await(String key, Predicate<V> condition, V current, Duration timeout) {
        CompletableFuture<V> future = new CompletableFuture<>();
        Waiter<V> waiter = new Waiter<>(condition, future);
        byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(waiter);
        future.whenComplete((v, e) -> remove(key, waiter));
        if (current != null) {
            try {
                if (condition.test(current)) {
                    settle(key, waiter, current, null);
                }
            } catch (RuntimeException e) {
                settle(key, waiter, null, e);
            }
        }
        return future.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Offers a new value for the key to everyone waiting on it. */
    public void offer(String key, V value) {
        List<Waiter<V>> waiters = byKey.get(key);
        if (waiters == null) {
            return;
        }
        for (Waiter<V> waiter : waiters) {
            boolean satisfied;
            try {
                satisfied = waiter.condition().test(value);
            } catch (RuntimeException e) {
                settle(key, waiter, null, e);
                continue;
            }
            if (satisfied) {
                settle(key, waiter, value, null);
            }
        }
    }

    /** Whether anyone waits on this key: readers decode a record's value only for such keys. */
    public boolean isWaiting(String key) {
        return byKey.containsKey(key);
    }

    public int pending() {
        return byKey.values().stream().mapToInt(List::size).sum();
    }

    /** Removed before completed, so whoever the completion wakes sees it gone from {@link #pending()}. */
    private void settle(String key, Waiter<V> waiter, V value, RuntimeException error) {
        remove(key, waiter);
        if (error != null) {
            waiter.future().completeExceptionally(error);
        } else {
            waiter.future().complete(value);
        }
    }

    private void remove(String key, Waiter<V> waiter) {
        byKey.computeIfPresent(key, (k, list) -> {
            list.remove(waiter);
            return list.isEmpty() ? null : list;
        });
    }
}
