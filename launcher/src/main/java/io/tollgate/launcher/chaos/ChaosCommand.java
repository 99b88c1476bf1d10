package io.tollgate.launcher.chaos;

import io.tollgate.common.config.TollgateConfig.Setting;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tollgate chaos}: the fault suite (docs/operations.md, "Fault testing"). */
@Command(name = "chaos", mixinStandardHelpOptions = true,
        description = {"Fault suite: deploys Tollgate as separate processes on a 3-node KRaft cluster (replication factor 3, "
                + "min.insync.replicas 2) with a schema registry, a flaky Stripe stand-in and a flapping merchant hook; runs "
                + "checkouts through both orchestrators while it kill -9s each role in turn and starts it again; then checks "
                + "that no session was lost or stuck, no session got two PaymentIntents, every command has its journal answer, "
                + "replay reproduces the journal and every hash chain holds.",
                "Prints recovery times per kill. Exits 0 when every invariant held and every role recovered, 1 otherwise. "
                + "Everything it starts is stopped when it ends."})
public final class ChaosCommand implements Callable<Integer> {
    static final List<String> EVERY_ROLE = List.of("orchestrator-1", "hook-caller", "payment-worker", "broker-1", "registry",
            "orchestrator-2", "broker-2", "broker-3");

    @Spec
    CommandSpec spec;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where data, config files and each process's log go (default: a new temp directory, kept).")
    Path workDir;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "2", description = "Checkouts started per second (default ${DEFAULT-VALUE}).")
    double rate;

    @Option(names = "--kill", split = ",", paramLabel = "ROLE",
            description = "Roles killed in each round, in order (default: every role: ${DEFAULT-VALUE}).")
    List<String> kills = EVERY_ROLE;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "1", description = "Rounds of kills (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--warm-up", paramLabel = "SECONDS", defaultValue = "10", description = "Load before the first kill (default ${DEFAULT-VALUE}).")
    int warmUpSeconds;

    @Option(names = "--calm", paramLabel = "SECONDS", defaultValue = "5", description = "Load after each recovery (default ${DEFAULT-VALUE}).")
    int calmSeconds;

    @Option(names = "--session-ttl", paramLabel = "SECONDS", defaultValue = "30",
            description = "session.ttl of the services: how long the end waits for the last deadline (default ${DEFAULT-VALUE}).")
    int sessionTtlSeconds;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "3", description = "partitions of Tollgate's topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--stripe-fault-rate", paramLabel = "FRACTION", defaultValue = "0.05",
            description = "Share of Stripe requests the stand-in fails (default ${DEFAULT-VALUE}).")
    double stripeFaultRate;

    @Option(names = "--hook-error-rate", paramLabel = "FRACTION", defaultValue = "0.15",
            description = "Share of flapping-hook calls answered 503 (default ${DEFAULT-VALUE}).")
    double hookErrorRate;

    @Option(names = "--hook-slow-rate", paramLabel = "FRACTION", defaultValue = "0.1",
            description = "Share of flapping-hook calls answered too late (default ${DEFAULT-VALUE}).")
    double hookSlowRate;

    @Option(names = "--dynamic-membership",
            description = "Run the services without instance.id and with Kafka's 45 s session timeout: how they recovered before static membership.")
    boolean dynamicMembership;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "180",
            description = "Longest a start or one recovery may take (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "A setting for every service, e.g. --set commit.interval.ms=50 (repeatable).")
    Map<String, String> serviceSettings = Map.of();

    @Override
    public Integer call() throws Exception {
        serviceSettings.keySet().forEach(key -> {
            if (Setting.forKey(key).isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--set: unknown setting '" + key + "' (see docs/configuration.md)");
            }
        });
        kills.forEach(role -> {
            if (!EVERY_ROLE.contains(role)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--kill: no role '" + role + "'; roles: " + EVERY_ROLE);
            }
        });
        if (rate <= 0 || rounds < 1 || sessionTtlSeconds < 5 || partitions < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--rate must be positive, --rounds and --partitions at least 1, "
                    + "--session-ttl at least 5");
        }
        Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("tollgate-chaos-");
        ChaosRun.Plan plan = new ChaosRun.Plan(dir.toAbsolutePath(), rate, List.copyOf(kills), rounds, Duration.ofSeconds(warmUpSeconds),
                Duration.ofSeconds(calmSeconds), Duration.ofSeconds(sessionTtlSeconds), partitions, stripeFaultRate, hookErrorRate,
                hookSlowRate, !dynamicMembership, Map.copyOf(serviceSettings), Duration.ofSeconds(timeoutSeconds));
        PrintWriter out = spec.commandLine().getOut();
        ChaosReport report = ChaosRun.run(plan, out);
        report.print(out);
        return report.passed() ? 0 : 1;
    }
}
