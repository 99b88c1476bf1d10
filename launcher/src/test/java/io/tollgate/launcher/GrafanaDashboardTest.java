package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * ops/grafana/dashboards/tollgate.json as Grafana reads a provisioned dashboard: the fields it needs,
 * panels on its 24-column grid without overlaps, every query on the provisioned data source with a
 * well-formed PromQL expression. That every metric it queries exists is checked against a real scrape
 * in {@link ObservabilityEndToEndTest}.
 */
class GrafanaDashboardTest {
    static final Path DASHBOARD = Path.of("..", "ops", "grafana", "dashboards", "tollgate.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Tollgate's and its libraries' metric families, as Prometheus names them. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:tollgate|jetty|kafka|jvm|process|system)_[a-z0-9_]+\\b");

    @Test
    void hasWhatGrafanaNeedsToProvisionIt() throws IOException {
        JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());

        assertThat(dashboard.get("uid").asText()).matches("[a-z0-9-]{1,40}");
        assertThat(dashboard.get("title").asText()).isNotBlank();
        assertThat(dashboard.get("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
        assertThat(dashboard.get("panels").isArray()).isTrue();
        assertThat(dashboard.has("id")).as("a provisioned dashboard leaves its database id to Grafana").isFalse();
    }

    @Test
    void panelsSitOnTheGridWithoutOverlapAndHaveUniqueIds() throws IOException {
        List<JsonNode> panels = panels();
        Set<Integer> ids = new HashSet<>();
        List<int[]> boxes = new ArrayList<>();

        for (JsonNode panel : panels) {
            assertThat(ids.add(panel.get("id").asInt())).as("panel id %s is unique", panel.get("id")).isTrue();
            JsonNode grid = panel.get("gridPos");
            int x = grid.get("x").asInt();
            int y = grid.get("y").asInt();
            int w = grid.get("w").asInt();
            int h = grid.get("h").asInt();
            assertThat(x).isBetween(0, 23);
            assertThat(w).isPositive();
            assertThat(h).isPositive();
            assertThat(x + w).as("%s fits the 24 columns", panel.get("title")).isLessThanOrEqualTo(24);
            for (int[] other : boxes) {
                boolean apart = x + w <= other[0] || other[0] + other[2] <= x || y + h <= other[1] || other[1] + other[3] <= y;
                assertThat(apart).as("%s overlaps another panel", panel.get("title")).isTrue();
            }
            boxes.add(new int[] {x, y, w, h});
        }
    }

    @Test
    void everyQueryIsWellFormedPromQlOnTheDataSource() throws IOException {
        List<JsonNode> graphs = panels().stream().filter(p -> !p.get("type").asText().equals("row")).toList();

        assertThat(graphs).isNotEmpty().allSatisfy(panel -> {
            assertThat(panel.get("title").asText()).isNotBlank();
            assertThat(panel.get("type").asText()).isIn("timeseries", "stat", "gauge", "bargauge", "table");
            JsonNode targets = panel.get("targets");
            assertThat(targets).as("%s has queries", panel.get("title")).isNotEmpty();
            Set<String> refIds = new HashSet<>();
            for (JsonNode target : targets) {
                assertThat(refIds.add(target.get("refId").asText())).isTrue();
                String expr = target.get("expr").asText();
                assertThat(balanced(expr)).as("brackets and quotes balance in %s", expr).isTrue();
                assertThat(METRIC.matcher(expr).find()).as("%s queries a metric", expr).isTrue();
            }
        });
        // the confirm histogram, hook outcomes, the fold, lag and the JVM: what the dashboard is for
        assertThat(metricNames(DASHBOARD)).contains("tollgate_api_confirm_duration_seconds_bucket", "tollgate_hook_outcomes_total",
                "tollgate_fold_commands_total", "tollgate_consumer_group_lag", "jvm_memory_used_bytes", "jvm_gc_pause_seconds_sum");
    }

    /** The metric names the dashboard's queries use. */
    static Set<String> metricNames(Path dashboard) throws IOException {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : panels(JSON.readTree(dashboard.toFile()))) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.get("expr").asText());
                while (m.find()) {
                    names.add(m.group());
                }
            }
        }
        return names;
    }

    /** The data source uids the dashboard's panels and queries name. */
    static Set<String> dataSourceUids(Path dashboard) throws IOException {
        Set<String> uids = new TreeSet<>();
        for (JsonNode panel : panels(JSON.readTree(dashboard.toFile()))) {
            if (panel.has("datasource")) {
                uids.add(panel.get("datasource").get("uid").asText());
            }
            panel.path("targets").forEach(t -> uids.add(t.get("datasource").get("uid").asText()));
        }
        return uids;
    }

    private static List<JsonNode> panels() throws IOException {
        return panels(JSON.readTree(DASHBOARD.toFile()));
    }

    private static List<JsonNode> panels(JsonNode dashboard) {
        return StreamSupport.stream(dashboard.get("panels").spliterator(), false).toList();
    }

    private static boolean balanced(String expr) {
        StringBuilder open = new StringBuilder();
        boolean quoted = false;
        for (char c : expr.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && "([{".indexOf(c) >= 0) {
                open.append(c);
            } else if (!quoted && ")]}".indexOf(c) >= 0) {
                if (open.isEmpty() || "([{".indexOf(open.charAt(open.length() - 1)) != ")]}".indexOf(c)) {
                    return false;
                }
                open.setLength(open.length() - 1);
            }
        }
        return !quoted && open.isEmpty();
    }
}
