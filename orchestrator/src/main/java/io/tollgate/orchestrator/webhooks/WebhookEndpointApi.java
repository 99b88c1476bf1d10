package io.tollgate.orchestrator.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.signing.SigningSecrets;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.orchestrator.config.ConfigWriter;
import io.tollgate.schema.DeleteEndpoint;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.RotateEndpointSecret;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;

/**
 * The partner-facing webhook endpoints of an agency: create, list, read, change, delete, rotate the
 * secret. Reads answer from webhooks.endpoints.v1 through the {@link EndpointDirectory}; writes go
 * through webhooks.commands.v1 and the endpoint fold ({@link ConfigWriter}), so concurrent requests
 * with one Idempotency-Key make one endpoint and one secret. The secret is generated here, sealed
 * before it leaves this class, and shown only in the answers to create and rotate.
 */
public final class WebhookEndpointApi implements HttpApi.Routes, AutoCloseable {
    static final String ROTATE = EndpointTarget.ENDPOINT_PATH + "/rotate-secret";

    /**
     * How the API behaves: dev mode (http and local URLs allowed), how long a write waits for the fold
     * before answering 503, how long a rotated-out secret keeps signing, the clock that stamps commands.
     */
    public record Settings(boolean devMode, Duration writeTimeout, Duration secretGrace, Clock clock) {
        public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(10);
        public static final Duration DEFAULT_SECRET_GRACE = Duration.ofHours(24);

        public static Settings from(TollgateConfig config) {
            return new Settings(config.devMode(), DEFAULT_WRITE_TIMEOUT, DEFAULT_SECRET_GRACE, Clock.systemUTC());
        }
    }

    private final Settings settings;
    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final SecretBox secretBox;
    private final EndpointDirectory directory;
    private final ConfigWriter<WebhookCommand, WebhookEndpoint> writer;
    private final SigningSecrets secrets = new SigningSecrets();

    /**
     * @param commands webhooks.commands.v1 ({@code topics.webhookCommands()})
     * @param clients where the API's own producer connects; {@link #close()} closes that producer
     */
    public WebhookEndpointApi(Settings settings, PartnerAuth auth, JsonBodies bodies, SecretBox secretBox,
            EndpointDirectory directory, Topic<String, WebhookCommand> commands, KafkaClients clients) {
        this.settings = settings;
        this.auth = auth;
        this.bodies = bodies;
        this.secretBox = secretBox;
        this.directory = directory;
        this.writer = new ConfigWriter<>("webhook_endpoint", commands, clients, WebhookEndpointFold.RECORDS, directory::await,
                settings.writeTimeout(), Set.of(WebhookEndpointFold.ENDPOINT_NOT_FOUND));
    }

    @Override
    public void addTo(Javalin app) {
        app.post(EndpointTarget.AGENCY_PATH, this::create);
        app.get(EndpointTarget.AGENCY_PATH, this::list);
        app.get(EndpointTarget.ENDPOINT_PATH, this::read);
        app.patch(EndpointTarget.ENDPOINT_PATH, this::update);
        app.delete(EndpointTarget.ENDPOINT_PATH, this::delete);
        app.post(ROTATE, this::rotateSecret);
    }

