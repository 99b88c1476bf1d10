package io.tollgate.orchestrator.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.tollgate.common.crypto.Sha256;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.KeyedTopicView;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.net.OutboundHttp;
import io.tollgate.common.webhooks.DeliveryIds;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.common.webhooks.WebhookTester;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.BodyFields;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.ListLimit;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.orchestrator.api.TestCallGate;
import io.tollgate.orchestrator.config.ConfigWriter;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.ReplayEndpoint;
import io.tollgate.schema.ResendDelivery;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an endpoint was sent, and sending again: {@code POST …/test} sends one signed test message and
 * answers what came of it; {@code GET …/deliveries} lists the endpoint's recent deliveries from the
 * delivery log; {@code POST …/deliveries/{id}/resend} and {@code POST …/replay} ask the dispatcher
 * (through webhooks.requests.v1) to send one delivery again, or every matching order event since a
 * time. Both answer {@code 202} once the request is durable; what comes of it shows in the log.
 */
public final class WebhookDeliveriesApi implements HttpApi.Routes, AutoCloseable {
    static final String TEST = EndpointTarget.ENDPOINT_PATH + "/test";
    static final String DELIVERIES = EndpointTarget.ENDPOINT_PATH + "/deliveries";
    static final String RESEND = DELIVERIES + "/{delivery}/resend";
    static final String REPLAY = EndpointTarget.ENDPOINT_PATH + "/replay";
    static final int DEFAULT_LIMIT = 20;
    /** Past the send timeout, how long a test may take before the API stops waiting for it. */
    private static final Duration TEST_SLACK = Duration.ofSeconds(5);

    private static final Logger log = LoggerFactory.getLogger(WebhookDeliveriesApi.class);

    /**
     * @param testsPerMinute how many tests one endpoint may get per minute, per API instance
     * @param testTimeout how long a test may take before the API answers without it (the send timeout plus slack)
     * @param replayWindow how far back a replay may reach
     */
    public record Settings(int testsPerMinute, Duration testTimeout, Duration replayWindow, Clock clock) {
        public static final Duration DEFAULT_REPLAY_WINDOW = Duration.ofDays(30);

        public static Settings of(Duration sendTimeout) {
            return new Settings(10, sendTimeout.plus(TEST_SLACK), DEFAULT_REPLAY_WINDOW, Clock.systemUTC());
        }
    }

    private final Settings settings;
    private final PartnerAuth auth;
    private final JsonBodies bodies;
    private final EndpointDirectory directory;
    private final KeyedTopicView<?, List<WebhookDelivery>> deliveries;
    private final Topic<String, WebhookRequest> requests;
    private final Producer<String, WebhookRequest> producer;
    private final WebhookTester tester;
    private final TestCallGate gate;

    /**
     * @param deliveries each endpoint's recent deliveries ({@link RecentDeliveries#view})
     * @param requests webhooks.requests.v1 ({@code topics.webhookRequests()})
     * @param tester sends the test messages; null in a process that cannot, where {@code /test} answers 503
     */
    public WebhookDeliveriesApi(Settings settings, PartnerAuth auth, JsonBodies bodies, EndpointDirectory directory,
            KeyedTopicView<?, List<WebhookDelivery>> deliveries, Topic<String, WebhookRequest> requests, KafkaClients clients,
            WebhookTester tester) {
        this.settings = settings;
        this.auth = auth;
        this.bodies = bodies;
        this.directory = directory;
        this.deliveries = deliveries;
        this.requests = requests;
        this.tester = tester;
        this.gate = new TestCallGate(settings.testsPerMinute(), settings.clock());
        this.producer = new KafkaProducer<>(clients.producer("tollgate-webhook-requests-" + UUID.randomUUID()),
                requests.keySerde().serializer(), requests.valueSerde().serializer());
    }

    @Override
    public void addTo(Javalin app) {
        app.post(TEST, this::test);
        app.get(DELIVERIES, this::list);
        app.post(RESEND, this::resend);
        app.post(REPLAY, this::replay);
    }

