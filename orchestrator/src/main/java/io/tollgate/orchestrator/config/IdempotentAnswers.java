package io.tollgate.orchestrator.config;

import io.tollgate.schema.IdempotentAnswer;
import java.util.List;
import java.util.Optional;

/**
 * The recent Idempotency-Keys a config record keeps with their first answers (merchants, webhook
 * endpoints): the fold adds to them, and both the fold and the API look a key up.
 */
public final class IdempotentAnswers {
    /** How many keys a record remembers; older ones are forgotten first. */
    public static final int LIMIT = 100;
    /** The rejection code of a key already used with another request. */
    public static final String KEY_REUSED = "idempotency_key_reused";

    private IdempotentAnswers() {
    }

    /** The recorded first answer to an Idempotency-Key, if it is among the recent ones. */
    public static Optional<IdempotentAnswer> find(List<IdempotentAnswer> answers, String idempotencyKey) {
        if (answers == null || idempotencyKey == null) {
            return Optional.empty();
        }
        return answers.stream().filter(a -> a.getKey().equals(idempotencyKey)).findFirst();
    }

    /** Appends to a mutable list, dropping the oldest beyond {@code limit}. */
    public static <T> void addBounded(List<T> list, T item, int limit) {
        list.add(item);
        while (list.size() > limit) {
            list.remove(0);
        }
    }
}
