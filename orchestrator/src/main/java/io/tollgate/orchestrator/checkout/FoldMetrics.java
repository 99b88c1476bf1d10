package io.tollgate.orchestrator.checkout;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Counters of what the fold did with each command type: folded, dropped as duplicate, rejected, dead-lettered. */
public final class FoldMetrics {
    private final MeterRegistry registry;
    /** Looked up once per name and tags: registering on every command cost more than folding it. */
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public FoldMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Prometheus shows each meter's description as its HELP line; a parser may refuse an empty one. */
    private static final Map<String, String> DESCRIPTIONS = Map.of(
            "tollgate.fold.commands", "Commands the checkout fold folded or dropped as duplicates, by command type",
            "tollgate.fold.rejections", "Commands the checkout fold rejected (CommandRejected), by command type and code",
            "tollgate.fold.dead_letters", "Commands the checkout fold sent to its dead-letter topic");

    void folded(String commandType) {
        counter("tollgate.fold.commands", "type", commandType, "result", "folded").increment();
    }

    void dropped(String commandType) {
        counter("tollgate.fold.commands", "type", commandType, "result", "duplicate").increment();
    }

    void rejected(String commandType, String code) {
        counter("tollgate.fold.rejections", "type", commandType, "code", code).increment();
    }

    void deadLettered() {
        counter("tollgate.fold.dead_letters").increment();
    }

    private Counter counter(String name, String... tags) {
        List<String> id = new java.util.ArrayList<>(tags.length + 1);
        id.add(name);
        id.addAll(List.of(tags));
        return counters.computeIfAbsent(id, k -> Counter.builder(name).description(DESCRIPTIONS.get(name)).tags(tags)
                .register(registry));
    }
}
