package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.payment.PaymentWorkerService;
import io.tollgate.payment.StripeGatewayConfig;
import io.tollgate.payment.StripeRateLimiter;
import io.tollgate.payment.StripeRetryPolicy;
import java.time.Duration;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the stack builds from the configuration: the payment worker's settings, and whether this
 * process needs the local Stripe stand-in.
 */
@ExtendWith(SharedKafka.class)
class TollgateStackTest {
    private static final String KEY = "sk_test_stack";
    private static final String BASE = "http://127.0.0.1:12111";

    @Test
    void theStripeCallSettingsReachTheGatewayAndTheWorker() {
        TollgateConfig config = dev().withOverrides(Map.of("stripe.timeout.ms", "9000", "stripe.connect.timeout.ms", "700",
                "stripe.max.network.retries", "6", "stripe.writes.per.second", "40", "payment.give.up.after", "2h",
                "application.id.prefix", "tg-prod"));

        PaymentWorkerService.Settings settings = TollgateStack.paymentWorkerSettings(config, KEY, BASE);

        StripeGatewayConfig stripe = settings.stripe();
        assertThat(stripe.apiKey()).isEqualTo(KEY);
        assertThat(stripe.apiBase()).isEqualTo(BASE);
        assertThat(stripe.readTimeout()).isEqualTo(Duration.ofMillis(9000));
        assertThat(stripe.connectTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(StripeRetryPolicy.forConfig(stripe).maxAttempts()).as("the first attempt and 6 retries").isEqualTo(7);
        assertThat(StripeRateLimiter.forConfig(stripe).perSecond()).isEqualTo(40);
        assertThat(settings.giveUpAfter()).isEqualTo(Duration.ofHours(2));
        assertThat(settings.groupId()).isEqualTo("tg-prod-payment-worker");
    }

    @Test
    void unsetSettingsKeepTheWorkersDefaults() {
        PaymentWorkerService.Settings settings = TollgateStack.paymentWorkerSettings(dev(), "sk_live_stack", null);

        assertThat(settings.stripe()).isEqualTo(StripeGatewayConfig.of("sk_live_stack", null));
        assertThat(settings.stripe().apiBase()).isEqualTo(StripeGatewayConfig.STRIPE_API_BASE);
        assertThat(StripeRetryPolicy.forConfig(settings.stripe()).maxAttempts()).isEqualTo(4);
        assertThat(StripeRateLimiter.forConfig(settings.stripe()).perSecond()).as("Stripe's live-mode limit").isEqualTo(100);
        assertThat(settings).isEqualTo(new PaymentWorkerService.Settings("tollgate-payment-worker",
                StripeGatewayConfig.of("sk_live_stack", null), 16));
    }

    @Test
    void aHookCallerAloneStartsNoStripeStandIn() throws Exception {
        try (TollgateStack stack = TollgateStack.start(onSharedKafka("stack-hook-caller"),
                EnumSet.of(TollgateStack.Service.HOOK_CALLER))) {
            assertThat(stack.stripeStandIn()).isEmpty();
            // a worker alone has no API, but its health and metrics are served all the same
            assertThat(stack.apiUrl()).isEmpty();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(stack.managementUrl() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(stack.managementUrl() + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(stack.managementUrl()).startsWith("http://127.0.0.1:");
        }
    }

    @Test
    void aWebhookDispatcherAloneStartsNoStripeStandIn() throws Exception {
        try (TollgateStack stack = TollgateStack.start(onSharedKafka("stack-webhook-dispatcher"),
                EnumSet.of(TollgateStack.Service.WEBHOOK_DISPATCHER))) {
            assertThat(stack.stripeStandIn()).isEmpty();
            assertThat(stack.apiUrl()).isEmpty();
        }
    }

    @Test
    void aPaymentWorkerWithoutAStripeKeyGetsTheStandIn() throws Exception {
        try (TollgateStack stack = TollgateStack.start(onSharedKafka("stack-payment-worker"),
                EnumSet.of(TollgateStack.Service.PAYMENT_WORKER))) {
            assertThat(stack.stripeStandIn()).isPresent();
        }
    }

    private static TollgateConfig dev() {
        return TollgateConfig.builder().devMode(true).managementPort(0).build();
    }

    private static TollgateConfig onSharedKafka(String prefix) {
        return SharedStackConfig.named(prefix).build();
    }
}
