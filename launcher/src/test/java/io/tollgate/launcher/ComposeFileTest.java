package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot run here (no Docker), so what can drift is checked instead: every
 * Tollgate or Stripe variable it sets is one the services read, and every command it runs is one
 * the CLI has.
 */
class ComposeFileTest {
    private static final Path COMPOSE = Path.of("..", "docker-compose.yml");
    /** Read by logback.xml, not by TollgateConfig. */
    private static final Set<String> LOGGING = Set.of("TOLLGATE_LOG_FORMAT");

    @Test
    void everyVariableTheComposeFileSetsIsOneTheServicesRead() throws Exception {
        Set<String> known = Arrays.stream(TollgateConfig.Setting.values()).map(TollgateConfig.Setting::env)
                .flatMap(Optional::stream).collect(Collectors.toSet());
        List<String> set = matches("^\\s+((?:TOLLGATE|STRIPE)_[A-Z_]+):", Files.readString(COMPOSE));

        assertThat(set).isNotEmpty().contains("TOLLGATE_BOOTSTRAP_SERVERS", "TOLLGATE_SCHEMA_REGISTRY_URL", "TOLLGATE_MASTER_KEY");
        assertThat(set).allSatisfy(name -> assertThat(known.contains(name) || LOGGING.contains(name))
                .as("%s is not a Tollgate setting", name).isTrue());
    }

    @Test
    void everyServiceCommandIsATollgateCommand() throws Exception {
        Set<String> commands = TollgateCli.commandLine().getSubcommands().keySet();
        List<String> run = matches("command: \\[\"([a-z-]+)\"\\]", Files.readString(COMPOSE));

        assertThat(run).containsExactlyInAnyOrder("orchestrator", "hook-caller", "payment-worker", "webhook-dispatcher");
        assertThat(commands).containsAll(run);
    }

    /**
     * Health and metrics left the API port: the healthchecks must follow them, and nothing may publish them. They
     * listen on the compose network only, for the Prometheus there.
     */
    @Test
    void healthchecksUseTheManagementPortWhichIsNotPublished() throws Exception {
        String compose = Files.readString(COMPOSE);
        List<String> managementPorts = matches("TOLLGATE_MANAGEMENT_PORT: \"(\\d+)\"", compose);
        List<String> checked = matches("/dev/tcp/127\\.0\\.0\\.1/(\\d+) && printf 'GET /health", compose);
        List<String> published = matches("ports: \\[\"(\\d+):", compose);

        assertThat(managementPorts).containsExactly("9090");
        assertThat(checked).containsOnly("9090").isNotEmpty();
        assertThat(published).doesNotContain("9090");
        assertThat(matches("TOLLGATE_PORT: \"(\\d+)\"", compose)).doesNotContainAnyElementsOf(managementPorts);
        assertThat(matches("^\\s+TOLLGATE_MANAGEMENT_BIND_ADDRESS: (\\S+)", compose)).as("reachable by Prometheus").containsExactly("0.0.0.0");
    }

    /** Prometheus scrapes each Tollgate service of the file, by its service name, on its management port. */
    @Test
    void prometheusScrapesEveryTollgateServiceOnItsManagementPort() throws Exception {
        Map<String, Object> services = map(yaml(COMPOSE), "services");
        List<String> tollgate = services.entrySet().stream()
                .filter(e -> map(e.getValue()).get("command") instanceof List<?> command && command.size() == 1
                        && TollgateCli.commandLine().getSubcommands().containsKey(String.valueOf(command.get(0))))
                .map(Map.Entry::getKey).toList();
        Map<String, Object> prometheus = map(services, "prometheus");
        Path config = mounted(prometheus, "/etc/prometheus/prometheus.yml");
        Map<String, Object> job = map(list(yaml(config), "scrape_configs").get(0));
        Map<String, Object> discovery = map(list(job, "dns_sd_configs").get(0));

        assertThat(tollgate).containsExactlyInAnyOrder("orchestrator", "hook-caller", "payment-worker", "webhook-dispatcher");
        assertThat(list(prometheus, "command")).contains("--config.file=/etc/prometheus/prometheus.yml");
        assertThat(list(discovery, "names")).containsExactlyInAnyOrderElementsOf(List.copyOf(tollgate));
        for (String service : tollgate) {
            Map<String, Object> environment = map(map(services, service), "environment");
            assertThat(String.valueOf(discovery.get("port"))).isEqualTo(environment.get("TOLLGATE_MANAGEMENT_PORT"));
            assertThat(environment.get("TOLLGATE_MANAGEMENT_BIND_ADDRESS")).isEqualTo("0.0.0.0");
            assertThat(map(services, service).get("ports")).as("%s publishes nothing but the API", service)
                    .satisfiesAnyOf(p -> assertThat(p).isNull(), p -> assertThat(String.valueOf(p)).doesNotContain(":9090"));
        }
        assertThat(job.get("metrics_path")).isEqualTo("/metrics");
        assertThat(list(prometheus, "ports")).noneMatch(p -> String.valueOf(p).startsWith("9090:"));
    }

    /** Grafana gets the Prometheus above as its data source and the dashboard from ops/grafana, both provisioned. */
    @Test
    void grafanaIsProvisionedWithThePrometheusDataSourceAndTheDashboard() throws Exception {
        Map<String, Object> services = map(yaml(COMPOSE), "services");
        Map<String, Object> grafana = map(services, "grafana");
        Path provisioning = mounted(grafana, "/etc/grafana/provisioning");
        Path dashboards = mounted(grafana, "/var/lib/grafana/dashboards");
        Map<String, Object> dataSource = map(list(yaml(provisioning.resolve("datasources/prometheus.yml")), "datasources").get(0));
        Map<String, Object> provider = map(list(yaml(provisioning.resolve("dashboards/tollgate.yml")), "providers").get(0));
        String home = String.valueOf(map(grafana, "environment").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));

        assertThat(dataSource).containsEntry("type", "prometheus").containsEntry("url", "http://prometheus:9090");
        assertThat(services).containsKey("prometheus");
        assertThat(GrafanaDashboardTest.dataSourceUids(dashboards.resolve("tollgate.json"))).containsOnly(String.valueOf(dataSource.get("uid")));
        assertThat(map(provider, "options")).containsEntry("path", "/var/lib/grafana/dashboards");
        assertThat(home).startsWith("/var/lib/grafana/dashboards/");
        assertThat(dashboards.resolve(home.substring("/var/lib/grafana/dashboards/".length()))).isRegularFile();
    }

    /** The file on this machine a service mounts at {@code target} (a {@code ./path:target[:ro]} volume). */
    private static Path mounted(Map<String, Object> service, String target) {
        for (Object volume : list(service, "volumes")) {
            String[] parts = String.valueOf(volume).split(":");
            if (parts[1].equals(target)) {
                Path source = COMPOSE.resolveSibling(parts[0]).normalize();
                assertThat(source).as("mounted at " + target).exists();
                return source;
            }
        }
        throw new AssertionError("nothing mounted at " + target);
    }

    static Map<String, Object> yaml(Path file) throws Exception {
        return map(new Yaml().load(Files.readString(file)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        return map(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        assertThat(parent.get(key)).as(key).isInstanceOf(List.class);
        return (List<Object>) parent.get(key);
    }

    private static List<String> matches(String regex, String text) {
        Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
        List<String> found = new java.util.ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
