package io.tollgate.payment.standin;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Stripe's idempotency rules, per (account, Idempotency-Key): the first request to execute owns the key and
 * its answer is saved; the same request again gets that answer replayed; other parameters or another
 * endpoint get an idempotency_error; a request arriving while the owner is still executing gets a 409.
 * Keys are forgotten after 24 hours, as Stripe may prune them.
 */
final class IdempotencyStore {

    static final Duration RETENTION = Duration.ofHours(24);

    sealed interface Claim permits Owned, Replay, InUse, Mismatch {}

    /** The caller executes the request, then must {@link IdempotencyStore#save} or {@link IdempotencyStore#release}. */
    record Owned(String scopedKey) implements Claim {}

    record Replay(StandInResponse saved) implements Claim {}

    record InUse() implements Claim {}

    record Mismatch() implements Claim {}

    private record Entry(String endpoint, FormParams params, Instant firstSeen, StandInResponse saved) {}

    private final Map<String, Entry> entries = new HashMap<>();

    synchronized Claim claim(String account, String key, String endpoint, FormParams params, Instant now) {
        String scopedKey = (account == null ? "" : account) + "\n" + key;
        Entry entry = entries.get(scopedKey);
        if (entry != null && entry.saved() != null && entry.firstSeen().plus(RETENTION).isBefore(now)) {
            entries.remove(scopedKey);
            entry = null;
        }
        if (entry == null) {
            entries.put(scopedKey, new Entry(endpoint, params, now, null));
            return new Owned(scopedKey);
        }
        if (entry.saved() == null) {
            return new InUse();
        }
        if (!entry.endpoint().equals(endpoint) || !entry.params().equals(params)) {
            return new Mismatch();
        }
        return new Replay(entry.saved());
    }

    synchronized void save(Owned owned, StandInResponse response) {
        Entry entry = entries.get(owned.scopedKey());
        if (entry != null) {
            entries.put(owned.scopedKey(), new Entry(entry.endpoint(), entry.params(), entry.firstSeen(), response));
        }
    }

    /** Nothing executed (e.g. validation failed): the key is free again. */
    synchronized void release(Owned owned) {
        entries.remove(owned.scopedKey());
    }
}
