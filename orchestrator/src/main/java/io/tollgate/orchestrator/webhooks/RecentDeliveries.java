package io.tollgate.orchestrator.webhooks;

import io.tollgate.common.kafka.KeyedTopicView;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.webhooks.DeliveryRecords;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.WebhookDelivery;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Each endpoint's recent deliveries, read from the delivery log (webhooks.deliveries.v1): the log is
 * keyed by session, so the view regroups it by {@code agency/endpoint}, and keeps the newest record of
 * each of the endpoint's last {@value #KEPT_PER_ENDPOINT} deliveries among the log's last
 * {@value #TAIL_PER_PARTITION} records per partition.
 */
public final class RecentDeliveries {
    /** The most {@code …/deliveries} lists, and so what the view keeps per endpoint. */
    public static final int KEPT_PER_ENDPOINT = 100;
    /**
     * How far back each partition of the log is read at start: a week of a busy log would make start-up grow with
     * traffic, and an endpoint's newest deliveries are near the end.
     */
    static final long TAIL_PER_PARTITION = 200_000;

    private RecentDeliveries() {
    }

    public static KeyedTopicView<WebhookDelivery, List<WebhookDelivery>> view(Topic<String, WebhookDelivery> log,
            Map<String, Object> consumerConfig) {
        return new KeyedTopicView<>(log, consumerConfig,
                (session, d) -> d == null ? null : EndpointDirectory.key(d.getAgencyId(), d.getEndpointId()),
                RecentDeliveries::fold, TAIL_PER_PARTITION);
    }

    /** A delivery's newer record replaces its older one in place; a new delivery pushes out the oldest. */
    static List<WebhookDelivery> fold(List<WebhookDelivery> current, WebhookDelivery record) {
        List<WebhookDelivery> next = new ArrayList<>(current == null ? List.of() : current);
        for (int i = 0; i < next.size(); i++) {
            WebhookDelivery known = next.get(i);
            if (known.getDeliveryId().equals(record.getDeliveryId())) {
                if (DeliveryRecords.supersedes(record, known)) {
                    next.set(i, record);
                }
                return List.copyOf(next);
            }
        }
        next.add(record);
        return List.copyOf(next.subList(Math.max(0, next.size() - KEPT_PER_ENDPOINT), next.size()));
    }

    /** Newest first. */
    static List<WebhookDelivery> newestFirst(List<WebhookDelivery> deliveries) {
        List<WebhookDelivery> sorted = new ArrayList<>(deliveries);
        sorted.sort(Comparator.comparing(WebhookDelivery::getCreatedAt).reversed());
        return sorted;
    }
}
