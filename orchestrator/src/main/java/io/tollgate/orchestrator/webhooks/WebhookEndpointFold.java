package io.tollgate.orchestrator.webhooks;

import io.tollgate.common.crypto.SecretRing;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.orchestrator.config.ConfigFoldProcessor;
import io.tollgate.orchestrator.config.ConfigOutcome;
import io.tollgate.orchestrator.config.ConfigRecords;
import io.tollgate.orchestrator.config.IdempotentAnswers;
import io.tollgate.schema.CreateEndpoint;
import io.tollgate.schema.DeleteEndpoint;
import io.tollgate.schema.DisableEndpoint;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.ReportEndpointHealth;
import io.tollgate.schema.RotateEndpointSecret;
import io.tollgate.schema.UpdateEndpoint;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;

/**
 * The webhook endpoint fold: given an endpoint and one command, what the endpoint becomes. A pure
 * function — times come from the command and fresh secrets arrive already sealed in it — so folding
 * webhooks.commands.v1 again gives the same endpoints.
 *
 * <p>Two writers send it commands: the API (the partner's changes, with Idempotency-Keys) and the
 * dispatcher (health reports, and disabling an endpoint that answered 410 or failed for too long).
 * A dispatcher's verdict names when the attempt behind it was made; one older than the partner's
 * last enabling of the endpoint is stale and changes nothing, so re-enabling wins over a verdict
 * still on its way.
 */
public final class WebhookEndpointFold implements ConfigFoldProcessor.Kind<WebhookCommand, WebhookEndpoint> {
    public static final String ENDPOINT_NOT_FOUND = "endpoint_not_found";
    public static final String ENDPOINT_EXISTS = "endpoint_exists";
    public static final String INVALID_COMMAND = "invalid_command";
    /** How endpoints record what was settled. */
    public static final ConfigRecords<WebhookEndpoint> RECORDS = ConfigRecords.of(WebhookEndpoint::getLastCommandId,
            WebhookEndpoint::getLastRejection, WebhookEndpoint::getIdempotency);

    public WebhookEndpointFold() {
        // copying an endpoint deep-copies records and enums, which Avro 1.12 loads by class name only
        // for trusted classes; the fold must not depend on a serde having been built first
        AvroClassTrust.trustContracts();
    }

    @Override
    public String name() {
        return "webhook_endpoint";
    }

    @Override
    public String key(WebhookCommand command) {
        return EndpointDirectory.key(command.getAgencyId(), command.getEndpointId());
    }

    @Override
    public String describe(WebhookCommand command) {
        return "agency_id=" + command.getAgencyId() + " endpoint_id=" + command.getEndpointId() + " command_id="
                + command.getCommandId() + " actor=" + command.getActor();
    }

    @Override
    public String type(WebhookCommand command) {
        return command.getPayload().getClass().getSimpleName();
    }

    @Override
    public Instant issuedAt(WebhookCommand command) {
        return command.getIssuedAt();
    }

    @Override
    public long version(WebhookEndpoint endpoint) {
        return endpoint.getVersion();
    }

    @Override
    public ConfigOutcome<WebhookEndpoint> apply(WebhookEndpoint current, WebhookCommand command) {
        Optional<String> settled = RECORDS.alreadySettled(current, command.getCommandId(), command.getIdempotencyKey(),
                command.getRequestHash());
        if (settled.isPresent()) {
            return settled.get().equals(ConfigRecords.UNCHANGED) ? ConfigOutcome.unchanged(current)
                    : reject(current, command, IdempotentAnswers.KEY_REUSED,
                            "this Idempotency-Key was already used with a different request");
        }
        Object payload = command.getPayload();
        if (payload instanceof CreateEndpoint p) {
            return current == null ? create(command, p)
                    : reject(current, command, ENDPOINT_EXISTS, "endpoint " + command.getEndpointId() + " already exists");
        }
        if (current == null || current.getDeletedAt() != null) {
            return reject(current, command, ENDPOINT_NOT_FOUND, "webhook endpoint " + command.getEndpointId() + " not found");
        }
        if (payload instanceof UpdateEndpoint p) {
            return update(current, command, p);
        }
        if (payload instanceof DeleteEndpoint) {
            return delete(current, command);
        }
        if (payload instanceof RotateEndpointSecret p) {
            return rotate(current, command, p);
        }
        if (payload instanceof ReportEndpointHealth p) {
            return health(current, command, p);
        }
        if (payload instanceof DisableEndpoint p) {
            return disable(current, command, p);
        }
        return reject(current, command, INVALID_COMMAND, "unknown command " + payload.getClass().getSimpleName());
    }

