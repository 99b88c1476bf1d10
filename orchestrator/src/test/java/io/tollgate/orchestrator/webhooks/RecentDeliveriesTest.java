package io.tollgate.orchestrator.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookDelivery;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecentDeliveriesTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @Test
    void aDeliverysNewerRecordReplacesItsOlderOneInPlaceAndALateOlderOneIsIgnored() {
        List<WebhookDelivery> log = RecentDeliveries.fold(null, delivery("dlv_a", 0, DeliveryStatus.PENDING, 0));
        log = RecentDeliveries.fold(log, delivery("dlv_b", 1, DeliveryStatus.PENDING, 0));
        log = RecentDeliveries.fold(log, delivery("dlv_a", 0, DeliveryStatus.SUCCEEDED, 2));
        log = RecentDeliveries.fold(log, delivery("dlv_a", 0, DeliveryStatus.PENDING, 1));

        assertThat(log).extracting(WebhookDelivery::getDeliveryId, WebhookDelivery::getStatus).containsExactly(
                org.assertj.core.groups.Tuple.tuple("dlv_a", DeliveryStatus.SUCCEEDED),
                org.assertj.core.groups.Tuple.tuple("dlv_b", DeliveryStatus.PENDING));
        assertThat(RecentDeliveries.newestFirst(log)).extracting(WebhookDelivery::getDeliveryId).containsExactly("dlv_b", "dlv_a");
    }

    @Test
    void onlyTheNewestDeliveriesOfAnEndpointAreKept() {
        List<WebhookDelivery> log = null;
        for (int i = 0; i < RecentDeliveries.KEPT_PER_ENDPOINT + 5; i++) {
            log = RecentDeliveries.fold(log, delivery("dlv_" + i, i, DeliveryStatus.PENDING, 0));
        }

        assertThat(log).hasSize(RecentDeliveries.KEPT_PER_ENDPOINT);
        assertThat(log.get(0).getDeliveryId()).isEqualTo("dlv_5");
    }

    private static WebhookDelivery delivery(String id, int second, DeliveryStatus status, int attempts) {
        return WebhookDelivery.newBuilder().setDeliveryId(id).setWebhookId("msg_" + id).setAgencyId("acme").setEndpointId("we_1")
                .setSessionId("s").setKind(DeliveryKind.EVENT).setEventType("order.paid")
                .setEvent(OrderEvent.newBuilder().setEventId("e").setType("order.paid").setOccurredAt(T0).setSessionId("s")
                        .setAgencyId("acme").setMerchantId("m").setAmountMinor(1).setCurrency("GBP").build())
                .setCreatedAt(T0.plusSeconds(second)).setStatus(status).setAttempts(attempts).build();
    }
}
