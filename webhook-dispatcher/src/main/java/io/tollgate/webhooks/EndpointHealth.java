package io.tollgate.webhooks;

import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.DisableEndpoint;
import io.tollgate.schema.ReportEndpointHealth;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the endpoint fold how an endpoint is doing, as deliveries show it: when it starts failing and
 * when it answers 2xx again ({@code failing_since}, which the partner sees), and that it is to be
 * disabled — at once on 410 Gone, or when it has failed for {@code disableAfter} without a success
 * (Svix: 5 days). Only news is sent: what the endpoint's record already says is not repeated, and the
 * same news not again within {@value #REPEAT_AFTER_SECONDS} s while the fold catches up. Every
 * dispatcher instance reads the same record, so they agree on when the failing began. Called on the
 * scheduler's thread only.
 */
final class EndpointHealth {
    static final String ACTOR = "webhook-dispatcher";
    static final int REPEAT_AFTER_SECONDS = 30;
    private static final Logger log = LoggerFactory.getLogger(EndpointHealth.class);

    private record Sent(String news, Instant at) {
    }

    private final CommandLog<WebhookCommand> commands;
    private final Duration disableAfter;
    private final Clock clock;
    private final Map<String, Sent> lastSent = new HashMap<>();

    EndpointHealth(CommandLog<WebhookCommand> commands, Duration disableAfter, Clock clock) {
        this.commands = commands;
        this.disableAfter = disableAfter;
        this.clock = clock;
    }

    void delivered(WebhookEndpoint endpoint, DeliveryAttempt attempt) {
        if (endpoint.getFailingSince() != null) {
            send(endpoint, "recovered", ReportEndpointHealth.newBuilder().setFailing(false).setObservedAt(attempt.getAt())
                    .setDetail(null).build());
        }
    }

    void gone(WebhookEndpoint endpoint, DeliveryAttempt attempt) {
        send(endpoint, "disabled", DisableEndpoint.newBuilder()
                .setReason("the endpoint answered 410 Gone on " + attempt.getAt() + ", which asks for no more deliveries")
                .setObservedAt(attempt.getAt()).build());
    }

    void failed(WebhookEndpoint endpoint, DeliveryAttempt attempt) {
        Instant since = endpoint.getFailingSince();
        if (since == null) {
            send(endpoint, "failing", ReportEndpointHealth.newBuilder().setFailing(true).setObservedAt(attempt.getAt())
                    .setDetail(attempt.getError()).build());
        } else if (Duration.between(since, attempt.getAt()).compareTo(disableAfter) >= 0) {
            send(endpoint, "disabled", DisableEndpoint.newBuilder()
                    .setReason("every delivery failed since " + since + " (" + Duration.between(since, attempt.getAt()).toHours()
                            + " h, the limit is " + disableAfter.toHours() + " h); last attempt: " + attempt.getError())
                    .setObservedAt(attempt.getAt()).build());
        }
    }

    private void send(WebhookEndpoint endpoint, String news, Object payload) {
        String key = EndpointDirectory.key(endpoint.getAgencyId(), endpoint.getEndpointId());
        Instant now = clock.instant();
        Sent last = lastSent.get(key);
        if (last != null && last.news().equals(news) && last.at().plusSeconds(REPEAT_AFTER_SECONDS).isAfter(now)) {
            return;
        }
        lastSent.put(key, new Sent(news, now));
        WebhookCommand command = WebhookCommand.newBuilder().setCommandId("wcmd_" + UUID.randomUUID())
                .setAgencyId(endpoint.getAgencyId()).setEndpointId(endpoint.getEndpointId()).setIssuedAt(now)
                .setActor(ACTOR).setIdempotencyKey(null).setRequestHash(null).setPayload(payload).build();
        log.info("webhook_endpoint_health agency_id={} endpoint_id={} news={}", endpoint.getAgencyId(),
                endpoint.getEndpointId(), news);
        commands.append(key, command).whenComplete((written, error) -> {
            if (error != null) {
                log.warn("webhook_endpoint_health_not_sent agency_id={} endpoint_id={} news={} error={}",
                        endpoint.getAgencyId(), endpoint.getEndpointId(), news, String.valueOf(error));
            }
        });
    }
}