    private ConfigOutcome<WebhookEndpoint> create(WebhookCommand command, CreateEndpoint p) {
        Instant at = command.getIssuedAt();
        WebhookEndpoint created = WebhookEndpoint.newBuilder()
                .setAgencyId(command.getAgencyId()).setEndpointId(command.getEndpointId())
                .setUrl(p.getUrl()).setSealedQuery(p.getSealedQuery()).setDescription(p.getDescription())
                .setTriggers(new ArrayList<>(p.getTriggers())).setConditions(p.getConditions())
                .setSigning(p.getSigning()).setEnabled(p.getEnabled()).setEnabledAt(at)
                .setDisabledAt(p.getEnabled() ? null : at)
                .setDisabledReason(p.getEnabled() ? null : "created disabled by the partner")
                .setDisabledBy(p.getEnabled() ? null : command.getActor())
                .setFailingSince(null).setFailureDetail(null)
                .setSecrets(SecretRing.first(p.getSecret(), at))
                .setCreatedAt(at).setUpdatedAt(at).setVersion(0).setDeletedAt(null)
                .setIdempotency(new ArrayList<>()).setLastCommandId(null).setLastRejection(null)
                .build();
        return changed(created, command, "endpoint_created", p.getSecret());
    }

    private ConfigOutcome<WebhookEndpoint> update(WebhookEndpoint current, WebhookCommand command, UpdateEndpoint p) {
        WebhookEndpoint next = copy(current);
        if (p.getUrl() != null) {
            next.setUrl(p.getUrl());
            next.setSealedQuery(p.getSealedQuery());
        }
        if (p.getDescription() != null) {
            next.setDescription(p.getDescription().isEmpty() ? null : p.getDescription());
        }
        if (p.getTriggers() != null) {
            next.setTriggers(new ArrayList<>(p.getTriggers()));
        }
        if (p.getConditions() != null) {
            next.setConditions(p.getConditions());
        }
        if (p.getSigning() != null) {
            next.setSigning(p.getSigning());
        }
        if (p.getEnabled() != null && p.getEnabled() != current.getEnabled()) {
            if (p.getEnabled()) {
                enable(next, command.getIssuedAt());
            } else {
                disable(next, command.getIssuedAt(), "disabled by the partner", command.getActor());
            }
        }
        return changed(next, command, "endpoint_updated", null);
    }

    private ConfigOutcome<WebhookEndpoint> delete(WebhookEndpoint current, WebhookCommand command) {
        WebhookEndpoint next = copy(current);
        next.setDeletedAt(command.getIssuedAt());
        next.setEnabled(false);
        // nothing signs for a deleted endpoint again: its sealed secrets need not be kept
        next.setSecrets(new ArrayList<>());
        return changed(next, command, "endpoint_deleted", null);
    }

    private ConfigOutcome<WebhookEndpoint> rotate(WebhookEndpoint current, WebhookCommand command, RotateEndpointSecret p) {
        if (p.getGraceMs() < 0) {
            return reject(current, command, INVALID_COMMAND, "grace_ms must not be negative");
        }
        WebhookEndpoint next = copy(current);
        next.setSecrets(SecretRing.rotate(current.getSecrets(), p.getSecret(), command.getIssuedAt(), p.getGraceMs()));
        return changed(next, command, "secret_rotated", p.getSecret());
    }