    private void create(Context ctx) {
        PartnerAuth.Caller caller = EndpointTarget.agency(ctx, auth, directory);
        String key = ConfigWriter.idempotencyKey(ctx, false);
        EndpointRequest request = EndpointRequest.create(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT),
                settings.devMode());
        // with a key, a retry names the same endpoint, and the fold's record of the key answers it
        String endpointId = key == null ? "we_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24)
                : "we_" + Sha256.hex(caller.agency() + "\n" + key).substring(0, 24);
        EndpointTarget target = new EndpointTarget(caller, caller.agency(), endpointId);
        String hash = writer.requestHash("POST", EndpointTarget.collectionPath(caller.agency()), request.canonical());
        String fresh = secrets.next();
        // without a key nothing is recorded to replay: the secret shown is the one just made
        ConfigWriter.Answer<WebhookEndpoint> answer = (endpoint, recorded) -> EndpointAnswers.endpoint(endpoint,
                recorded == null ? fresh : openSecret(target, recorded));
        if (writer.replayed(ctx, directory.find(caller.agency(), endpointId).orElse(null), key, hash, 201, answer)) {
            return;
        }
        submit(ctx, target, key, hash, 201, request.toCreate(secretBox.seal(fresh,
                EndpointDirectory.secretPurpose(caller.agency(), endpointId)), query -> sealQuery(target, query)), answer);
    }

    private void list(Context ctx) {
        PartnerAuth.Caller caller = EndpointTarget.agency(ctx, auth, directory);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", directory.ofAgency(caller.agency()).stream().map(e -> EndpointAnswers.endpoint(e, null)).toList());
        body.put("has_more", false);
        ctx.json(body);
    }

    private void read(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        ctx.json(EndpointAnswers.endpoint(target.existing(directory), null));
    }

    private void update(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        String key = ConfigWriter.idempotencyKey(ctx, false);
        EndpointRequest request = EndpointRequest.patch(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT),
                settings.devMode());
        String hash = writer.requestHash("PATCH", target.path(""), request.canonical());
        ConfigWriter.Answer<WebhookEndpoint> answer = (endpoint, recorded) -> EndpointAnswers.endpoint(endpoint, null);
        WebhookEndpoint current = target.existing(directory);
        if (writer.replayed(ctx, current, key, hash, 200, answer)) {
            return;
        }
        submit(ctx, target, key, hash, 200, request.toUpdate(query -> sealQuery(target, query)), answer);
    }

    private void delete(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        String key = ConfigWriter.idempotencyKey(ctx, false);
        String hash = writer.requestHash("DELETE", target.path(""), Map.of());
        ConfigWriter.Answer<WebhookEndpoint> answer = (endpoint, recorded) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("id", endpoint.getEndpointId());
            body.put("deleted", true);
            body.put("version", recorded != null ? recorded.getVersion() : endpoint.getVersion());
            return body;
        };
        // a deleted endpoint still answers a repeated DELETE with its key
        if (writer.replayed(ctx, directory.find(target.agency(), target.endpoint()).orElse(null), key, hash, 200, answer)) {
            return;
        }
        target.existing(directory);
        submit(ctx, target, key, hash, 200, DeleteEndpoint.newBuilder().build(), answer);
    }

    private void rotateSecret(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        String key = ConfigWriter.idempotencyKey(ctx, true);
        bodies.requireNoFields(ctx);
        String hash = writer.requestHash("POST", target.path("/rotate-secret"), Map.of());
        ConfigWriter.Answer<WebhookEndpoint> answer = (endpoint, recorded) -> EndpointAnswers.endpoint(endpoint,
                openSecret(target, recorded));
        WebhookEndpoint current = target.existing(directory);
        if (writer.replayed(ctx, current, key, hash, 200, answer)) {
            return;
        }
        submit(ctx, target, key, hash, 200, RotateEndpointSecret.newBuilder()
                .setSecret(secretBox.seal(secrets.next(), EndpointDirectory.secretPurpose(target.agency(), target.endpoint())))
                .setGraceMs(settings.secretGrace().toMillis())
                .build(), answer);
    }

    private void submit(Context ctx, EndpointTarget target, String key, String hash, int status, SpecificRecord payload,
            ConfigWriter.Answer<WebhookEndpoint> answer) {
        WebhookCommand command = WebhookCommand.newBuilder()
                .setCommandId("wcmd_" + UUID.randomUUID())
                .setAgencyId(target.agency()).setEndpointId(target.endpoint())
                .setIssuedAt(settings.clock().instant())
                .setActor(target.caller().actor())
                .setIdempotencyKey(key).setRequestHash(hash)
                .setPayload(payload)
                .build();
        writer.submit(ctx, new ConfigWriter.Write<>(target.key(), command.getCommandId(), command,
                payload.getClass().getSimpleName(), key, hash, status, answer, target.describe()));
    }

    /** A URL's query may hold the partner's token: it is sealed like a secret, and shown redacted. */
    private Encrypted sealQuery(EndpointTarget target, String query) {
        return secretBox.seal(query, SealedFor.webhookQuery(target.agency(), target.endpoint()));
    }

    private String openSecret(EndpointTarget target, IdempotentAnswer recorded) {
        return recorded == null || recorded.getSecret() == null ? null
                : directory.open(recorded.getSecret(), target.agency(), target.endpoint());
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
