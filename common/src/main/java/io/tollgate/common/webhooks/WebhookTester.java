package io.tollgate.common.webhooks;

import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Sends a webhook endpoint one signed test message ({@code POST …/webhook-endpoints/{id}/test}).
 * Lives here so the API can hold one without depending on the webhook dispatcher that implements it.
 */
public interface WebhookTester {

    /**
     * Sends one {@code webhook.test} message, signed as the endpoint's deliveries are, once (no retries), and
     * records it in the endpoint's delivery log.
     *
     * @param callUrl the endpoint's URL with its query in clear
     * @param signingSecrets the secrets that sign right now, in clear, newest first
     * @return the delivery as recorded; completes (within the send timeout) whatever the endpoint or the network did
     */
    CompletableFuture<WebhookDelivery> test(WebhookEndpoint endpoint, String callUrl, List<String> signingSecrets);
}
