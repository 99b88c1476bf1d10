package io.tollgate.hook;

import static io.tollgate.hook.HookFixtures.MERCHANT;
import static io.tollgate.hook.HookFixtures.hook;
import static io.tollgate.hook.HookFixtures.request;
import static io.tollgate.hook.MerchantHook.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HookMetricsTest {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HookMetrics metrics = new HookMetrics(registry);
  private final String secret = HookFixtures.newSecret();
  private MerchantHook merchant;
  private HookClient client;

  @BeforeEach
  void start() throws Exception {
    merchant = new MerchantHook();
    HookGuards guards = new HookGuards(HookGuardSettings.defaults().withBreaker(2, 2, Duration.ofSeconds(60), 1),
        metrics);
    client = new HookClient(HookClientSettings.defaults().withDevMode(true), guards, metrics, Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    client.close();
    merchant.close();
  }

  private void call(String sessionId) throws Exception {
    client.call(request(sessionId, 1), hook(merchant.url(), 2_000), List.of(secret), Instant.now().plusSeconds(5))
        .get(5, TimeUnit.SECONDS);
  }

  private double outcomes(String outcome, String reason) {
    var counter = registry.find(HookMetrics.OUTCOMES)
        .tags("agency", MERCHANT.agencyId(), "merchant", MERCHANT.merchantId(), "outcome", outcome, "reason", reason)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  private double breakerState(String state) {
    return registry.get(HookMetrics.BREAKER_STATE).tags("merchant", MERCHANT.merchantId(), "state", state)
        .gauge().value();
  }

  @Test
  void countsOutcomesPerMerchantWithTheCauseOfUnavailability() throws Exception {
    merchant.answers(200, "{\"available\": true}")
        .answers(200, "{\"available\": false, \"reason\": \"class_full\"}")
        .answers(json(502, "{}"));

    call("sess_1");
    call("sess_2");
    call("sess_3");

    assertThat(outcomes("approved", "none")).isEqualTo(1);
    assertThat(outcomes("rejected", "none")).isEqualTo(1);
    assertThat(outcomes("unavailable", "http_5xx")).isEqualTo(1);
  }

  @Test
  void timesOnlyCallsThatWereMadeInAHistogram() throws Exception {
    merchant.answers(200, "{\"available\": true}");

    call("sess_1");
    client.call(request("sess_2", 1), hook(merchant.url(), 2_000), List.of(secret), Instant.now().minusSeconds(1))
        .get(5, TimeUnit.SECONDS);

    var timer = registry.get(HookMetrics.CALL_DURATION).tags("merchant", MERCHANT.merchantId()).timer();
    assertThat(timer.count()).isEqualTo(1);
    assertThat(registry.scrape()).contains("tollgate_hook_call_duration_seconds_bucket{");
    assertThat(outcomes("unavailable", "deadline_exceeded")).isEqualTo(1);
  }

  @Test
  void showsTheBreakerState() throws Exception {
    merchant.answers(json(500, "{}")).answers(json(500, "{}"));

    call("sess_1");
    assertThat(breakerState("closed")).isEqualTo(1);
    call("sess_2");
    call("sess_3");

    assertThat(breakerState("open")).isEqualTo(1);
    assertThat(breakerState("closed")).isZero();
    assertThat(outcomes("unavailable", "circuit_open")).isEqualTo(1);
  }

  @Test
  void countsFailOpenApprovals() {
    metrics.recordFailOpen(MERCHANT);
    metrics.recordFailOpen(MERCHANT);

    assertThat(registry.get(HookMetrics.FAIL_OPEN).tags("merchant", MERCHANT.merchantId()).counter().count())
        .isEqualTo(2);
  }
}
