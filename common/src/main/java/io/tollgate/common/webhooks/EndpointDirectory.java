package io.tollgate.common.webhooks;

import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.crypto.SecretRing;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.merchants.HookUrlQuery;
import io.tollgate.schema.Encrypted;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Read access to webhook endpoints (webhooks.endpoints.v1, as the endpoint fold last wrote it) for
 * the API and the dispatcher: an agency's endpoints, and an endpoint's signing secrets in clear.
 * Everything is keyed {@code agency/endpoint}, so an endpoint id means nothing in another agency.
 */
public final class EndpointDirectory {
    private final CompactedTopicView<WebhookEndpoint> view;
    private final SecretBox secretBox;
    private final Clock clock;

    public EndpointDirectory(CompactedTopicView<WebhookEndpoint> view, SecretBox secretBox, Clock clock) {
        this.view = view;
        this.secretBox = secretBox;
        this.clock = clock;
    }

    /** The key of an endpoint in webhooks.commands.v1 and webhooks.endpoints.v1. */
    public static String key(String agencyId, String endpointId) {
        return agencyId + "/" + endpointId;
    }

    /** The associated data an endpoint's secret is sealed with: a sealed secret moved to another endpoint does not open. */
    public static String secretPurpose(String agencyId, String endpointId) {
        return "webhook-secret:" + key(agencyId, endpointId);
    }

    /** Whether the view has read webhooks.endpoints.v1 up to where it stood at start. */
    public boolean isReady() {
        return view.isCaughtUp();
    }

    /** The endpoint's record, deleted ones included. */
    public Optional<WebhookEndpoint> find(String agencyId, String endpointId) {
        return view.get(key(agencyId, endpointId));
    }

    /** The endpoint unless it was deleted. */
    public Optional<WebhookEndpoint> live(String agencyId, String endpointId) {
        return find(agencyId, endpointId).filter(e -> e.getDeletedAt() == null);
    }

    /** The agency's endpoints that are not deleted, oldest first. */
    public List<WebhookEndpoint> ofAgency(String agencyId) {
        return view.valuesWithKeyPrefix(agencyId + "/").stream()
                .filter(e -> e.getDeletedAt() == null)
                .sorted(Comparator.comparing(WebhookEndpoint::getCreatedAt).thenComparing(WebhookEndpoint::getEndpointId))
                .toList();
    }

    /** Completes with the endpoint's first record (current or coming) that satisfies the condition, or times out. */
    public CompletableFuture<WebhookEndpoint> await(String key, Predicate<WebhookEndpoint> condition, Duration timeout) {
        return view.await(key, condition, timeout);
    }

    /** The secrets that sign deliveries to the endpoint now, in clear, newest first (two during a rotation). */
    public List<String> signingSecrets(WebhookEndpoint endpoint) {
        return SecretRing.signing(endpoint.getSecrets(), clock.instant(),
                sealed -> secretBox.open(sealed, secretPurpose(endpoint.getAgencyId(), endpoint.getEndpointId())));
    }

    /**
     * The URL to call: the shown URL with its query (sealed, as it may hold the partner's token) opened again.
     *
     * @throws IllegalArgumentException when the query was sealed under another master key
     */
    public String callUrl(WebhookEndpoint endpoint) {
        if (endpoint.getSealedQuery() == null) {
            return endpoint.getUrl();
        }
        return HookUrlQuery.join(endpoint.getUrl(), secretBox.open(endpoint.getSealedQuery(),
                SealedFor.webhookQuery(endpoint.getAgencyId(), endpoint.getEndpointId())));
    }

    /** Opens a secret sealed for this endpoint (an answer replayed for an Idempotency-Key). */
    public String open(Encrypted sealed, String agencyId, String endpointId) {
        return secretBox.open(sealed, secretPurpose(agencyId, endpointId));
    }
}
