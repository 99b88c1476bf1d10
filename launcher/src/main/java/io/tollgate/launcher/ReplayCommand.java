package io.tollgate.launcher;

import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.orchestrator.checkout.PartitionReplay;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
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
                + "registry's _tollgate_schemas topic is on that cluster). Streams each partition; sessions are kept on disk "
                + "in a temporary directory, so memory does not grow with history."})
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
            Totals totals = new Totals();
            List<CheckoutReplay.Difference> differences = new ArrayList<>();
            List<Integer> pending = new ArrayList<>();
            int partitions = cluster.partitions(topics.checkoutCommands());
            // The session topics are co-partitioned with the command log (services refuse to start
            // otherwise), so each partition is replayed on its own, one after the other.
            for (int p = 0; p < partitions; p++) {
                if (!replayPartition(cluster, p, totals, differences)) {
                    pending.add(p);
                }
            }
            out.printf("replayed %d commands (%d not folded: dead letters) in %d partition(s); compared %d journal events, "
                    + "%d order events and %d session states%n", totals.commands, totals.skipped, partitions, totals.events,
                    totals.orders, totals.states);
            if (totals.undecodable > 0) {
                out.printf("%d output records could not be decoded and were left out%n", totals.undecodable);
            }
            if (!pending.isEmpty()) {
                out.printf("partition(s) %s have output not written yet (the fold is behind, or commands arrived while "
                        + "reading): their states were not compared; run again%n", pending);
            }
            if (differences.isEmpty()) {
                out.println("journal, order events and session states are reproduced exactly");
                out.flush();
                return TollgateCli.OK;
            }
            out.printf("%d difference(s):%n", differences.size());
            differences.stream().limit(maxDifferences).forEach(d -> out.println("  " + d));
            out.flush();
            return TollgateCli.FAILURE;
        }
    }

    private static final class Totals {
        long commands;
        long skipped;
        long events;
        long orders;
        long states;
        long undecodable;
    }

    /**
     * Replays one partition: states first, then journal and order events, then commands, each read to
     * the end it had when its read began — so whatever the fold writes meanwhile has its commands in
     * what is replayed, and can only show as pending, never as a difference. Returns false when the
     * partition's output was not complete.
     */
    private static boolean replayPartition(ClusterReader cluster, int partition, Totals totals,
            List<CheckoutReplay.Difference> differences) {
        var topics = cluster.topics();
        try (ReplayStates written = new ReplayStates("written-" + partition);
             ReplayStates replayed = new ReplayStates("replayed-" + partition)) {
            try (var states = cluster.cursor(topics.sessionState(), partition)) {
                states.forEachRemaining(read -> {
                    if (read.value() != null) {
                        written.put(read.record().key(), read.value());
                    } else if (read.undecodable() != null) {
                        totals.undecodable++;
                    } else {
                        written.remove(read.record().key());
                    }
                });
            }
            boolean complete;
            try (var journal = cluster.cursor(topics.checkoutEvents(), partition);
                 var orders = cluster.cursor(topics.orderEvents(), partition);
                 var commands = cluster.cursor(topics.checkoutCommands(), partition)) {
                PartitionReplay replay = new PartitionReplay(replayed, decoded(journal, totals), decoded(orders, totals));
                commands.forEachRemaining(read -> {
                    if (read.value() != null) {
                        replay.fold(read.record().key(), read.value());
                    }
                });
                complete = replay.finish();
                totals.commands += replay.commands();
                totals.skipped += replay.skippedCommands();
                totals.events += replay.events();
                totals.orders += replay.orderEvents();
                differences.addAll(replay.differences());
            }
            if (complete) {
                replayed.forEach((session, state) -> {
                    totals.states++;
                    var difference = PartitionReplay.compareState(session, state, written.get(session));
                    if (difference != null) {
                        differences.add(difference);
                    }
                });
                written.forEach((session, state) -> {
                    if (replayed.get(session) == null) {
                        differences.add(PartitionReplay.compareState(session, null, state));
                    }
                });
            }
            return complete;
        }
    }

    /** The decoded values of a cursor; records that do not decode are counted and passed over. */
    private static <V> Iterator<V> decoded(Iterator<ClusterReader.Read<V>> reads, Totals totals) {
        return new Iterator<>() {
            private V next;

            @Override
            public boolean hasNext() {
                while (next == null && reads.hasNext()) {
                    ClusterReader.Read<V> read = reads.next();
                    if (read.value() != null) {
                        next = read.value();
                    } else if (read.undecodable() != null) {
                        totals.undecodable++;
                    }
                }
                return next != null;
            }

            @Override
            public V next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                V value = next;
                next = null;
                return value;
            }
        };
    }
}
