package io.tollgate.common.merchants;

import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.crypto.SecretRing;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.HookSnapshot;
import io.tollgate.schema.MerchantConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Read access to merchant configuration (merchants.v1, as the config fold last wrote it) for the API
 * and the hook-caller: a merchant, its hook, and the hook's signing secrets in clear. Everything is
 * keyed {@code agency/merchant}, so two agencies may each have a merchant {@code m1}.
 *
 * <p>A confirm carries the hook snapshot's version; the view of this process may not have read that
 * version yet, so {@link #awaitSigningSecrets} waits (bounded) for it before answering.
 */
public final class MerchantDirectory {
    private final CompactedTopicView<MerchantConfig> view;
    private final SecretBox secretBox;
    private final Clock clock;

    public MerchantDirectory(CompactedTopicView<MerchantConfig> view, SecretBox secretBox, Clock clock) {
        this.view = view;
        this.secretBox = secretBox;
        this.clock = clock;
    }

    /** The key of a merchant in merchants.commands.v1 and merchants.v1. */
    public static String key(String agencyId, String merchantId) {
        return agencyId + "/" + merchantId;
    }

    /**
     * The associated data a hook secret is sealed with: a sealed secret copied into another
     * merchant's record does not open there.
     */
    public static String secretPurpose(String agencyId, String merchantId) {
        return "hook-secret:" + key(agencyId, merchantId);
    }

    /** Whether the view has read merchants.v1 up to where it stood at start. */
    public boolean isReady() {
        return view.isCaughtUp();
    }

    /**
     * Completes once this process has read every merchant change committed before the call: for a
     * decision that must see a change acknowledged on another instance a moment ago (a confirm right
     * after the merchant's hook was set).
     */
    public CompletableFuture<Void> awaitCurrent() {
        return view.awaitCurrent();
    }

    public Optional<MerchantConfig> find(String agencyId, String merchantId) {
        return view.get(key(agencyId, merchantId));
    }

    /** The merchant's current hook (no secret), if it has one. */
    public Optional<HookSnapshot> hook(String agencyId, String merchantId) {
        return find(agencyId, merchantId).map(MerchantConfig::getHook).map(h -> h.getSnapshot());
    }

    /**
     * Completes with the merchant's first config (current or coming) that satisfies the condition,
     * or exceptionally with a {@link TimeoutException}.
     */
    public CompletableFuture<MerchantConfig> await(String agencyId, String merchantId, Predicate<MerchantConfig> condition,
            Duration timeout) {
        return view.await(key(agencyId, merchantId), condition, timeout);
    }

    /** Completes once the view holds version {@code version} (or a later one) of the merchant. */
    public CompletableFuture<MerchantConfig> awaitVersion(String agencyId, String merchantId, long version, Duration timeout) {
        return await(agencyId, merchantId, c -> c.getVersion() >= version, timeout);
    }

    /**
     * The secrets that sign calls to the hook of {@code hookVersion} or later, in clear, newest
     * first: the current secret, and during a rotation's grace period the previous one(s). Waits up
     * to {@code maxWait} for the view to reach that version. Completes exceptionally with
     * {@link HookSecretsUnavailableException} saying why when there are none to use.
     */
    public CompletableFuture<List<String>> awaitSigningSecrets(String agencyId, String merchantId, long hookVersion,
            Duration maxWait) {
        return awaitVersion(agencyId, merchantId, hookVersion, maxWait).handle((config, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof TimeoutException) {
                    throw new HookSecretsUnavailableException("version_not_reached", "merchant " + key(agencyId, merchantId)
                            + " did not reach version " + hookVersion + " within " + maxWait.toMillis() + " ms");
                }
                throw new CompletionException(cause);
            }
            return activeSecrets(config);
        });
    }

    /** As {@link #awaitSigningSecrets}, blocking the calling thread. */
    public List<String> signingSecrets(String agencyId, String merchantId, long hookVersion, Duration maxWait) {
        try {
            return awaitSigningSecrets(agencyId, merchantId, hookVersion, maxWait).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HookSecretsUnavailableException("interrupted", "interrupted while waiting for merchant "
                    + key(agencyId, merchantId));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The secrets of this config's hook that still sign now, opened, newest first. */
    public List<String> activeSecrets(MerchantConfig config) {
        String merchant = key(config.getAgencyId(), config.getMerchantId());
        if (config.getHook() == null) {
            throw new HookSecretsUnavailableException("no_hook", "merchant " + merchant + " has no pre-confirmation hook");
        }
        List<String> secrets = SecretRing.signing(config.getHook().getSecrets(), clock.instant(),
                sealed -> open(sealed, config.getAgencyId(), config.getMerchantId()));
        if (secrets.isEmpty()) {
            throw new HookSecretsUnavailableException("no_active_secret", "merchant " + merchant + " has no unexpired secret");
        }
        return secrets;
    }

    /**
     * The hook as it is called: its URL with the query string opened (kept sealed, since it may hold a
     * token). Only for making the call — never to store or show.
     */
    public HookSnapshot callable(HookSnapshot hook, String agencyId, String merchantId) {
        if (hook.getSealedQuery() == null) {
            return hook;
        }
        String query;
        try {
            query = secretBox.open(hook.getSealedQuery(), SealedFor.hookQuery(agencyId, merchantId));
        } catch (IllegalArgumentException e) {
            throw new HookSecretsUnavailableException("cannot_open", e.getMessage());
        }
        return HookSnapshot.newBuilder(hook).setUrl(HookUrlQuery.join(hook.getUrl(), query)).setSealedQuery(null).build();
    }

    /** Opens a hook secret sealed for this merchant. */
    public String open(Encrypted sealed, String agencyId, String merchantId) {
        try {
            return secretBox.open(sealed, secretPurpose(agencyId, merchantId));
        } catch (IllegalArgumentException e) {
            // the message names key ids and the purpose, never the secret
            throw new HookSecretsUnavailableException("cannot_open", e.getMessage());
        }
    }
}
