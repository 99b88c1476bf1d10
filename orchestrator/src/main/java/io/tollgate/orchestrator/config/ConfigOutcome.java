package io.tollgate.orchestrator.config;

import io.tollgate.schema.Rejection;

/**
 * What a config fold made of one command. {@code config} is the record afterwards (null when there
 * is none); {@code written} says whether it is to be stored and published; {@code rejection} is set
 * when the command was refused (recorded in the record's {@code last_rejection} when one exists, so
 * the API waiting on it learns why); {@code change} names what happened, for the log.
 */
public record ConfigOutcome<V>(V config, boolean written, Rejection rejection, String change) {

    public static <V> ConfigOutcome<V> unchanged(V config) {
        return new ConfigOutcome<>(config, false, null, null);
    }

    public static <V> ConfigOutcome<V> changed(V config, String change) {
        return new ConfigOutcome<>(config, true, null, change);
    }

    public boolean rejected() {
        return rejection != null;
    }
}
