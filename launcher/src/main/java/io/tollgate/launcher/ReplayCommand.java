package io.tollgate.launcher;

import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
            var topics = cluster.topics();
            CheckoutReplay replay = new CheckoutReplay();
            int undecodable = 0;
            // Journal and outputs first, then the commands: whatever the fold writes meanwhile has its
            // commands in what is read, so it can only show as pending, never as a difference.
            Map<String, List<CheckoutEvent>> journal = new HashMap<>();
            for (var read : cluster.readAll(topics.checkoutEvents())) {
                undecodable += add(journal, read);
            }
            Map<String, List<OrderEvent>> orders = new HashMap<>();
            for (var read : cluster.readAll(topics.orderEvents())) {
                undecodable += add(orders, read);
            }
            Map<String, SessionState> states = new HashMap<>();
            for (var read : cluster.readAll(topics.sessionState())) {
                if (read.value() != null) {
                    states.put(read.record().key(), read.value());
                } else if (read.undecodable() != null) {
                    undecodable++;
                }
            }
            for (var read : cluster.readAll(topics.checkoutCommands())) {
                replay.fold(read.record().key(), read.value());
            }
            CheckoutReplay.Report report = replay.compare(journal, orders, states);
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

    private static <V> int add(Map<String, List<V>> bySession, ClusterReader.Read<V> read) {
        if (read.value() == null) {
            return read.undecodable() == null ? 0 : 1;
        }
        bySession.computeIfAbsent(read.record().key(), k -> new ArrayList<>()).add(read.value());
        return 0;
    }
}
