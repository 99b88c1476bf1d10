package io.tollgate.launcher.chaos;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A fault run from start to end: deploy, set merchants up, start the load, kill each role in turn (a round),
 * stop the load, check the invariants. Every process it started is stopped when it returns or fails, and on
 * Ctrl-C.
 */
final class ChaosRun {
    /**
     * @param kills the roles killed in each round, in order (e.g. {@code orchestrator-1, broker-2})
     * @param timeout how long a start or a recovery may take before the run counts it failed
     */
    record Plan(Path workDir, double rate, List<String> kills, int rounds, Duration warmUp, Duration calm, Duration sessionTtl,
            int partitions, double stripeFaultRate, double hookErrorRate, double hookSlowRate, boolean staticMembership,
            Map<String, String> serviceSettings, Duration timeout) {
    }

    private ChaosRun() {
    }

    static ChaosReport run(Plan plan, PrintWriter out) throws Exception {
        long startedAt = System.nanoTime();
        ChildJvm jvm = ChildJvm.ofThisProcess(plan.workDir().resolve("logs"));
        ChaosDeployment.Settings settings = new ChaosDeployment.Settings(plan.workDir(), plan.sessionTtl(), plan.partitions(),
                plan.stripeFaultRate(), plan.hookErrorRate(), plan.hookSlowRate(), plan.staticMembership(), plan.serviceSettings());
        progress(out, "starting 3 Kafka nodes, registry, Stripe stand-in, merchant hook, 2 orchestrators, hook-caller, "
                + "payment worker as processes (logs in " + jvm.logDir() + ")");
        ChaosDeployment deployment = ChaosDeployment.start(settings, jvm, plan.timeout());
        // Ctrl-C must not leave ten JVMs behind
        Thread stopOnExit = new Thread(deployment::close, "chaos-stop");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        try (deployment; CheckoutTraffic traffic = new CheckoutTraffic(deployment)) {
            progress(out, "deployment up in " + Duration.ofNanos(System.nanoTime() - startedAt).toSeconds() + " s; load "
                    + plan.rate() + " checkouts/s through both orchestrators");
            traffic.setUp();
            traffic.startLoad(plan.rate());
            Thread.sleep(plan.warmUp().toMillis());
            KillAndRestart fault = new KillAndRestart(deployment, traffic, plan.timeout());
            List<KillAndRestart.Recovery> recoveries = new ArrayList<>();
            for (int round = 1; round <= plan.rounds(); round++) {
                for (String role : plan.kills()) {
                    KillAndRestart.Recovery recovery = fault.run(role);
                    recoveries.add(recovery);
                    progress(out, "round " + round + ": kill -9 " + role + " -> serving again after "
                            + KillAndRestart.millis(recovery.ready()) + " ms, confirms 200 again after "
                            + KillAndRestart.millis(recovery.recovered()) + " ms");
                    Thread.sleep(plan.calm().toMillis());
                }
            }
            traffic.stopLoad(Duration.ofSeconds(90));
            progress(out, "load stopped; waiting for every session's deadline (session.ttl " + plan.sessionTtl().toSeconds()
                    + " s), then checking");
            Invariants.Result invariants = Invariants.check(deployment, traffic, plan.sessionTtl());
            return new ChaosReport(recoveries, traffic.outcomes(), invariants, Duration.ofNanos(System.nanoTime() - startedAt));
        } finally {
            removeHook(stopOnExit);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs and stops the processes
        }
    }

    private static void progress(PrintWriter out, String line) {
        out.println("chaos: " + line);
        out.flush();
    }
}
