package io.tollgate.orchestrator.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps test calls ({@code POST …/pre-confirmation/test}, {@code POST …/webhook-endpoints/{id}/test})
 * from being a way to hammer a URL: per receiver, one test at a time and a few per minute (429
 * beyond). Per API instance; tests are rare, so one lock is plenty.
 */
public final class TestCallGate {
    static final Duration WINDOW = Duration.ofMinutes(1);

    private final int perMinute;
    private final Clock clock;
    private final Set<String> running = new HashSet<>();
    private final Map<String, Deque<Instant>> recentStarts = new HashMap<>();

    public TestCallGate(int perMinute, Clock clock) {
        if (perMinute < 1) {
            throw new IllegalArgumentException("at least one test per minute, got " + perMinute);
        }
        this.perMinute = perMinute;
        this.clock = clock;
    }

    /** Admits a test for the receiver; every admitted test must {@link #leave}. */
    public synchronized void enter(String receiverKey) {
        if (running.contains(receiverKey)) {
            throw new ApiError(429, "test_in_progress", "a test call to this receiver is already running; wait for its answer");
        }
        Instant now = clock.instant();
        Instant windowStart = now.minus(WINDOW);
        recentStarts.values().forEach(starts -> {
            while (!starts.isEmpty() && !starts.peekFirst().isAfter(windowStart)) {
                starts.pollFirst();
            }
        });
        recentStarts.values().removeIf(Deque::isEmpty);
        Deque<Instant> starts = recentStarts.computeIfAbsent(receiverKey, k -> new ArrayDeque<>());
        if (starts.size() >= perMinute) {
            long retryAfter = Math.max(1, Duration.between(now, starts.peekFirst().plus(WINDOW)).toSeconds() + 1);
            throw new ApiError(429, "test_rate_limited", "at most " + perMinute + " test calls per minute to one receiver",
                    Map.of("retry_after_seconds", retryAfter));
        }
        starts.addLast(now);
        running.add(receiverKey);
    }

    public synchronized void leave(String receiverKey) {
        running.remove(receiverKey);
    }
}
