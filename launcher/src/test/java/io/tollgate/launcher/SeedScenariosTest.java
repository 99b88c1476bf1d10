package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/**
 * The seed scenarios end to end with the real services — orchestrator, hook-caller, payment worker —
 * on an in-process KRaft broker, a signed call to a real HTTP hook, and stripe-java against the
 * Stripe stand-in with its signed webhooks.
 */
class SeedScenariosTest {

    @Test
    void everySeedScenarioEndsAsTheSeedSays() throws Exception {
        String partnerKey = KeysNewCommand.newKey();
        TollgateConfig config = TollgateConfig.builder().devMode(true).port(0).partitions(2)
                .addDevPartnerKey(DemoScenarios.AGENCY, partnerKey).commitIntervalMs(10).build();
        StringWriter printed = new StringWriter();
        try (TollgateStack stack = TollgateStack.start(config, TollgateStack.all());
             SampleCapacityHook hook = new SampleCapacityHook()) {
            int failures = new DemoScenarios(stack, partnerKey, hook, new PrintWriter(printed, true)).run();
            assertThat(failures).as(printed.toString()).isZero();
            // approved, approved by fail-open, deferred (held): the rejected and the fail-closed
            // commits never reached Stripe
            assertThat(stack.stripeStandIn().orElseThrow().paymentIntentCount()).isEqualTo(3);
        }
        assertThat(printed.toString())
                .contains("SessionPaid")
                .contains("\"reason\":\"class_full\"")
                .contains("pre_confirmation_unavailable")
                .contains("fail_mode open: approved by default")
                .contains("PaymentAuthorized").contains("funds held")
                .contains("PartnerConfirmed").contains("CaptureRequested");
    }
}
