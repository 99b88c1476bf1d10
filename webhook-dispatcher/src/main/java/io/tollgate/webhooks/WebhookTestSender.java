package io.tollgate.webhooks;

import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.webhooks.OrderEventTypes;
import io.tollgate.common.webhooks.WebhookTester;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import okhttp3.Dns;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends test messages ({@code POST …/webhook-endpoints/{id}/test}) from the API's process, with the
 * dispatcher's own sender, so a test is signed and sent exactly like a delivery. A test is one
 * attempt, never retried, and shows in the endpoint's delivery log ({@code kind: test}); it goes out
 * even to a disabled endpoint, which is how a partner checks a fix before enabling it again. Its
 * {@code webhook-id} is fresh: receivers must not take it for an order they have seen.
 */
public final class WebhookTestSender implements WebhookTester, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookTestSender.class);

    private final WebhookSender sender;
    private final DeliveryLog deliveryLog;
    private final Clock clock;

    WebhookTestSender(WebhookSender sender, DeliveryLog deliveryLog, Clock clock) {
        this.sender = sender;
        this.deliveryLog = deliveryLog;
        this.clock = clock;
    }

    /** The test sender of an API process, with its own HTTP client and log producer. */
    public static WebhookTestSender create(boolean devMode, Duration timeout, Topics topics, KafkaClients kafka) {
        Clock clock = Clock.systemUTC();
        return new WebhookTestSender(new WebhookSender(devMode, Dns.SYSTEM, timeout, clock),
                new DeliveryLog(topics.webhookDeliveries(),
                        kafka.producer("webhook-tests-" + UUID.randomUUID().toString().substring(0, 8))), clock);
    }

    @Override
    public CompletableFuture<WebhookDelivery> test(WebhookEndpoint endpoint, String callUrl, List<String> signingSecrets) {
        String testId = "test_" + UUID.randomUUID().toString().replace("-", "");
        Instant now = clock.instant();
        WebhookDelivery delivery = WebhookDelivery.newBuilder()
                .setDeliveryId("dlv_" + testId.substring(5, 29)).setWebhookId("msg_" + testId.substring(5))
                .setAgencyId(endpoint.getAgencyId()).setEndpointId(endpoint.getEndpointId()).setSessionId(testId)
                .setKind(DeliveryKind.TEST).setOrigin(null).setEventType(OrderEventTypes.TEST)
                .setEvent(sampleOrder(endpoint, testId, now)).setCreatedAt(now)
                .setStatus(DeliveryStatus.PENDING).setAttempts(0).setNextAttemptAt(now).setLastAttempt(null)
                .setFinalReason(null).build();
        return sender.send(endpoint, callUrl, delivery, signingSecrets).thenCompose(attempt -> {
            WebhookDelivery made = ended(delivery, attempt);
            // the log is a courtesy here: a test that was sent is answered even if its record is not written
            return deliveryLog.write(made, null).handle((written, error) -> {
                if (error != null) {
                    log.warn("webhook_test_not_recorded agency_id={} endpoint_id={} error={}", endpoint.getAgencyId(),
                            endpoint.getEndpointId(), String.valueOf(error));
                }
                return made;
            });
        });
    }

    private static WebhookDelivery ended(WebhookDelivery delivery, DeliveryAttempt attempt) {
        boolean delivered = attempt.getHttpStatus() != null && attempt.getHttpStatus() / 100 == 2;
        delivery.setStatus(delivered ? DeliveryStatus.SUCCEEDED : DeliveryStatus.FAILED);
        delivery.setAttempts(1);
        delivery.setNextAttemptAt(null);
        delivery.setLastAttempt(attempt);
        delivery.setFinalReason(delivered ? null : "test_failed");
        return delivery;
    }

    /** What a test carries: an order that never was, plainly marked as such. */
    private static OrderEvent sampleOrder(WebhookEndpoint endpoint, String testId, Instant now) {
        return OrderEvent.newBuilder().setEventId(testId).setType(OrderEventTypes.TEST).setOccurredAt(now)
                .setSessionId(testId).setAgencyId(endpoint.getAgencyId()).setMerchantId("test_merchant")
                .setAmountMinor(2500).setCurrency("GBP").setPaymentIntentId(null).setDecision("approved")
                .setReason(null).setMessage("a test message from Tollgate; no order was placed").setDefaultActionUsed(false)
                .build();
    }

    @Override
    public void close() {
        sender.close();
        deliveryLog.close();
    }
}
