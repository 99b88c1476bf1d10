package io.tollgate.orchestrator.merchants;

import io.tollgate.common.crypto.Sha256;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.merchants.HookUrlQuery;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.PutHook;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.RotateSecret;
import io.tollgate.schema.UpsertMerchant;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.kafka.KafkaClientMeters;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partner-facing merchant and pre-confirmation hook configuration (design.md, "HTTP API"), in
 * Swft's shape. Reads answer from merchants.v1 through the {@link MerchantDirectory}. Writes append
 * a command to merchants.commands.v1 and answer once this process's view shows what the config
 * fold made of it — applied, refused, or an earlier request with the same Idempotency-Key whose
 * recorded answer (secret included) is replayed. The secret is generated here, sealed before it
 * leaves this class, and shown only in the answers to PUT and rotate.
 */
public final class MerchantApi implements HttpApi.Routes, AutoCloseable {
    static final String MERCHANT = "/v2/agencies/{agency}/merchants/{merchant}";
    static final String HOOK = MERCHANT + "/pre-confirmation";
    static final String ROTATE = HOOK + "/rotate-secret";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    static final String SECRET_PREFIX = "whsec_";

    private static final Logger log = LoggerFactory.getLogger(MerchantApi.class);
    private static final Pattern KEY_CHARS = Pattern.compile("[\\x21-\\x7E]{1,255}");

    /**
     * How the API behaves: dev mode (http and local hook URLs allowed), how long a write waits for
     * the fold before answering 503, how long a rotated-out secret keeps signing, the clock that
     * stamps commands.
     */
    public record Settings(boolean devMode, Duration writeTimeout, Duration secretGrace, Clock clock) {
        public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_SECRET_GRACE = Duration.ofHours(24);

        public static Settings from(TollgateConfig config) {
            return new Settings(config.devMode(), DEFAULT_WRITE_TIMEOUT, DEFAULT_SECRET_GRACE, Clock.systemUTC());
        }
    }

    /** Builds the answer once the fold has settled the command: from the recorded answer when there is one. */
    private interface Answer {
        Map<String, Object> of(MerchantConfig config, IdempotentAnswer recordedOrNull);
    }

    private final Settings settings;
    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final SecretBox secretBox;
    private final MerchantDirectory directory;
    private final Topic<String, MerchantCommand> commands;
    private final Producer<String, MerchantCommand> producer;
    private final ObjectMapper canonicalJson = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();

    /**
     * @param commands merchants.commands.v1 ({@code topics.merchantCommands()})
     * @param clients where the API's own producer connects; {@link #close()} closes that producer
     */
    public MerchantApi(Settings settings, PartnerAuth auth, JsonBodies bodies, SecretBox secretBox, MerchantDirectory directory,
            Topic<String, MerchantCommand> commands, KafkaClients clients) {
        this.settings = settings;
        this.auth = auth;
        this.bodies = bodies;
        this.secretBox = secretBox;
        this.directory = directory;
        this.commands = commands;
        this.producer = new KafkaProducer<>(clients.producer("tollgate-merchant-api-" + UUID.randomUUID()),
                commands.keySerde().serializer(), commands.valueSerde().serializer());
    }

    @Override
    public void addTo(Javalin app) {
        app.put(MERCHANT, this::putMerchant);
        app.get(MERCHANT, this::getMerchant);
        app.put(HOOK, this::putHook);
        app.get(HOOK, this::getHook);
        app.delete(HOOK, this::deleteHook);
        app.post(ROTATE, this::rotateSecret);
    }

    // ---- merchants ------------------------------------------------------------------------------

