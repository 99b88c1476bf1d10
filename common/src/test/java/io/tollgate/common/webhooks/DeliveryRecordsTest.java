package io.tollgate.common.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookDelivery;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeliveryRecordsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void moreAttemptsWinAndAnEndedDeliveryNeverGoesBackToPending() {
        WebhookDelivery pendingAfterOne = delivery(DeliveryStatus.PENDING, 1);
        WebhookDelivery pendingAfterTwo = delivery(DeliveryStatus.PENDING, 2);
        WebhookDelivery succeeded = delivery(DeliveryStatus.SUCCEEDED, 2);

        assertThat(DeliveryRecords.supersedes(pendingAfterTwo, pendingAfterOne)).isTrue();
        assertThat(DeliveryRecords.supersedes(pendingAfterOne, pendingAfterTwo)).as("a late, older record").isFalse();
        assertThat(DeliveryRecords.supersedes(succeeded, pendingAfterTwo)).isTrue();
        assertThat(DeliveryRecords.supersedes(delivery(DeliveryStatus.PENDING, 3), succeeded)).isFalse();
    }

    @Test
    void idsAreDerivedSoTheSameWorkIsOneDeliveryAndTheWebhookIdOutlivesResends() {
        assertThat(DeliveryIds.forEvent("acme", "we_1", "e1")).isEqualTo(DeliveryIds.forEvent("acme", "we_1", "e1"))
                .isNotEqualTo(DeliveryIds.forEvent("globex", "we_1", "e1")).startsWith("dlv_").hasSize(28);
        assertThat(DeliveryIds.resend("dlv_1", "r1")).isNotEqualTo(DeliveryIds.resend("dlv_1", "r2"));
        assertThat(DeliveryIds.webhookId("acme", "we_1", "e1")).startsWith("msg_").hasSize(36)
                .isNotEqualTo(DeliveryIds.webhookId("acme", "we_2", "e1"));
    }

    private static WebhookDelivery delivery(DeliveryStatus status, int attempts) {
        return WebhookDelivery.newBuilder().setDeliveryId("dlv_1").setWebhookId("msg_1").setAgencyId("acme")
                .setEndpointId("we_1").setSessionId("s").setKind(DeliveryKind.EVENT).setEventType("order.paid")
                .setEvent(OrderEvent.newBuilder().setEventId("e").setType("order.paid").setOccurredAt(T0).setSessionId("s")
                        .setAgencyId("acme").setMerchantId("m").setAmountMinor(1).setCurrency("GBP").build())
                .setCreatedAt(T0).setStatus(status).setAttempts(attempts).build();
    }
}
