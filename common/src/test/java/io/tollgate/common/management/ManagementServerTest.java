package io.tollgate.common.management;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.config.TollgateConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ManagementServerTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void servesHealthAndMetricsOnItsOwnPort() throws Exception {
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Counter.builder("tollgate.example").register(metrics).increment();
        AtomicBoolean ready = new AtomicBoolean(false);
        try (ManagementServer server = ManagementServer.start("127.0.0.1", 0, metrics, ready::get)) {
            assertThat(get(server.port(), "/health").statusCode()).isEqualTo(503);
            ready.set(true);
            HttpResponse<String> health = get(server.port(), "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"up\"");
            HttpResponse<String> scrape = get(server.port(), "/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.body()).contains("tollgate_example_total 1.0");
            HttpResponse<String> other = get(server.port(), "/v2/sessions");
            assertThat(other.statusCode()).isEqualTo(404);
            assertThat(other.body()).contains("\"code\":\"not_found\"");
        }
    }

    @Test
    void theDefaultListensOnLoopbackOnlyAndApartFromTheApi() throws Exception {
        TollgateConfig defaults = TollgateConfig.builder().devMode(true).build();
        assertThat(defaults.managementBindAddress()).isEqualTo("127.0.0.1");
        assertThat(defaults.managementPort()).isEqualTo(9090).isNotEqualTo(defaults.port());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (ManagementServer server = ManagementServer.start(defaults.managementBindAddress(), 0, metrics, () -> true)) {
            assertThat(server.host()).isEqualTo("127.0.0.1");
            assertThat(get(server.port(), "/health").statusCode()).isEqualTo(200);
        }
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
