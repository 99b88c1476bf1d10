package io.tollgate.orchestrator.merchants;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.merchants.HookUrlQuery;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.common.signing.SigningSecrets;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.orchestrator.config.ConfigWriter;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.PutHook;
import io.tollgate.schema.RotateSecret;
import io.tollgate.schema.UpsertMerchant;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

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
    private interface Answer extends ConfigWriter.Answer<MerchantConfig> {
    }

    private final Settings settings;
    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final SecretBox secretBox;
    private final MerchantDirectory directory;
    private final ConfigWriter<MerchantCommand, MerchantConfig> writer;
    private final SigningSecrets secrets = new SigningSecrets();

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
        this.writer = new ConfigWriter<>("merchant", commands, clients, MerchantConfigFold.RECORDS,
                (key, condition, timeout) -> directory.await(key.substring(0, key.indexOf('/')),
                        key.substring(key.indexOf('/') + 1), condition, timeout),
                settings.writeTimeout(), Set.of(MerchantConfigFold.MERCHANT_NOT_FOUND, MerchantConfigFold.HOOK_NOT_FOUND));
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
                .setSecret(secretBox.seal(secrets.next(), MerchantDirectory.secretPurpose(target.agency(), target.merchant())))
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
        bodies.requireNoFields(ctx);
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
                .setSecret(secretBox.seal(secrets.next(), MerchantDirectory.secretPurpose(target.agency(), target.merchant())))
                .setGraceMs(settings.secretGrace().toMillis())
                .build(), answer);
    }

    // ---- writing through the fold ---------------------------------------------------------------

    private boolean replayed(Context ctx, MerchantConfig current, String key, String hash, Answer answer) {
        return writer.replayed(ctx, current, key, hash, 200, answer);
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
        writer.submit(ctx, new ConfigWriter.Write<>(target.key(), command.getCommandId(), command,
                payload.getClass().getSimpleName(), key, hash, 200, answer, "agency_id=" + target.agency() + " merchant_id="
                        + target.merchant() + " actor=" + target.caller().actor()));
    }

    // ---- request parts --------------------------------------------------------------------------

    private MerchantTarget target(Context ctx) {
        return MerchantTarget.of(ctx, auth, directory);
    }

    private MerchantConfig existing(MerchantTarget target) {
        return target.existing(directory);
    }

    private static String idempotencyKey(Context ctx, boolean required) {
        return ConfigWriter.idempotencyKey(ctx, required);
    }

    private String requestHash(String method, String path, Map<String, Object> canonicalBody) {
        return writer.requestHash(method, path, canonicalBody);
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
        return writer.bindMetrics(registry);
    }

    @Override
    public void close() {
        writer.close();
    }
}
