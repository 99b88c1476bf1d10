package io.tollgate.launcher.chaos;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.launcher.ClusterReader;
import io.tollgate.launcher.ClusterReplay;
import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.orchestrator.checkout.EventChain;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What must hold after the faults, each checked from outside: the API for sessions, the Stripe stand-in for
 * PaymentIntents, and the cluster itself for the journal (read and folded again as {@code tollgate replay}
 * does, and each session's hash chain checked as {@code tollgate audit} does).
 */
final class Invariants {
    private static final Logger log = LoggerFactory.getLogger(Invariants.class);
    private static final Set<String> TERMINAL = Set.of("paid", "failed", "canceled");
    /** Past a session's deadline: the expiry scan (1 s), the expiry command's trip through the fold, a resend. */
    private static final Duration AFTER_DEADLINE = Duration.ofSeconds(15);
    private static final Duration SETTLE = Duration.ofSeconds(90);
    private static final int REPLAY_TRIES = 6;

    /** One invariant: how many cases broke it (0 to pass), with a few of them named. */
    record Check(String name, long failures, List<String> examples) {
        boolean passed() {
            return failures == 0;
        }
    }

    record Result(int sessions, Map<String, Long> statuses, List<Check> checks) {
        boolean passed() {
            return checks.stream().allMatch(Check::passed);
        }
    }

    private Invariants() {
    }

    static Result check(ChaosDeployment deployment, CheckoutTraffic traffic, Duration sessionTtl) throws IOException, InterruptedException {
        List<CheckoutTraffic.Tracked> sessions = traffic.sessions();
        Instant lastDeadline = sessions.stream().map(CheckoutTraffic.Tracked::createdAt).max(Instant::compareTo).orElse(Instant.now())
                .plus(sessionTtl).plus(AFTER_DEADLINE);
        long wait = Duration.between(Instant.now(), lastDeadline).toMillis();
        log.info("chaos_invariants waiting_for_deadlines_ms={} sessions={}", Math.max(0, wait), sessions.size());
        if (wait > 0) {
            Thread.sleep(wait);
        }

        Map<String, String> status = new LinkedHashMap<>();
        Instant settleUntil = Instant.now().plus(SETTLE);
        List<String> open = sessions.stream().map(CheckoutTraffic.Tracked::sessionId).toList();
        while (true) {
            List<String> stillOpen = new ArrayList<>();
            for (String id : open) {
                String s = traffic.status(id).orElse("unknown");
                status.put(id, s);
                if (!TERMINAL.contains(s) && !s.equals("unknown")) {
                    stillOpen.add(id);
                }
            }
            open = stillOpen;
            if (open.isEmpty() || Instant.now().isAfter(settleUntil)) {
                break;
            }
            Thread.sleep(2_000);
        }
        Map<String, Long> statuses = new TreeMap<>();
        status.values().forEach(s -> statuses.merge(s, 1L, Long::sum));

        ClusterReplay.Result replay = replay(deployment);
        Map<String, List<io.tollgate.schema.CheckoutEvent>> journal = replay.journal();

        List<String> lost = status.entrySet().stream()
                .filter(e -> e.getValue().equals("unknown") || !journal.containsKey(e.getKey())).map(Map.Entry::getKey).toList();
        List<String> stuck = status.entrySet().stream()
                .filter(e -> !TERMINAL.contains(e.getValue()) && !e.getValue().equals("unknown")).map(e -> e.getKey() + "=" + e.getValue())
                .toList();
        List<String> doubled = traffic.paymentIntentsBySession().entrySet().stream().filter(e -> e.getValue() > 1)
                .map(e -> e.getKey() + "=" + e.getValue()).toList();
        // the shopper's money stays only with a paid session: a payment that came after the end is refunded
        List<String> moneyKept = traffic.amountHeldBySession().entrySet().stream()
                .filter(e -> !"paid".equals(status.get(e.getKey()))).map(e -> e.getKey() + "=" + status.getOrDefault(e.getKey(), "a probe")
                        + " holds " + e.getValue()).toList();
        CheckoutReplay.Report report = replay.report();
        List<String> broken = journal.entrySet().stream().filter(e -> EventChain.firstBrokenLink(e.getValue()) >= 0)
                .map(Map.Entry::getKey).toList();
        List<Check> checks = List.of(
                new Check("sessions lost (created, then unknown)", lost.size(), first(lost)),
                new Check("sessions stuck (not terminal after their deadline)", stuck.size(), first(stuck)),
                new Check("sessions with more than one PaymentIntent", doubled.size(), first(doubled)),
                new Check("sessions not paid that keep the shopper's money", moneyKept.size(), first(moneyKept)),
                new Check("commands without a journal answer", report.unansweredCommands().size(), first(report.unansweredCommands())),
                new Check("replay differences", report.differences().size(),
                        first(report.differences().stream().map(CheckoutReplay.Difference::toString).toList())),
                new Check("audit hash-chain breaks", broken.size(), first(broken)),
                new Check("journal records that do not decode", replay.undecodable(), List.of()),
                underReplicated(deployment.cluster()));
        return new Result(sessions.size(), statuses, checks);
    }

    /** The replay, read again while the fold still has commands to answer (it may be a moment behind). */
    private static ClusterReplay.Result replay(ChaosDeployment deployment) throws InterruptedException {
        TollgateConfig config = TollgateConfig.builder().devMode(true).bootstrapServers(deployment.cluster().bootstrapServers())
                .schemaRegistryUrl(deployment.registryUrl()).build();
        ClusterReplay.Result result = null;
        for (int attempt = 1; attempt <= REPLAY_TRIES; attempt++) {
            try (ClusterReader cluster = ClusterReader.connect(config)) {
                result = ClusterReplay.run(cluster);
            }
            CheckoutReplay.Report report = result.report();
            if (report.unansweredCommands().isEmpty() && report.pendingSessions().isEmpty()) {
                break;
            }
            log.info("chaos_replay_pending attempt={} unanswered_commands={} pending_sessions={}", attempt,
                    report.unansweredCommands().size(), report.pendingSessions().size());
            Thread.sleep(5_000);
        }
        return result;
    }

    /** Topics created with fewer replicas than the cluster's three nodes would lose writes when a node dies. */
    private static Check underReplicated(KraftCluster cluster) {
        List<String> found = cluster.replicationFactors().entrySet().stream().filter(e -> e.getKey() < KraftCluster.NODES)
                .map(e -> e.getValue() + " partitions with " + e.getKey() + " replicas").toList();
        return new Check("partitions with fewer than " + KraftCluster.NODES + " replicas", found.size(), found);
    }

    private static List<String> first(List<String> items) {
        return items.subList(0, Math.min(5, items.size()));
    }

    static Optional<String> describe(Check check) {
        return check.examples().isEmpty() ? Optional.empty() : Optional.of(String.join(", ", check.examples()));
    }
}
