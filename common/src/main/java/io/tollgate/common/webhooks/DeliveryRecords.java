package io.tollgate.common.webhooks;

import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.WebhookDelivery;

/**
 * Which of two records of one delivery stands, for everyone who folds the delivery log (the
 * dispatcher rebuilding its work, the API's view). Records of a delivery normally arrive in the
 * order they were written, but a dispatcher that just lost its partitions may still write a late
 * one: the record with more attempts wins, and an ended delivery never goes back to pending.
 */
public final class DeliveryRecords {
    private DeliveryRecords() {
    }

    public static boolean supersedes(WebhookDelivery incoming, WebhookDelivery known) {
        if (isFinal(known) && !isFinal(incoming)) {
            return false;
        }
        return incoming.getAttempts() >= known.getAttempts();
    }

    public static boolean isFinal(WebhookDelivery delivery) {
        return delivery.getStatus() != DeliveryStatus.PENDING;
    }
}
