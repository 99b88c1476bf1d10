package io.tollgate.webhooks;

import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookEndpoint;

/**
 * Whether an order event is for an endpoint: the endpoint is live and enabled, of the event's agency,
 * triggered by the event's type, and every condition it sets holds (SWAP's conditions: merchant,
 * currency, amount bounds, the hook's decision).
 */
final class EndpointConditions {
    private EndpointConditions() {
    }

    static boolean matches(WebhookEndpoint endpoint, OrderEvent event) {
        return endpoint.getEnabled() && endpoint.getDeletedAt() == null
                && endpoint.getAgencyId().equals(event.getAgencyId())
                && endpoint.getTriggers().contains(event.getType())
                && hold(endpoint.getConditions(), event);
    }

    static boolean hold(WebhookConditions c, OrderEvent event) {
        if (!c.getMerchantIds().isEmpty() && !c.getMerchantIds().contains(event.getMerchantId())) {
            return false;
        }
        if (!c.getCurrencies().isEmpty() && !c.getCurrencies().contains(event.getCurrency())) {
            return false;
        }
        if (c.getAmountMinorOver() != null && event.getAmountMinor() <= c.getAmountMinorOver()) {
            return false;
        }
        if (c.getAmountMinorUnder() != null && event.getAmountMinor() >= c.getAmountMinorUnder()) {
            return false;
        }
        String decision = event.getDecision() == null ? "none" : event.getDecision();
        return c.getDecisions().isEmpty() || c.getDecisions().contains(decision);
    }
}
