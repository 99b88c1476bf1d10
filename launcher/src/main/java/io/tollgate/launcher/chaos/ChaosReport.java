package io.tollgate.launcher.chaos;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What a fault run found: recovery after each kill, what the shoppers met, and the invariants. */
record ChaosReport(List<KillAndRestart.Recovery> recoveries, Map<String, Long> outcomes, Invariants.Result invariants,
        Duration took) {

    /** Every invariant held and every killed role recovered. */
    boolean passed() {
        return invariants.passed() && recoveries.stream().allMatch(KillAndRestart.Recovery::complete);
    }

    void print(PrintWriter out) {
        out.println();
        out.println("== Recovery after kill -9 (each role started again at once)");
        out.printf("%-16s %-15s %14s %22s%n", "role", "kind", "serving (ms)", "confirms 200 (ms)");
        recoveries.forEach(r -> out.printf("%-16s %-15s %14s %22s%n", r.role(), r.kind(), KillAndRestart.millis(r.ready()),
                KillAndRestart.millis(r.recovered())));
        out.println();
        out.printf("%-15s %6s %22s %22s%n", "kind", "kills", "serving p50/max (ms)", "confirms p50/max (ms)");
        Map<ChaosDeployment.Kind, List<KillAndRestart.Recovery>> byKind = new TreeMap<>(recoveries.stream()
                .collect(Collectors.groupingBy(KillAndRestart.Recovery::kind)));
        byKind.forEach((kind, list) -> out.printf("%-15s %6d %22s %22s%n", kind, list.size(),
                p50AndMax(list.stream().map(KillAndRestart.Recovery::ready).toList()),
                p50AndMax(list.stream().map(KillAndRestart.Recovery::recovered).toList())));
        out.println();
        out.println("== What the shoppers met (requests by outcome)");
        outcomes.forEach((outcome, count) -> out.printf("  %-48s %8d%n", outcome, count));
        out.println();
        out.printf("== Invariants (%d sessions created; final statuses %s)%n", invariants.sessions(), invariants.statuses());
        for (Invariants.Check check : invariants.checks()) {
            out.printf("  %-56s %6d  %s%s%n", check.name(), check.failures(), check.passed() ? "ok" : "FAILED",
                    Invariants.describe(check).map(e -> "  e.g. " + e).orElse(""));
        }
        long incomplete = recoveries.stream().filter(r -> !r.complete()).count();
        out.printf("  %-56s %6d  %s%n", "kills not recovered within the timeout", incomplete, incomplete == 0 ? "ok" : "FAILED");
        out.println();
        out.printf("chaos: %s in %d s%n", passed() ? "PASSED" : "FAILED", took.toSeconds());
        out.flush();
    }

    /** "p50 / max" in milliseconds of the durations there are; "-" when none. */
    static String p50AndMax(List<Duration> durations) {
        List<Long> ms = durations.stream().filter(Objects::nonNull).map(Duration::toMillis).sorted(Comparator.naturalOrder()).toList();
        if (ms.isEmpty()) {
            return "-";
        }
        return ms.get((ms.size() - 1) / 2) + " / " + ms.get(ms.size() - 1);
    }
}
