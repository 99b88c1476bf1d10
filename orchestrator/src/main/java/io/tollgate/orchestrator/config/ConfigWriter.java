package io.tollgate.orchestrator.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.common.kafka.KafkaClientMeters;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topic;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.Rejection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the API changes configuration (merchants, webhook endpoints): it appends a command to the
 * command topic and answers once this process's view shows what the fold made of it — applied,
 * refused, or an earlier request with the same Idempotency-Key whose recorded answer is replayed.
 * Being the fold's only way in is what makes Idempotency-Keys safe under concurrency: the fold takes
 * the first, and every request with that key gets its answer.
 *
 * @param <C> the commands
 * @param <V> the configuration records the fold writes
 */
public final class ConfigWriter<C, V> implements AutoCloseable {
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Logger log = LoggerFactory.getLogger(ConfigWriter.class);
    private static final Pattern KEY_CHARS = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /** Where the writer waits for the fold's next record of a key: this process's view of the config topic. */
    public interface View<V> {
        /** Completes with the key's first record (current or coming) that satisfies the condition, or times out. */
        CompletableFuture<V> await(String key, Predicate<V> condition, Duration timeout);
    }

    /** Builds the answer once the fold has settled the command: from the recorded answer when there is one. */
    public interface Answer<V> {
        Map<String, Object> of(V config, IdempotentAnswer recordedOrNull);
    }

    /** One write: the command, its key and id, what identifies the request, and how it is answered. */
    public record Write<C, V>(String key, String commandId, C command, String type, String idempotencyKey, String requestHash,
            int status, Answer<V> answer, String describe) {
    }

    private final String name;
    private final Topic<String, C> commands;
    private final Producer<String, C> producer;
    private final ConfigRecords<V> records;
    private final View<V> view;
    private final Duration writeTimeout;
    private final Set<String> notFoundCodes;
    private final ObjectMapper canonicalJson = new ObjectMapper();

    /**
     * @param name names the log lines ({@code <name>_api_write})
     * @param notFoundCodes the fold's rejection codes that mean "no such thing" (404); the others are 409
     */
    public ConfigWriter(String name, Topic<String, C> commands, KafkaClients clients, ConfigRecords<V> records, View<V> view,
            Duration writeTimeout, Set<String> notFoundCodes) {
        this.name = name;
        this.commands = commands;
        this.records = records;
        this.view = view;
        this.writeTimeout = writeTimeout;
        this.notFoundCodes = Set.copyOf(notFoundCodes);
        this.producer = new KafkaProducer<>(clients.producer("tollgate-" + name + "-api-" + UUID.randomUUID()),
                commands.keySerde().serializer(), commands.valueSerde().serializer());
    }

    /**
     * Answers right away when this Idempotency-Key is already recorded: the first answer again for
     * the same request, 422 for another.
     */
    public boolean replayed(Context ctx, V current, String idempotencyKey, String requestHash, int status, Answer<V> answer) {
        Optional<IdempotentAnswer> recorded = current == null ? Optional.empty()
                : IdempotentAnswers.find(records.idempotency(current), idempotencyKey);
        if (recorded.isEmpty()) {
            return false;
        }
        if (!recorded.get().getRequestHash().equals(requestHash)) {
            throw keyReused();
        }
        log.info("{}_api_replay path={} command_id={} version={}", name, ctx.path(), recorded.get().getCommandId(),
                recorded.get().getVersion());
        ctx.status(status).json(answer.of(current, recorded.get()));
        return true;
    }

