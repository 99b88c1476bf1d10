package io.tollgate.launcher.chaos;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fault: {@code kill -9} of one role, started again at once (as a supervisor would), and how long the
 * deployment took to recover. Before each kill the deployment is back to its steady state: every role
 * serves and every partition has all its replicas in sync — two of three brokers down at once is an outage
 * by design ({@code min.insync.replicas} 2), not a fault this suite tests.
 */
final class KillAndRestart {
    private static final Logger log = LoggerFactory.getLogger(KillAndRestart.class);
    private static final long PROBE_PAUSE_MILLIS = 200;

    /**
     * @param ready from the kill until the restarted process serves again (its health check, or the broker listed)
     * @param recovered from the kill until a checkout through the API answered 200 again: through the killed
     *     instance itself for an orchestrator, through either for any other role; null if not within the timeout
     */
    record Recovery(String role, ChaosDeployment.Kind kind, Duration ready, Duration recovered) {
        boolean complete() {
            return ready != null && recovered != null;
        }
    }

    private final ChaosDeployment deployment;
    private final CheckoutTraffic traffic;
    private final Duration timeout;

    KillAndRestart(ChaosDeployment deployment, CheckoutTraffic traffic, Duration timeout) {
        this.deployment = deployment;
        this.traffic = traffic;
        this.timeout = timeout;
    }

    Recovery run(String roleName) {
        ChaosDeployment.Role role = deployment.role(roleName);
        awaitSteadyState();
        long killedAt = System.nanoTime();
        role.process().kill();
        role.process().start();
        CompletableFuture<Duration> ready = CompletableFuture.supplyAsync(
                () -> Wait.within(timeout, role.ready()) ? since(killedAt) : null);
        Duration recovered = awaitConfirms(role, killedAt);
        Recovery recovery = new Recovery(roleName, role.kind(), ready.join(), recovered);
        log.info("chaos_recovery role={} ready_ms={} recovered_ms={}", roleName, millis(recovery.ready()), millis(recovery.recovered()));
        return recovery;
    }

    private Duration awaitConfirms(ChaosDeployment.Role role, long killedAt) {
        int instance = role.apiInstance();
        long deadline = killedAt + timeout.toNanos();
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
            if (traffic.probe(instance >= 0 ? instance : attempt % traffic.instances())) {
                return since(killedAt);
            }
            Wait.pause(PROBE_PAUSE_MILLIS);
        }
        return null;
    }

    private void awaitSteadyState() {
        Wait.until("every role serves and every partition is fully replicated", timeout,
                () -> deployment.roles().stream().allMatch(r -> r.ready().getAsBoolean()) && deployment.cluster().fullyReplicated());
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    static String millis(Duration d) {
        return d == null ? "-" : String.valueOf(d.toMillis());
    }
}
