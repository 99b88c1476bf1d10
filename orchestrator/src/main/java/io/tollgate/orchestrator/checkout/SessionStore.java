package io.tollgate.orchestrator.checkout;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.Topic;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.schema.SessionState;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a session's state where the fold keeps it: the fold's own store, on whichever orchestrator
 * instance owns the session's partition (Kafka Streams interactive queries). A read this instance
 * cannot answer goes to the owner over HTTP ({@code GET /internal/v1/sessions/{id}}, with a token
 * every instance derives from the shared master key). No instance holds sessions in memory.
 *
 * <p>What it answers is the fold's state after the last command the fold folded; "no such session"
 * is only answered once the fold has folded everything the command log held when the read began,
 * so a session created a moment ago (or re-folded after a crash) is never reported missing.
 * During a rebalance, reads wait (bounded) for the partition to have an owner again.
 */
public final class SessionStore implements HttpApi.Routes, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SessionStore.class);
    static final String INTERNAL_PATH = "/internal/v1/sessions/";
    private static final String AVRO = "application/vnd.tollgate.session-state.v1+avro";
    private static final Duration RETRY_EVERY = Duration.ofMillis(20);

    /**
     * @param waitForOwner how long a read waits for a rebalancing partition to be served again
     * @param waitForFold how long "no such session" waits for the fold to reach the log's end
     */
    public record Settings(Duration waitForOwner, Duration waitForFold) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofSeconds(5));
        }
    }

    /** This instance does not own the session's partition (any more); the caller asks again. */
    static final class NotOwnerException extends RuntimeException {
        NotOwnerException(String message) {
            super(message, null, false, false);
        }
    }

    private final Supplier<KafkaStreams> streams;
    private final Supplier<HostInfo> self;
    private final Topic<String, SessionState> states;
    private final String commandsTopic;
    private final Admin admin;
    private final FoldProgress progress;
    private final String internalToken;
    private final Settings settings;
    private final Serializer<String> keys = Serdes.String().serializer();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "session-store-retries");
        t.setDaemon(true);
        return t;
    });

    public SessionStore(Supplier<KafkaStreams> streams, Supplier<HostInfo> self, Topic<String, SessionState> states, String commandsTopic,
            Admin admin, FoldProgress progress, SecretBox secrets, Settings settings) {
        this.streams = streams;
        this.self = self;
        this.states = states;
        this.commandsTopic = commandsTopic;
        this.admin = admin;
        this.progress = progress;
        this.internalToken = secrets.token("internal-api", "session-store");
        this.settings = settings;
    }

    /** The session as the fold has it, wherever its partition is served; empty when there is none. */
    public CompletableFuture<Optional<SessionState>> find(String sessionId) {
        return find(sessionId, true, System.nanoTime() + settings.waitForOwner().toNanos());
    }

    /**
     * As {@link #find}, but a miss is answered at once: the session may exist and not be folded
     * yet. For a caller that appends a command anyway and lets the fold decide.
     */
    public CompletableFuture<Optional<SessionState>> peek(String sessionId) {
        return find(sessionId, false, System.nanoTime() + settings.waitForOwner().toNanos());
    }

    private CompletableFuture<Optional<SessionState>> find(String sessionId, boolean confirmMiss, long giveUpAt) {
        KeyQueryMetadata owner;
        try {
            owner = streams.get().queryMetadataForKey(CheckoutFoldProcessor.SESSIONS_STORE, sessionId, keys);
        } catch (IllegalStateException e) {
            owner = KeyQueryMetadata.NOT_AVAILABLE;
        }
        CompletableFuture<Optional<SessionState>> read;
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
            read = CompletableFuture.failedFuture(new NotOwnerException("partition of " + sessionId + " has no owner yet"));
        } else if (owner.activeHost().equals(self.get())) {
            read = findHere(sessionId, owner.partition(), confirmMiss);
        } else {
            read = askOwner(owner.activeHost(), sessionId, confirmMiss);
        }
        return read.handle((found, error) -> {
            Throwable cause = error == null ? null : unwrap(error);
            if (cause instanceof NotOwnerException && System.nanoTime() < giveUpAt) {
                return later().thenCompose(ignored -> find(sessionId, confirmMiss, giveUpAt));
            }
            if (cause instanceof NotOwnerException) {
                return CompletableFuture.<Optional<SessionState>>failedFuture(
                        new ApiError(503, "session_store_unavailable", "the session's partition is moving between instances; retry"));
            }
            return error == null ? CompletableFuture.completedFuture(found) : CompletableFuture.<Optional<SessionState>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** This instance's store, if it owns the partition; a miss is confirmed against the command log's end. */
    private CompletableFuture<Optional<SessionState>> findHere(String sessionId, int partition, boolean confirmMiss) {
        Optional<SessionState> found;
        try {
            found = readLocal(sessionId, partition);
        } catch (NotOwnerException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (found.isPresent() || !confirmMiss) {
            return CompletableFuture.completedFuture(found);
        }
        TopicPartition commands = new TopicPartition(commandsTopic, partition);
        long deadline = System.nanoTime() + settings.waitForFold().toNanos();
        return admin.listOffsets(Map.of(commands, OffsetSpec.latest())).partitionResult(commands).toCompletionStage()
                .toCompletableFuture()
                .thenCompose(end -> whenFolded(partition, end.offset(), deadline))
                .thenApply(ignored -> readLocal(sessionId, partition));
    }

    private Optional<SessionState> readLocal(String sessionId, int partition) {
        try {
            ReadOnlyKeyValueStore<String, SessionState> store = streams.get().store(StoreQueryParameters
                    .fromNameAndType(CheckoutFoldProcessor.SESSIONS_STORE, QueryableStoreTypes.<String, SessionState>keyValueStore())
                    .withPartition(partition));
            return Optional.ofNullable(store.get(sessionId));
        } catch (InvalidStateStoreException e) {
            throw new NotOwnerException("store of partition " + partition + " not queryable here: " + e.getMessage());
        }
    }

    private CompletableFuture<Void> whenFolded(int partition, long endOffset, long deadlineNanos) {
        if (progress.reached(partition, endOffset)) {
            return CompletableFuture.completedFuture(null);
        }
        if (System.nanoTime() > deadlineNanos) {
            // the fold is far behind or stopped on this partition: answer from what it has, and say so
            log.warn("session read did not wait for the fold partition={} end_offset={}", partition, endOffset);
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> next = new CompletableFuture<>();
        timer.schedule(() -> whenFolded(partition, endOffset, deadlineNanos).whenComplete((v, e) -> next.complete(null)),
                2, TimeUnit.MILLISECONDS);
        return next;
    }

    private CompletableFuture<Optional<SessionState>> askOwner(HostInfo owner, String sessionId, boolean confirmMiss) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + owner.host() + ":" + owner.port() + INTERNAL_PATH + sessionId
                        + (confirmMiss ? "" : "?miss=as-is")))
                .header("Authorization", "Bearer " + internalToken).timeout(settings.waitForFold().plusSeconds(2)).GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            if (error != null) {
                log.warn("session read from owner failed owner={}:{} session_id={} error={}", owner.host(), owner.port(), sessionId,
                        String.valueOf(unwrap(error)));
                throw new NotOwnerException("owner " + owner + " did not answer");
            }
            return switch (response.statusCode()) {
                case 200 -> Optional.of(states.valueSerde().deserializer().deserialize(states.name(), response.body()));
                case 404 -> Optional.<SessionState>empty();
                case 421 -> throw new NotOwnerException("owner " + owner + " no longer owns " + sessionId);
                // the owner restarted and is still starting: it serves the partition again in a moment
                case 503 -> throw new NotOwnerException("owner " + owner + " is starting");
                default -> throw new IllegalStateException("owner " + owner + " answered " + response.statusCode()
                        + " for session " + sessionId);
            };
        });
    }

    /** The owner's side of {@link #askOwner}: never forwards again, so a read cannot travel in circles. */
    @Override
    public void addTo(Javalin app) {
        app.get(INTERNAL_PATH + "{id}", this::answerOwnerRead);
    }

    private void answerOwnerRead(Context ctx) {
        String presented = ctx.header("Authorization");
        String expected = "Bearer " + internalToken;
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiError(401, "unauthorized", "internal route");
        }
        String id = ctx.pathParam("id");
        KeyQueryMetadata owner = streams.get().queryMetadataForKey(CheckoutFoldProcessor.SESSIONS_STORE, id, keys);
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || !owner.activeHost().equals(self.get())) {
            throw new ApiError(421, "not_owner", "this instance does not serve session " + id);
        }
        boolean confirmMiss = !"as-is".equals(ctx.queryParam("miss"));
        ctx.future(() -> findHere(id, owner.partition(), confirmMiss).handle((found, error) -> {
            if (error != null) {
                ctx.status(421).json(new ApiError(421, "not_owner", "this instance does not serve session " + id).body());
            } else if (found.isEmpty()) {
                ctx.status(404).json(ApiError.notFound("session " + id).body());
            } else {
                ctx.contentType(AVRO).result(states.valueSerde().serializer().serialize(states.name(), found.get()));
            }
            return null;
        }));
    }

    private CompletableFuture<Void> later() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        timer.schedule(() -> done.complete(null), RETRY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