    private void putMerchant(Context ctx) {
        MerchantTarget target = target(ctx);
        String key = idempotencyKey(ctx, false);
        MerchantRequest request = MerchantRequest.parse(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT));
        String hash = requestHash("PUT", target.path(""), request.canonical());
        Answer answer = (config, recorded) -> merchantAnswer(target, request.displayName(), request.stripeAccount(),
                recorded != null ? recorded.getVersion() : config.getVersion());
        Optional<MerchantConfig> current = directory.find(target.agency(), target.merchant());
        if (replayed(ctx, current.orElse(null), key, hash, answer)) {
            return;
        }
        submit(ctx, target, key, hash, UpsertMerchant.newBuilder().setDisplayName(request.displayName())
                .setStripeAccount(request.stripeAccount()).build(), answer);
    }

    private void getMerchant(Context ctx) {
        MerchantTarget target = target(ctx);
        MerchantConfig config = existing(target);
        ctx.json(merchantAnswer(target, config.getDisplayName(), config.getStripeAccount(), config.getVersion()));
    }

    // ---- the pre-confirmation hook --------------------------------------------------------------

    private void putHook(Context ctx) {
        MerchantTarget target = target(ctx);
        String key = idempotencyKey(ctx, true);
        HookSettingsRequest request = HookSettingsRequest.parse(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT),
                settings.devMode());
        String hash = requestHash("PUT", target.path("/pre-confirmation"), request.canonical());
        Answer answer = (config, recorded) -> hookAnswer(recorded.getHook(), openSecret(target, recorded));
        MerchantConfig current = existing(target);
        if (replayed(ctx, current, key, hash, answer)) {
            return;
        }
        // the query may hold the merchant's token: it is sealed like a secret and shown redacted
        HookUrlQuery.Split url = HookUrlQuery.split(request.url());
        // the fold keeps this fresh secret only if the hook has none yet
        submit(ctx, target, key, hash, PutHook.newBuilder()
                .setUrl(url.shownUrl()).setSealedQuery(url.query() == null ? null
                        : secretBox.seal(url.query(), SealedFor.hookQuery(target.agency(), target.merchant())))
                .setFailMode(request.failMode()).setTimeoutMs(request.timeoutMs())
                .setMode(request.mode()).setPartnerWaitMinutes(request.partnerWaitMinutes())
                .setSecret(secretBox.seal(newSecret(), MerchantDirectory.secretPurpose(target.agency(), target.merchant())))
                .build(), answer);
    }

    private void getHook(Context ctx) {
        MerchantTarget target = target(ctx);
        MerchantConfig config = existing(target);
        if (config.getHook() == null) {
            throw ApiError.notFound("pre-confirmation hook of merchant " + target.merchant());
        }
        ctx.json(hookAnswer(config.getHook().getSnapshot(), null));
    }

    private void deleteHook(Context ctx) {
        MerchantTarget target = target(ctx);
        String key = idempotencyKey(ctx, false);
        String hash = requestHash("DELETE", target.path("/pre-confirmation"), Map.of());
        Answer answer = (config, recorded) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("deleted", true);
            body.put("version", recorded != null ? recorded.getVersion() : config.getVersion());
            return body;
        };
        MerchantConfig current = existing(target);
        if (replayed(ctx, current, key, hash, answer)) {
            return;
        }
        submit(ctx, target, key, hash, DeleteHook.newBuilder().build(), answer);
    }

    private void rotateSecret(Context ctx) {
        MerchantTarget target = target(ctx);
        String key = idempotencyKey(ctx, true);
        if (JsonBodies.bytes(ctx, JsonBodies.CONFIG_LIMIT).length > 0) {
            // no fields are defined: an empty body or {} only
            BodyFields.of(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT), java.util.Set.of());
        }
        String hash = requestHash("POST", target.path("/pre-confirmation/rotate-secret"), Map.of());
        Answer answer = (config, recorded) -> hookAnswer(recorded.getHook(), openSecret(target, recorded));
        MerchantConfig current = existing(target);
        if (replayed(ctx, current, key, hash, answer)) {
            return;
        }
        if (current.getHook() == null) {
            // the fold would refuse it too, but only after the command (and a sealed secret) was written
            throw new ApiError(404, "not_found", "merchant " + target.merchant() + " has no pre-confirmation hook to rotate "
                    + "the secret of", Map.of("reason", MerchantConfigFold.HOOK_NOT_FOUND));
        }
        submit(ctx, target, key, hash, RotateSecret.newBuilder()
                .setSecret(secretBox.seal(newSecret(), MerchantDirectory.secretPurpose(target.agency(), target.merchant())))
                .setGraceMs(settings.secretGrace().toMillis())
                .build(), answer);
    }

    // ---- writing through the fold ---------------------------------------------------------------

    /**
     * Answers right away when this Idempotency-Key is already recorded: the first answer again for
     * the same request, 422 for another.
     */
    private boolean replayed(Context ctx, MerchantConfig current, String key, String hash, Answer answer) {
        Optional<IdempotentAnswer> recorded = MerchantConfigFold.recorded(current, key);
        if (recorded.isEmpty()) {
            return false;
        }
        if (!recorded.get().getRequestHash().equals(hash)) {
            throw keyReused();
        }
        log.info("merchant_api_replay agency_id={} merchant_id={} command_id={} version={}", current.getAgencyId(),
                current.getMerchantId(), recorded.get().getCommandId(), recorded.get().getVersion());
        ctx.json(answer.of(current, recorded.get()));
        return true;
    }

    private void submit(Context ctx, MerchantTarget target, String key, String hash, SpecificRecord payload, Answer answer) {
        MerchantCommand command = MerchantCommand.newBuilder()
                .setCommandId("mcmd_" + UUID.randomUUID())
                .setAgencyId(target.agency()).setMerchantId(target.merchant())
                .setIssuedAt(settings.clock().instant())
                .setActor(target.caller().actor())
                .setIdempotencyKey(key).setRequestHash(hash)
                .setPayload(payload)
                .build();
        String commandId = command.getCommandId();
        // wait first, then send: the fold's answer cannot arrive before someone is waiting for it
        CompletableFuture<MerchantConfig> settled = directory.await(target.agency(), target.merchant(),
                config -> settles(config, commandId, key), settings.writeTimeout());
        try {
            producer.send(new ProducerRecord<>(commands.name(), MerchantDirectory.key(target.agency(), target.merchant()),
                    command), (metadata, error) -> {
                        if (error != null) {
                            settled.completeExceptionally(error);
                        }
                    });
        } catch (KafkaException e) {
            settled.completeExceptionally(e);
        }
        String type = payload.getClass().getSimpleName();
        // answered off the thread that completes the wait (the view's consumer), which must keep reading
        ctx.future(() -> settled.handleAsync((config, error) -> {
            try {
                if (error != null) {
                    throw failure(error);
                }
                Map<String, Object> body = settle(config, commandId, key, hash, answer);
                log.info("merchant_api_write agency_id={} merchant_id={} command_id={} type={} outcome=settled actor={}",
                        target.agency(), target.merchant(), commandId, type, target.caller().actor());
                ctx.status(200).json(body);
            } catch (ApiError e) {
                log.info("merchant_api_write agency_id={} merchant_id={} command_id={} type={} outcome=refused status={} "
                        + "code={} actor={}", target.agency(), target.merchant(), commandId, type, e.status(), e.code(),
                        target.caller().actor());
                ctx.status(e.status()).json(e.body());
            } catch (RuntimeException e) {
                log.error("merchant_api_write agency_id={} merchant_id={} command_id={} type={} outcome=error",
                        target.agency(), target.merchant(), commandId, type, e);
                ApiError internal = new ApiError(500, "internal_error", "something went wrong; it was logged");
                ctx.status(500).json(internal.body());
            }
            return null;
        }));
    }

    private static boolean settles(MerchantConfig config, String commandId, String key) {
        return commandId.equals(config.getLastCommandId())
                || config.getLastRejection() != null && commandId.equals(config.getLastRejection().getCommandId())
                || MerchantConfigFold.recorded(config, key).isPresent();
    }

    private Map<String, Object> settle(MerchantConfig config, String commandId, String key, String hash, Answer answer) {
        Optional<IdempotentAnswer> recorded = MerchantConfigFold.recorded(config, key);
        if (recorded.isPresent()) {
            // ours, or a concurrent request with the same key that the fold took first
            if (!recorded.get().getRequestHash().equals(hash)) {
                throw keyReused();
            }
            return answer.of(config, recorded.get());
        }
        Rejection rejection = config.getLastRejection();
        if (rejection != null && commandId.equals(rejection.getCommandId())) {
            throw refusal(rejection);
        }
        return answer.of(config, null);
    }

    private static ApiError failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ApiError apiError) {
            return apiError;
        }
        if (cause instanceof TimeoutException) {
            return new ApiError(503, "unavailable", "the change was sent but not confirmed in time; retry with the same "
                    + IDEMPOTENCY_KEY + " to get its answer", Map.of("retryable", true));
        }
        log.warn("merchant_api_send_failed error={}", String.valueOf(cause));
        return new ApiError(503, "unavailable", "the change could not be written; retry", Map.of("retryable", true));
    }

    private static ApiError refusal(Rejection rejection) {
        return switch (rejection.getCode()) {
            case MerchantConfigFold.IDEMPOTENCY_KEY_REUSED -> keyReused();
            case MerchantConfigFold.MERCHANT_NOT_FOUND, MerchantConfigFold.HOOK_NOT_FOUND ->
                    new ApiError(404, "not_found", rejection.getMessage(), Map.of("reason", rejection.getCode()));
            default -> new ApiError(409, rejection.getCode(), rejection.getMessage());
        };
    }

    private static ApiError keyReused() {
        return new ApiError(422, "idempotency_key_reused",
                "this " + IDEMPOTENCY_KEY + " was already used with a different request; use a new key for a new request",
                Map.of("header", IDEMPOTENCY_KEY));
    }

    // ---- request parts --------------------------------------------------------------------------

    private MerchantTarget target(Context ctx) {
        return MerchantTarget.of(ctx, auth, directory);
    }

    private MerchantConfig existing(MerchantTarget target) {
        return target.existing(directory);
    }

    private static String idempotencyKey(Context ctx, boolean required) {
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
    private String requestHash(String method, String path, Map<String, Object> canonicalBody) {
        try {
            return Sha256.hex(method + " " + path + "\n" + canonicalJson.writeValueAsString(canonicalBody));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot hash a request", e);
        }
    }

    private String newSecret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(bytes);
    }

    // ---- answers --------------------------------------------------------------------------------

    private String openSecret(MerchantTarget target, IdempotentAnswer recorded) {
        return recorded.getSecret() == null ? null : directory.open(recorded.getSecret(), target.agency(), target.merchant());
    }

    private static Map<String, Object> merchantAnswer(MerchantTarget target, String displayName, String stripeAccount, long version) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", target.merchant());
        body.put("agency_id", target.agency());
        body.put("display_name", displayName);
        body.put("stripe_account", stripeAccount);
        body.put("version", version);
        return body;
    }

    /** design.md's hook answer; {@code secret} only when given (PUT, rotate and their replays). */
    private static Map<String, Object> hookAnswer(HookSnapshot hook, String secret) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", hook.getUrl());
        if (secret != null) {
            body.put("secret", secret);
        }
        body.put("fail_mode", hook.getFailMode().name().toLowerCase(Locale.ROOT));
        body.put("timeout_ms", hook.getTimeoutMs());
        body.put("mode", hook.getMode().name().toLowerCase(Locale.ROOT));
        body.put("partner_wait_minutes", hook.getPartnerWaitMinutes());
        body.put("version", hook.getVersion());
        return body;
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
