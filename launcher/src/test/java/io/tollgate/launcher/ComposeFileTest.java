package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

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

    /** Health and metrics left the API port: the healthchecks must follow them, and nothing may publish them. */
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
        assertThat(matches("^\\s+TOLLGATE_MANAGEMENT_BIND_ADDRESS: (\\S+)", compose)).as("loopback, the default").isEmpty();
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
