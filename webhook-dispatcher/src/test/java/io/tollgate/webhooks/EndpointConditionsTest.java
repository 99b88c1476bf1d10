package io.tollgate.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookSigning;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EndpointConditionsTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");

    @BeforeAll
    static void trustTheContracts() {
        // record defaults are deep-copied by class name, which Avro allows only for trusted classes
        AvroClassTrust.trustContracts();
    }

    @Test
    void noConditionsMeansEveryEventOfTheTriggersAndAgency() {
        WebhookEndpoint endpoint = endpoint(none(), List.of("order.paid", "order.failed"));

        assertThat(EndpointConditions.matches(endpoint, event("acme", "order.paid", 1, "GBP", "m", "approved"))).isTrue();
        assertThat(EndpointConditions.matches(endpoint, event("acme", "order.failed", 1, "GBP", "m", "rejected"))).isTrue();
        assertThat(EndpointConditions.matches(endpoint, event("acme", "order.confirmed", 1, "GBP", "m", "approved"))).isFalse();
        assertThat(EndpointConditions.matches(endpoint, event("globex", "order.paid", 1, "GBP", "m", "approved"))).isFalse();
    }

    @Test
    void everyConditionGivenMustHold() {
        WebhookConditions c = WebhookConditions.newBuilder().setMerchantIds(List.of("studio")).setCurrencies(List.of("GBP", "EUR"))
                .setAmountMinorOver(1000L).setAmountMinorUnder(5000L).setDecisions(List.of("approved", "none")).build();

        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 2000, "GBP", "studio", "approved"))).isTrue();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 2000, "EUR", "studio", null)))
                .as("no decision counts as none").isTrue();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 1000, "GBP", "studio", "approved")))
                .as("over is strict").isFalse();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 5000, "GBP", "studio", "approved")))
                .as("under is strict").isFalse();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 2000, "USD", "studio", "approved"))).isFalse();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 2000, "GBP", "gym", "approved"))).isFalse();
        assertThat(EndpointConditions.hold(c, event("acme", "order.paid", 2000, "GBP", "studio", "deferred"))).isFalse();
    }

    @Test
    void aDisabledOrDeletedEndpointMatchesNothing() {
        WebhookEndpoint disabled = endpoint(none(), List.of("order.paid"));
        disabled.setEnabled(false);
        WebhookEndpoint deleted = endpoint(none(), List.of("order.paid"));
        deleted.setDeletedAt(T0);
        OrderEvent paid = event("acme", "order.paid", 1, "GBP", "m", "approved");

        assertThat(EndpointConditions.matches(disabled, paid)).isFalse();
        assertThat(EndpointConditions.matches(deleted, paid)).isFalse();
    }

    private static WebhookConditions none() {
        return WebhookConditions.newBuilder().setMerchantIds(List.of()).setCurrencies(List.of()).setDecisions(List.of()).build();
    }

    private static WebhookEndpoint endpoint(WebhookConditions conditions, List<String> triggers) {
        return WebhookEndpoint.newBuilder().setAgencyId("acme").setEndpointId("we_1").setUrl("https://p.example.com/h")
                .setTriggers(triggers).setConditions(conditions).setSigning(WebhookSigning.STANDARD_WEBHOOKS).setEnabled(true)
                .setEnabledAt(T0).setSecrets(List.of()).setCreatedAt(T0).setUpdatedAt(T0).setVersion(1).build();
    }

    private static OrderEvent event(String agency, String type, long amount, String currency, String merchant, String decision) {
        return OrderEvent.newBuilder().setEventId("e").setType(type).setOccurredAt(T0).setSessionId("s").setAgencyId(agency)
                .setMerchantId(merchant).setAmountMinor(amount).setCurrency(currency).setDecision(decision).build();
    }
}
