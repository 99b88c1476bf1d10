package io.tollgate.orchestrator.merchants;

import io.tollgate.common.crypto.SecretRing;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.config.ConfigFoldProcessor;
import io.tollgate.orchestrator.config.ConfigOutcome;
import io.tollgate.orchestrator.config.ConfigRecords;
import io.tollgate.orchestrator.config.IdempotentAnswers;
import io.tollgate.schema.ConfigChange;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.IdempotentAnswer;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.PutHook;
import io.tollgate.schema.Rejection;
import io.tollgate.schema.RotateSecret;
import io.tollgate.schema.UpsertMerchant;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Optional;

/**
 * The merchant config fold: given a merchant's config and one command, what the config becomes. A
 * pure function — times come from the command's {@code issued_at} and fresh secrets arrive already
 * sealed in the command — so folding merchants.commands.v1 again gives the same configs.
 *
 * <p>Being the only writer of merchants.v1 is what makes Idempotency-Keys safe under concurrency:
 * of several commands with one key, the first is applied and recorded with its answer; the others,
 * with the same request hash, change nothing (the recorded answer, secret included, stands); with
 * another hash they are rejected as {@code idempotency_key_reused}.
 */
public final class MerchantConfigFold implements ConfigFoldProcessor.Kind<MerchantCommand, MerchantConfig> {
    static final int CHANGES_LIMIT = 50;

    public static final String MERCHANT_NOT_FOUND = "merchant_not_found";
    public static final String HOOK_NOT_FOUND = "hook_not_found";
    public static final String IDEMPOTENCY_KEY_REUSED = IdempotentAnswers.KEY_REUSED;
    public static final String INVALID_COMMAND = "invalid_command";
    /** How merchant configs record what was settled. */
    public static final ConfigRecords<MerchantConfig> RECORDS = ConfigRecords.of(MerchantConfig::getLastCommandId,
            MerchantConfig::getLastRejection, MerchantConfig::getIdempotency);

    public MerchantConfigFold() {
        // copying a config deep-copies records and enums, which Avro 1.12 loads by class name only
        // for trusted classes; the fold must not depend on a serde having been built first
        AvroClassTrust.trustContracts();
    }

    @Override
    public String name() {
        return "merchant";
    }

    @Override
    public String key(MerchantCommand command) {
        return MerchantDirectory.key(command.getAgencyId(), command.getMerchantId());
    }

    @Override
    public String describe(MerchantCommand command) {
        return "agency_id=" + command.getAgencyId() + " merchant_id=" + command.getMerchantId() + " command_id="
                + command.getCommandId() + " actor=" + command.getActor();
    }

    @Override
    public String type(MerchantCommand command) {
        return command.getPayload().getClass().getSimpleName();
    }

    @Override
    public Instant issuedAt(MerchantCommand command) {
        return command.getIssuedAt();
    }

    @Override
    public long version(MerchantConfig config) {
        return config.getVersion();
    }

