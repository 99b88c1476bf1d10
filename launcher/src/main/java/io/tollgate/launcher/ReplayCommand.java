package io.tollgate.launcher;

import io.tollgate.orchestrator.checkout.CheckoutReplay;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Folds the command log (checkout.commands.v1) again and compares the result with the journal, "
                + "the order events and the session states the fold wrote. Exits 0 when they are reproduced exactly, "
                + "1 on any difference.",
                "Reads a running cluster: --bootstrap-servers (and --schema-registry-url unless the in-process "
                + "registry's _tollgate_schemas topic is on that cluster). Holds what it reads in memory."})
final class ReplayCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--max-differences", paramLabel = "N", defaultValue = "20", description = "differences printed (default ${DEFAULT-VALUE})")
    int maxDifferences;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (ClusterReader cluster = ClusterReader.connect(options.load(ClusterReader.DEFAULTS))) {
            ClusterReplay.Result result = ClusterReplay.run(cluster);
            CheckoutReplay.Report report = result.report();
            int undecodable = result.undecodable();
            out.printf("replayed %d commands (%d not folded: dead letters) of %d sessions; compared %d journal events and "
                    + "%d order events%n", report.commands(), report.skippedCommands(), report.sessions(), report.events(),
                    report.orders());
            if (undecodable > 0) {
                out.printf("%d output records could not be decoded and were left out%n", undecodable);
            }
            if (!report.pendingSessions().isEmpty()) {
                out.printf("%d session(s) with output not written yet (the fold is behind, or commands arrived while "
                        + "reading); run again to compare them: %s%n", report.pendingSessions().size(),
                        String.join(", ", report.pendingSessions().subList(0, Math.min(10, report.pendingSessions().size()))));
            }
            if (report.reproduced()) {
                out.println("journal, order events and session states are reproduced exactly");
                out.flush();
                return TollgateCli.OK;
            }
            out.printf("%d difference(s):%n", report.differences().size());
            report.differences().stream().limit(maxDifferences).forEach(d -> out.println("  " + d));
            out.flush();
            return TollgateCli.FAILURE;
        }
    }
}
