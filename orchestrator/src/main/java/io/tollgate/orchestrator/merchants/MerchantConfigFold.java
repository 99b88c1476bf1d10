package io.tollgate.orchestrator.merchants;

import io.tollgate.schema.ConfigChange;
import io.tollgate.schema.DeleteHook;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.HookConfig;
import io.tollgate.schema.HookSecret;
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
import java.util.List;
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
public final class MerchantConfigFold {
    static final int IDEMPOTENCY_LIMIT = 100;
    static final int CHANGES_LIMIT = 50;

    public static final String MERCHANT_NOT_FOUND = "merchant_not_found";
    public static final String HOOK_NOT_FOUND = "hook_not_found";
    public static final String IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused";
    public static final String INVALID_COMMAND = "invalid_command";

    /**
     * What one command did. {@code config} is the merchant's config afterwards (null when there is no
     * merchant); {@code written} says whether it is to be stored and published; {@code rejection} is
     * set when the command was refused (recorded in {@code last_rejection} when a merchant exists).
     */
    public record Outcome(MerchantConfig config, boolean written, Rejection rejection, String change) {
        static Outcome unchanged(MerchantConfig config) {
            return new Outcome(config, false, null, null);
        }

        public boolean rejected() {
            return rejection != null;
        }
    }

    public MerchantConfigFold() {
        // copying a config deep-copies records and enums, which Avro 1.12 loads by class name only
        // for trusted classes; the fold must not depend on a serde having been built first
        AvroClassTrust.trustContracts();
    }

    public Outcome apply(MerchantConfig current, MerchantCommand command) {
        String commandId = command.getCommandId();
        if (current != null && (commandId.equals(current.getLastCommandId())
                || current.getLastRejection() != null && commandId.equals(current.getLastRejection().getCommandId()))) {
            return Outcome.unchanged(current);
        }
        if (current != null && command.getIdempotencyKey() != null) {
            Optional<IdempotentAnswer> recorded = recorded(current, command.getIdempotencyKey());
            if (recorded.isPresent()) {
                return recorded.get().getRequestHash().equals(command.getRequestHash())
                        ? Outcome.unchanged(current)
                        : reject(current, command, IDEMPOTENCY_KEY_REUSED,
                                "this Idempotency-Key was already used with a different request");
            }
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

    /** The recorded first answer to an Idempotency-Key, if it is among the recent ones. */
    public static Optional<IdempotentAnswer> recorded(MerchantConfig config, String idempotencyKey) {
        if (config == null || idempotencyKey == null) {
            return Optional.empty();
        }
        return config.getIdempotency().stream().filter(a -> a.getKey().equals(idempotencyKey)).findFirst();
    }

    private Outcome upsertMerchant(MerchantConfig current, MerchantCommand command, UpsertMerchant p) {
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

    private Outcome putHook(MerchantConfig current, MerchantCommand command, PutHook p) {
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
            List<HookSecret> secrets = new ArrayList<>();
            secrets.add(HookSecret.newBuilder().setSecret(p.getSecret()).setCreatedAt(command.getIssuedAt())
                    .setExpiresAt(null).build());
            next.setHook(HookConfig.newBuilder().setSnapshot(settings).setSecrets(secrets).build());
            created = p.getSecret();
        } else {
            // an existing hook keeps its secrets: changing the URL or timeout must not break signatures
            next.getHook().setSnapshot(settings);
        }
        return changed(next, command, "hook_put", true, created);
    }

    private Outcome deleteHook(MerchantConfig current, MerchantCommand command) {
        if (current.getHook() == null) {
            return reject(current, command, HOOK_NOT_FOUND, "merchant " + current.getMerchantId()
                    + " has no pre-confirmation hook");
        }
        MerchantConfig next = copy(current);
        next.setHook(null);
        return changed(next, command, "hook_deleted", false, null);
    }

    private Outcome rotateSecret(MerchantConfig current, MerchantCommand command, RotateSecret p) {
        if (current.getHook() == null) {
            return reject(current, command, HOOK_NOT_FOUND, "merchant " + current.getMerchantId()
                    + " has no pre-confirmation hook to rotate the secret of");
        }
        if (p.getGraceMs() < 0) {
            return reject(current, command, INVALID_COMMAND, "grace_ms must not be negative");
        }
        MerchantConfig next = copy(current);
        Instant at = command.getIssuedAt();
        Instant graceEnds = at.plusMillis(p.getGraceMs());
        List<HookSecret> secrets = new ArrayList<>();
        secrets.add(HookSecret.newBuilder().setSecret(p.getSecret()).setCreatedAt(at).setExpiresAt(null).build());
        for (HookSecret old : next.getHook().getSecrets()) {
            if (old.getExpiresAt() != null && !old.getExpiresAt().isAfter(at)) {
                continue;
            }
            if (old.getExpiresAt() == null || old.getExpiresAt().isAfter(graceEnds)) {
                old.setExpiresAt(graceEnds);
            }
            secrets.add(old);
        }
        next.getHook().setSecrets(secrets);
        return changed(next, command, "secret_rotated", true, p.getSecret());
    }

    private Outcome changed(MerchantConfig next, MerchantCommand command, String change, boolean hookChanged,
            Encrypted shownSecret) {
        long version = next.getVersion() + 1;
        next.setVersion(version);
        next.setUpdatedAt(command.getIssuedAt());
        next.setLastCommandId(command.getCommandId());
        next.setLastRejection(null);
        if (hookChanged) {
            next.getHook().getSnapshot().setVersion(version);
        }
        bounded(next.getChanges(), ConfigChange.newBuilder().setVersion(version).setAt(command.getIssuedAt())
                .setActor(command.getActor()).setChange(change).build(), CHANGES_LIMIT);
        if (command.getIdempotencyKey() != null) {
            HookSnapshot hook = next.getHook() == null ? null : HookSnapshot.newBuilder(next.getHook().getSnapshot()).build();
            bounded(next.getIdempotency(), IdempotentAnswer.newBuilder()
                    .setKey(command.getIdempotencyKey()).setRequestHash(command.getRequestHash())
                    .setCommandId(command.getCommandId()).setVersion(version)
                    .setHook(hook).setSecret(shownSecret == null ? null : Encrypted.newBuilder(shownSecret).build())
                    .build(), IDEMPOTENCY_LIMIT);
        }
        return new Outcome(next, true, null, change);
    }

    private Outcome reject(MerchantConfig current, MerchantCommand command, String code, String message) {
        Rejection rejection = Rejection.newBuilder().setCommandId(command.getCommandId()).setCode(code).setMessage(message)
                .build();
        if (current == null) {
            // nothing to record it in: merchants.v1 holds merchants, not refused commands
            return new Outcome(null, false, rejection, null);
        }
        MerchantConfig next = copy(current);
        next.setLastRejection(rejection);
        return new Outcome(next, true, rejection, null);
    }

    private static <T> void bounded(List<T> list, T item, int limit) {
        list.add(item);
        while (list.size() > limit) {
            list.remove(0);
        }
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
