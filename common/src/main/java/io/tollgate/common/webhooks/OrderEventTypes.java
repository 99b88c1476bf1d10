package io.tollgate.common.webhooks;

import java.util.List;

/**
 * The order event types of order.events.v1 (what the checkout fold writes), which webhook endpoints
 * choose among as triggers, and the type of a test delivery.
 */
public final class OrderEventTypes {
    public static final String CONFIRMED = "order.confirmed";
    public static final String PAID = "order.paid";
    public static final String FAILED = "order.failed";
    public static final String CANCELED = "order.canceled";
    /** What {@code POST …/webhook-endpoints/{id}/test} sends; never on order.events.v1. */
    public static final String TEST = "webhook.test";

    /** Every type an endpoint may be triggered by, in the order a session meets them. */
    public static final List<String> ALL = List.of(CONFIRMED, PAID, FAILED, CANCELED);

    /** The effective hook decisions order events carry, which endpoint conditions may select. */
    public static final List<String> DECISIONS = List.of("approved", "rejected", "unavailable", "deferred", "none");

    private OrderEventTypes() {
    }
}
