package io.tollgate.common.lifecycle;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a service started, closed newest first — so nothing is closed while something started after
 * it still uses it — and every one closed even when an earlier close fails.
 */
public final class Resources implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Resources.class);

    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    /** Registers the resource for closing and returns it. */
    public synchronized <T extends AutoCloseable> T add(T resource) {
        started.push(resource);
        return resource;
    }

    @Override
    public synchronized void close() {
        while (!started.isEmpty()) {
            AutoCloseable resource = started.pop();
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("close failed resource={}", resource.getClass().getSimpleName(), e);
            }
        }
    }
}