    private void test(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        WebhookEndpoint endpoint = target.existing(directory);
        bodies.requireNoFields(ctx);
        if (tester == null) {
            throw new ApiError(503, "unavailable", "this API instance cannot send test messages", Map.of("retryable", false));
        }
        List<String> secrets = signingSecrets(endpoint);
        String callUrl = callUrl(endpoint);
        gate.enter(target.key());
        CompletableFuture<WebhookDelivery> sent;
        try {
            sent = tester.test(endpoint, callUrl, secrets);
        } catch (RuntimeException e) {
            gate.leave(target.key());
            throw e;
        }
        // answered off the thread that completes the send (the HTTP client's), which serves other calls
        ctx.future(() -> sent.orTimeout(settings.testTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync((delivery, error) -> {
                    gate.leave(target.key());
                    if (error != null) {
                        log.error("webhook_test {} outcome=error", target.describe(), error);
                        ctx.status(500).json(new ApiError(500, "internal_error", "something went wrong; it was logged").body());
                        return null;
                    }
                    DeliveryAttempt attempt = delivery.getLastAttempt();
                    log.info("webhook_test {} webhook_id={} status={} http_status={} latency_ms={} error={}",
                            target.describe(), delivery.getWebhookId(), delivery.getStatus(), attempt.getHttpStatus(),
                            attempt.getLatencyMs(), attempt.getError());
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("delivery_id", delivery.getDeliveryId());
                    body.put("webhook_id", delivery.getWebhookId());
                    body.put("url", OutboundHttp.redacted(endpoint.getUrl()));
                    body.put("outcome", delivery.getStatus() == DeliveryStatus.SUCCEEDED ? "delivered" : "failed");
                    body.put("http_status", attempt.getHttpStatus());
                    body.put("latency_ms", attempt.getLatencyMs());
                    body.put("error", attempt.getError());
                    ctx.json(body);
                    return null;
                }));
    }

    private void list(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        target.existing(directory);
        int limit = ListLimit.of(ctx, DEFAULT_LIMIT, RecentDeliveries.KEPT_PER_ENDPOINT);
        List<WebhookDelivery> newestFirst = RecentDeliveries.newestFirst(deliveries.get(target.key()).orElse(List.of()));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("data", newestFirst.stream().limit(limit).map(EndpointAnswers::delivery).toList());
        body.put("has_more", newestFirst.size() > limit);
        ctx.json(body);
    }

    private void resend(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        requireEnabled(target.existing(directory));
        bodies.requireNoFields(ctx);
        String deliveryId = ctx.pathParam("delivery");
        WebhookDelivery original = deliveries.get(target.key()).orElse(List.of()).stream()
                .filter(d -> d.getDeliveryId().equals(deliveryId)).findFirst()
                .orElseThrow(() -> new ApiError(404, "not_found", "delivery " + deliveryId + " not found among the endpoint's last "
                        + RecentDeliveries.KEPT_PER_ENDPOINT + " deliveries", Map.of("reason", "delivery_not_found")));
        if (original.getKind() == DeliveryKind.TEST) {
            throw new ApiError(409, "test_not_resendable", "a test message is not resent; send another test instead");
        }
        String requestId = requestId(ctx, target, "resend/" + deliveryId);
        WebhookRequest request = request(target, requestId, ResendDelivery.newBuilder().setDeliveryId(deliveryId)
                .setSessionId(original.getSessionId()).setOriginal(original).build());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", DeliveryIds.resend(deliveryId, requestId));
        body.put("resend_of", deliveryId);
        body.put("status", "pending");
        answerOnceDurable(ctx, target, "resend", List.of(send(new ProducerRecord<>(requests.name(), original.getSessionId(),
                request))), body);
    }

    private void replay(Context ctx) {
        EndpointTarget target = EndpointTarget.of(ctx, auth, directory);
        requireEnabled(target.existing(directory));
        BodyFields fields = BodyFields.of(bodies.read(ctx, JsonNode.class, JsonBodies.CONFIG_LIMIT), Set.of("since"));
        Instant now = settings.clock().instant();
        Instant since = since(fields.requiredText("since"), now);
        String requestId = requestId(ctx, target, "replay/" + since);
        WebhookRequest request = request(target, requestId, ReplayEndpoint.newBuilder().setSince(since).setUntil(now).build());
        // one per partition: each dispatcher replays the order events of the partitions it owns
        List<CompletableFuture<?>> sent = new ArrayList<>();
        int partitions = producer.partitionsFor(requests.name()).size();
        for (int p = 0; p < partitions; p++) {
            sent.add(send(new ProducerRecord<>(requests.name(), p, target.key(), request)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("replay_id", requestId);
        body.put("since", since.toString());
        body.put("until", now.toString());
        body.put("status", "accepted");
        answerOnceDurable(ctx, target, "replay", sent, body);
    }

    private Instant since(String text, Instant now) {
        Instant since;
        try {
            since = Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.invalid("since", "must be an ISO 8601 time in UTC, e.g. 2026-01-31T09:00:00Z");
        }
        if (since.isAfter(now)) {
            throw ApiError.invalid("since", "must not be in the future");
        }
        if (since.isBefore(now.minus(settings.replayWindow()))) {
            throw ApiError.invalid("since", "must be within the last " + settings.replayWindow().toDays() + " days");
        }
        return since;
    }

    /** With an Idempotency-Key, a retry names the same request, and the dispatcher makes its deliveries once. */
    private String requestId(Context ctx, EndpointTarget target, String what) {
        String key = ConfigWriter.idempotencyKey(ctx, false);
        return key == null ? "wrq_" + UUID.randomUUID().toString().replace("-", "")
                : "wrq_" + Sha256.hex(target.key() + "\n" + what + "\n" + key).substring(0, 32);
    }

    private WebhookRequest request(EndpointTarget target, String requestId, Object payload) {
        return WebhookRequest.newBuilder().setRequestId(requestId).setAgencyId(target.agency())
                .setEndpointId(target.endpoint()).setRequestedAt(settings.clock().instant())
                .setActor(target.caller().actor()).setPayload(payload).build();
    }

    private CompletableFuture<?> send(ProducerRecord<String, WebhookRequest> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(null);
                }
            });
        } catch (KafkaException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    private void answerOnceDurable(Context ctx, EndpointTarget target, String what, List<CompletableFuture<?>> sent,
            Map<String, Object> body) {
        ctx.future(() -> CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).handleAsync((ok, error) -> {
            if (error != null) {
                log.warn("webhook_{} {} outcome=not_written error={}", what, target.describe(), String.valueOf(error));
                ApiError unavailable = new ApiError(503, "unavailable", "the request could not be written; retry",
                        Map.of("retryable", true));
                ctx.status(503).json(unavailable.body());
            } else {
                log.info("webhook_{} {} outcome=accepted {}", what, target.describe(), body);
                ctx.status(202).json(body);
            }
            return null;
        }));
    }

    private List<String> signingSecrets(WebhookEndpoint endpoint) {
        try {
            return directory.signingSecrets(endpoint);
        } catch (IllegalArgumentException e) {
            // the message names key ids, never the secret
            throw new ApiError(409, "endpoint_secret_unavailable", "the endpoint has no secret this instance can sign with: "
                    + e.getMessage());
        }
    }

    private String callUrl(WebhookEndpoint endpoint) {
        try {
            return directory.callUrl(endpoint);
        } catch (IllegalArgumentException e) {
            throw new ApiError(409, "endpoint_secret_unavailable", "the endpoint's URL cannot be opened by this instance: "
                    + e.getMessage());
        }
    }

    private static void requireEnabled(WebhookEndpoint endpoint) {
        if (!endpoint.getEnabled()) {
            throw new ApiError(409, "endpoint_disabled", "the endpoint is disabled (" + endpoint.getDisabledReason()
                    + "); enable it first with PATCH {\"enabled\": true}", Map.of("reason", "endpoint_disabled"));
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
