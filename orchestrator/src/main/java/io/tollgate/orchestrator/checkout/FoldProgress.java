package io.tollgate.orchestrator.checkout;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How far this instance's fold has got on each command partition: the offset of the last command
 * it folded. A read of the fold's store that finds nothing is only an answer once the fold has
 * folded everything the command log held when the read began (a create answered a moment ago on
 * another instance, or re-folded after a crash, may still be on its way).
 */
public final class FoldProgress {
    private final Map<Integer, Long> lastFolded = new ConcurrentHashMap<>();

    void processed(int partition, long offset) {
        lastFolded.merge(partition, offset, Math::max);
    }

    /** True once the command at {@code endOffset - 1} (the last one when the read began) has been folded here. */
    public boolean reached(int partition, long endOffset) {
        return endOffset == 0 || lastFolded.getOrDefault(partition, -1L) >= endOffset - 1;
    }
}
