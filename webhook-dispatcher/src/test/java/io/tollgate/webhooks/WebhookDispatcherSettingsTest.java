package io.tollgate.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookDispatcherSettingsTest {

    @Test
    void theWebhookSettingsReachTheDispatcher() {
        TollgateConfig config = TollgateConfig.builder().devMode(true).build().withOverrides(Map.of(
                "webhooks.retry.schedule", "1s,1m", "webhooks.disable.after", "2d", "webhooks.timeout.ms", "2500",
                "webhooks.endpoint.concurrency", "3", "application.id.prefix", "tg-prod"));

        WebhookDispatcherService.Settings settings = WebhookDispatcherService.Settings.from(config);

        assertThat(settings.groupId()).isEqualTo("tg-prod-webhook-dispatcher");
        assertThat(settings.devMode()).isTrue();
        assertThat(settings.schedule().waits()).containsExactly(Duration.ofSeconds(1), Duration.ofMinutes(1));
        assertThat(settings.schedule().jitter()).isEqualTo(RetrySchedule.DEFAULT_JITTER);
        assertThat(settings.disableAfter()).isEqualTo(Duration.ofDays(2));
        assertThat(settings.timeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(settings.endpointConcurrency()).isEqualTo(3);
    }
}
