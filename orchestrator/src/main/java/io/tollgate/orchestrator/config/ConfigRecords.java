package io.tollgate.orchestrator.config;

import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.Rejection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What every config record (a merchant, a webhook endpoint) keeps so that commands are settled once:
 * the last command applied, the last one refused and why, and the recent Idempotency-Keys with their
 * first answers. The fold reads it to drop repeats; the API reads it to learn what became of a write.
 */
public interface ConfigRecords<V> {
    String lastCommandId(V config);

    Rejection lastRejection(V config);

    List<IdempotentAnswer> idempotency(V config);

    static <V> ConfigRecords<V> of(Function<V, String> lastCommandId, Function<V, Rejection> lastRejection,
            Function<V, List<IdempotentAnswer>> idempotency) {
        return new ConfigRecords<>() {
            @Override
            public String lastCommandId(V config) {
                return lastCommandId.apply(config);
            }

            @Override
            public Rejection lastRejection(V config) {
                return lastRejection.apply(config);
            }

            @Override
            public List<IdempotentAnswer> idempotency(V config) {
                return idempotency.apply(config);
            }
        };
    }

    /**
     * What a fold answers before its own rules: unchanged for a command it already settled (the same command
     * id, or an Idempotency-Key recorded with the same request hash), or the code of a key recorded with
     * another request ({@link IdempotentAnswers#KEY_REUSED}); empty when the command is new.
     */
    default Optional<String> alreadySettled(V current, String commandId, String idempotencyKey, String requestHash) {
        if (current == null) {
            return Optional.empty();
        }
        Rejection rejection = lastRejection(current);
        if (commandId.equals(lastCommandId(current)) || rejection != null && commandId.equals(rejection.getCommandId())) {
            return Optional.of(UNCHANGED);
        }
        return IdempotentAnswers.find(idempotency(current), idempotencyKey)
                .map(recorded -> recorded.getRequestHash().equals(requestHash) ? UNCHANGED : IdempotentAnswers.KEY_REUSED);
    }

    /** {@link #alreadySettled}'s answer for a command that changes nothing. */
    String UNCHANGED = "unchanged";
}