    /** Failing: the first failure since the last success counts; healthy: clears it. Either only when it is news. */
    private ConfigOutcome<WebhookEndpoint> health(WebhookEndpoint current, WebhookCommand command, ReportEndpointHealth p) {
        Instant observed = p.getObservedAt();
        if (!current.getEnabled() || observed.isBefore(current.getEnabledAt())) {
            return ConfigOutcome.unchanged(current);
        }
        WebhookEndpoint next = copy(current);
        if (p.getFailing()) {
            if (current.getFailingSince() != null) {
                return ConfigOutcome.unchanged(current);
            }
            next.setFailingSince(observed);
            next.setFailureDetail(p.getDetail());
            return changed(next, command, "endpoint_failing", null);
        }
        if (current.getFailingSince() == null || observed.isBefore(current.getFailingSince())) {
            return ConfigOutcome.unchanged(current);
        }
        next.setFailingSince(null);
        next.setFailureDetail(null);
        return changed(next, command, "endpoint_recovered", null);
    }

    private ConfigOutcome<WebhookEndpoint> disable(WebhookEndpoint current, WebhookCommand command, DisableEndpoint p) {
        if (!current.getEnabled() || p.getObservedAt().isBefore(current.getEnabledAt())) {
            return ConfigOutcome.unchanged(current);
        }
        WebhookEndpoint next = copy(current);
        disable(next, command.getIssuedAt(), p.getReason(), command.getActor());
        return changed(next, command, "endpoint_disabled", null);
    }

    private static void enable(WebhookEndpoint next, Instant at) {
        next.setEnabled(true);
        next.setEnabledAt(at);
        next.setDisabledAt(null);
        next.setDisabledReason(null);
        next.setDisabledBy(null);
        // a fresh start: failures before the partner enabled it again do not count towards disabling it
        next.setFailingSince(null);
        next.setFailureDetail(null);
    }

    private static void disable(WebhookEndpoint next, Instant at, String reason, String by) {
        next.setEnabled(false);
        next.setDisabledAt(at);
        next.setDisabledReason(reason);
        next.setDisabledBy(by);
    }

    private ConfigOutcome<WebhookEndpoint> changed(WebhookEndpoint next, WebhookCommand command, String change,
            Encrypted shownSecret) {
        long version = next.getVersion() + 1;
        next.setVersion(version);
        next.setUpdatedAt(command.getIssuedAt());
        next.setLastCommandId(command.getCommandId());
        next.setLastRejection(null);
        if (command.getIdempotencyKey() != null) {
            IdempotentAnswers.addBounded(next.getIdempotency(), IdempotentAnswer.newBuilder()
                    .setKey(command.getIdempotencyKey()).setRequestHash(command.getRequestHash())
                    .setCommandId(command.getCommandId()).setVersion(version).setHook(null)
                    .setSecret(shownSecret == null ? null : Encrypted.newBuilder(shownSecret).build())
                    .build(), IdempotentAnswers.LIMIT);
        }
        return ConfigOutcome.changed(next, change);
    }

    private ConfigOutcome<WebhookEndpoint> reject(WebhookEndpoint current, WebhookCommand command, String code,
            String message) {
        Rejection rejection = Rejection.newBuilder().setCommandId(command.getCommandId()).setCode(code).setMessage(message)
                .build();
        if (current == null) {
            // nothing to record it in: the topic holds endpoints, not refused commands
            return new ConfigOutcome<>(null, false, rejection, null);
        }
        WebhookEndpoint next = copy(current);
        next.setLastRejection(rejection);
        return new ConfigOutcome<>(next, true, rejection, null);
    }

    private static WebhookEndpoint copy(WebhookEndpoint endpoint) {
        // builders deep-copy, and the lists must be mutable for the changes above
        WebhookEndpoint copy = WebhookEndpoint.newBuilder(endpoint).build();
        copy.setIdempotency(new ArrayList<>(copy.getIdempotency()));
        copy.setSecrets(new ArrayList<>(copy.getSecrets()));
        copy.setTriggers(new ArrayList<>(copy.getTriggers()));
        return copy;
    }
}