    @Override
    public ConfigOutcome<MerchantConfig> apply(MerchantConfig current, MerchantCommand command) {
        Optional<String> settled = RECORDS.alreadySettled(current, command.getCommandId(), command.getIdempotencyKey(),
                command.getRequestHash());
        if (settled.isPresent()) {
            return settled.get().equals(ConfigRecords.UNCHANGED) ? ConfigOutcome.unchanged(current)
                    : reject(current, command, IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was already used with a different request");
        }
        Object payload = command.getPayload();
        if (payload instanceof UpsertMerchant p) {
            return upsertMerchant(current, command, p);
        }
        if (current == null) {
            return reject(null, command, MERCHANT_NOT_FOUND, "merchant " + command.getMerchantId()
                    + " does not exist; create it before its hook");
        }
        if (payload instanceof PutHook p) {
            return putHook(current, command, p);
        }
        if (payload instanceof DeleteHook) {
            return deleteHook(current, command);
        }
        if (payload instanceof RotateSecret p) {
            return rotateSecret(current, command, p);
        }
        return reject(current, command, INVALID_COMMAND, "unknown command " + payload.getClass().getSimpleName());
    }

    /** The recorded first answer to an Idempotency-Key, if it is among the merchant's recent ones. */
    public static Optional<IdempotentAnswer> recorded(MerchantConfig config, String idempotencyKey) {
        return config == null ? Optional.empty() : IdempotentAnswers.find(config.getIdempotency(), idempotencyKey);
    }

    private ConfigOutcome<MerchantConfig> upsertMerchant(MerchantConfig current, MerchantCommand command, UpsertMerchant p) {
        MerchantConfig next;
        if (current == null) {
            next = MerchantConfig.newBuilder()
                    .setAgencyId(command.getAgencyId()).setMerchantId(command.getMerchantId())
                    .setDisplayName(p.getDisplayName()).setStripeAccount(p.getStripeAccount())
                    .setCreatedAt(command.getIssuedAt()).setUpdatedAt(command.getIssuedAt())
                    .setVersion(0).setHook(null).setIdempotency(new ArrayList<>())
                    .setLastCommandId(null).setLastRejection(null).setChanges(new ArrayList<>())
                    .build();
        } else {
            next = copy(current);
            next.setDisplayName(p.getDisplayName());
            next.setStripeAccount(p.getStripeAccount());
        }
        return changed(next, command, "merchant_upserted", false, null);
    }

    private ConfigOutcome<MerchantConfig> putHook(MerchantConfig current, MerchantCommand command, PutHook p) {
        MerchantConfig next = copy(current);
        HookSnapshot settings = HookSnapshot.newBuilder()
                .setVersion(0) // set to the new version in changed()
                .setUrl(p.getUrl()).setSealedQuery(p.getSealedQuery()).setFailMode(p.getFailMode()).setTimeoutMs(p.getTimeoutMs())
                .setMode(p.getMode()).setPartnerWaitMinutes(p.getPartnerWaitMinutes())
                .build();
        // The secret is shown once, when it is made (here or by rotation): an answer that repeats it on
        // every settings change hands the live secret to whoever can change a URL.
        Encrypted created = null;
        if (next.getHook() == null) {
            next.setHook(HookConfig.newBuilder().setSnapshot(settings)
                    .setSecrets(SecretRing.first(p.getSecret(), command.getIssuedAt())).build());
            created = p.getSecret();
        } else {
            // an existing hook keeps its secrets: changing the URL or timeout must not break signatures
            next.getHook().setSnapshot(settings);
        }
        return changed(next, command, "hook_put", true, created);
    }

    private ConfigOutcome<MerchantConfig> deleteHook(MerchantConfig current, MerchantCommand command) {
        if (current.getHook() == null) {
            return reject(current, command, HOOK_NOT_FOUND, "merchant " + current.getMerchantId()
                    + " has no pre-confirmation hook");
        }
        MerchantConfig next = copy(current);
        next.setHook(null);
        return changed(next, command, "hook_deleted", false, null);
    }

    private ConfigOutcome<MerchantConfig> rotateSecret(MerchantConfig current, MerchantCommand command, RotateSecret p) {
        if (current.getHook() == null) {
            return reject(current, command, HOOK_NOT_FOUND, "merchant " + current.getMerchantId()
                    + " has no pre-confirmation hook to rotate the secret of");
        }
        if (p.getGraceMs() < 0) {
            return reject(current, command, INVALID_COMMAND, "grace_ms must not be negative");
        }
        MerchantConfig next = copy(current);
        next.getHook().setSecrets(SecretRing.rotate(next.getHook().getSecrets(), p.getSecret(), command.getIssuedAt(),
                p.getGraceMs()));
        return changed(next, command, "secret_rotated", true, p.getSecret());
    }

    private ConfigOutcome<MerchantConfig> changed(MerchantConfig next, MerchantCommand command, String change, boolean hookChanged,
            Encrypted shownSecret) {
        long version = next.getVersion() + 1;
        next.setVersion(version);
        next.setUpdatedAt(command.getIssuedAt());
        next.setLastCommandId(command.getCommandId());
        next.setLastRejection(null);
        if (hookChanged) {
            next.getHook().getSnapshot().setVersion(version);
        }
        IdempotentAnswers.addBounded(next.getChanges(), ConfigChange.newBuilder().setVersion(version).setAt(command.getIssuedAt())
                .setActor(command.getActor()).setChange(change).build(), CHANGES_LIMIT);
        if (command.getIdempotencyKey() != null) {
            HookSnapshot hook = next.getHook() == null ? null : HookSnapshot.newBuilder(next.getHook().getSnapshot()).build();
            IdempotentAnswers.addBounded(next.getIdempotency(), IdempotentAnswer.newBuilder()
                    .setKey(command.getIdempotencyKey()).setRequestHash(command.getRequestHash())
                    .setCommandId(command.getCommandId()).setVersion(version)
                    .setHook(hook).setSecret(shownSecret == null ? null : Encrypted.newBuilder(shownSecret).build())
                    .build(), IdempotentAnswers.LIMIT);
        }
        return ConfigOutcome.changed(next, change);
    }

    private ConfigOutcome<MerchantConfig> reject(MerchantConfig current, MerchantCommand command, String code, String message) {
        Rejection rejection = Rejection.newBuilder().setCommandId(command.getCommandId()).setCode(code).setMessage(message)
                .build();
        if (current == null) {
            // nothing to record it in: merchants.v1 holds merchants, not refused commands
            return new ConfigOutcome<>(null, false, rejection, null);
        }
        MerchantConfig next = copy(current);
        next.setLastRejection(rejection);
        return new ConfigOutcome<>(next, true, rejection, null);
    }

    private static MerchantConfig copy(MerchantConfig config) {
        // builders deep-copy, and the lists must be mutable for the changes above
        MerchantConfig copy = MerchantConfig.newBuilder(config).build();
        copy.setIdempotency(new ArrayList<>(copy.getIdempotency()));
        copy.setChanges(new ArrayList<>(copy.getChanges()));
        if (copy.getHook() != null) {
            copy.getHook().setSecrets(new ArrayList<>(copy.getHook().getSecrets()));
        }
        return copy;
    }
}
