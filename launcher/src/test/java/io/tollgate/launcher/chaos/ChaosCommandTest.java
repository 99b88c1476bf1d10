package io.tollgate.launcher.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A short run of the fault suite, as CI runs it: ten processes on two cores, one kill of each kind of
 * Tollgate process and of a broker, a small load. The long run is the same command with more rounds.
 */
class ChaosCommandTest {
    @TempDir
    Path workDir;

    @Test
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void killingEachKindOfProcessOnceLosesNothing() {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new ChaosCommand());
        cli.setOut(new PrintWriter(out, true));

        int exit = cli.execute("--work-dir", workDir.toString(), "--kill", "orchestrator-1,hook-caller,payment-worker,broker-2",
                "--rate", "1", "--warm-up", "5", "--calm", "2", "--session-ttl", "15", "--timeout", "240");

        String report = out.toString();
        assertThat(exit).as(report).isZero();
        assertThat(report).contains("chaos: PASSED")
                .containsPattern("orchestrator-1 +ORCHESTRATOR +\\d+ +\\d+")
                .containsPattern("hook-caller +HOOK_CALLER +\\d+ +\\d+")
                .containsPattern("payment-worker +PAYMENT_WORKER +\\d+ +\\d+")
                .containsPattern("broker-2 +BROKER +\\d+ +\\d+")
                .containsPattern("sessions lost \\(created, then unknown\\) +0  ok")
                .containsPattern("sessions with more than one PaymentIntent +0  ok")
                .containsPattern("sessions not paid that keep the shopper's money +0  ok")
                .containsPattern("replay differences +0  ok");
        // the load got through: sessions were created and confirmed, and some were paid
        assertThat(report).containsPattern("create_201 +[1-9]").containsPattern("confirm_200 +[1-9]").containsPattern("pay_200 +[1-9]");
    }
}