    /** Appends the command and answers the request once the fold has settled it (or 503 when it does not in time). */
    public void submit(Context ctx, Write<C, V> write) {
        // wait first, then send: the fold's answer cannot arrive before someone is waiting for it
        CompletableFuture<V> settled = view.await(write.key(),
                config -> settles(config, write.commandId(), write.idempotencyKey()), writeTimeout);
        try {
            producer.send(new ProducerRecord<>(commands.name(), write.key(), write.command()), (metadata, error) -> {
                if (error != null) {
                    settled.completeExceptionally(error);
                }
            });
        } catch (KafkaException e) {
            settled.completeExceptionally(e);
        }
        // answered off the thread that completes the wait (the view's consumer), which must keep reading
        ctx.future(() -> settled.handleAsync((config, error) -> {
            try {
                if (error != null) {
                    throw failure(error);
                }
                Map<String, Object> body = settle(config, write);
                log.info("{}_api_write {} command_id={} type={} outcome=settled", name, write.describe(), write.commandId(),
                        write.type());
                ctx.status(write.status()).json(body);
            } catch (ApiError e) {
                log.info("{}_api_write {} command_id={} type={} outcome=refused status={} code={}", name, write.describe(),
                        write.commandId(), write.type(), e.status(), e.code());
                ctx.status(e.status()).json(e.body());
            } catch (RuntimeException e) {
                log.error("{}_api_write {} command_id={} type={} outcome=error", name, write.describe(), write.commandId(),
                        write.type(), e);
                ApiError internal = new ApiError(500, "internal_error", "something went wrong; it was logged");
                ctx.status(500).json(internal.body());
            }
            return null;
        }));
    }

    private boolean settles(V config, String commandId, String idempotencyKey) {
        Rejection rejection = records.lastRejection(config);
        return commandId.equals(records.lastCommandId(config))
                || rejection != null && commandId.equals(rejection.getCommandId())
                || IdempotentAnswers.find(records.idempotency(config), idempotencyKey).isPresent();
    }

    private Map<String, Object> settle(V config, Write<C, V> write) {
        Optional<IdempotentAnswer> recorded = IdempotentAnswers.find(records.idempotency(config), write.idempotencyKey());
        if (recorded.isPresent()) {
            // ours, or a concurrent request with the same key that the fold took first
            if (!recorded.get().getRequestHash().equals(write.requestHash())) {
                throw keyReused();
            }
            return write.answer().of(config, recorded.get());
        }
        Rejection rejection = records.lastRejection(config);
        if (rejection != null && write.commandId().equals(rejection.getCommandId())) {
            throw refusal(rejection);
        }
        return write.answer().of(config, null);
    }

    private ApiError failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ApiError apiError) {
            return apiError;
        }
        if (cause instanceof TimeoutException) {
            return new ApiError(503, "unavailable", "the change was sent but not confirmed in time; retry with the same "
                    + IDEMPOTENCY_KEY + " to get its answer", Map.of("retryable", true));
        }
        log.warn("{}_api_send_failed error={}", name, String.valueOf(cause));
        return new ApiError(503, "unavailable", "the change could not be written; retry", Map.of("retryable", true));
    }

    private ApiError refusal(Rejection rejection) {
        if (rejection.getCode().equals(IdempotentAnswers.KEY_REUSED)) {
            return keyReused();
        }
        if (notFoundCodes.contains(rejection.getCode())) {
            return new ApiError(404, "not_found", rejection.getMessage(), Map.of("reason", rejection.getCode()));
        }
        return new ApiError(409, rejection.getCode(), rejection.getMessage());
    }

    public static ApiError keyReused() {
        return new ApiError(422, "idempotency_key_reused",
                "this " + IDEMPOTENCY_KEY + " was already used with a different request; use a new key for a new request",
                Map.of("header", IDEMPOTENCY_KEY));
    }

    /** The request's Idempotency-Key; null when absent and not required. */
    public static String idempotencyKey(Context ctx, boolean required) {
        String key = ctx.header(IDEMPOTENCY_KEY);
        if (key == null || key.isEmpty()) {
            if (required) {
                throw new ApiError(400, "idempotency_key_required", IDEMPOTENCY_KEY + ": header is required on this request",
                        Map.of("header", IDEMPOTENCY_KEY));
            }
            return null;
        }
        if (!KEY_CHARS.matcher(key).matches()) {
            throw new ApiError(400, "invalid_request", IDEMPOTENCY_KEY + ": must be 1-255 visible ASCII characters",
                    Map.of("header", IDEMPOTENCY_KEY));
        }
        return key;
    }

    /** SHA-256 over method, path and the canonical body: what tells a replay from a reused key. */
    public String requestHash(String method, String path, Map<String, Object> canonicalBody) {
        try {
            return Sha256.hex(method + " " + path + "\n" + canonicalJson.writeValueAsString(canonicalBody));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot hash a request", e);
        }
    }

    /** Binds the producer's client metrics; close the result to unbind. */
    public KafkaClientMetrics bindMetrics(MeterRegistry registry) {
        return KafkaClientMeters.bind(producer, registry);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
