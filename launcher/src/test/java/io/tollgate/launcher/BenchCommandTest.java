package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmark runs end to end and reports its baselines and ratios; no timing is asserted. */
class BenchCommandTest {

    @Test
    void aShortRunPrintsBaselinesLatenciesAndRatios() {
        StringWriter out = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setOut(new PrintWriter(out, true));

        int exit = cli.execute("bench", "--rate", "5", "--warmup", "1", "--duration", "3", "--set", "partitions=2");

        assertThat(out.toString())
                .contains("kafka plain hop").contains("hook call")
                .contains("confirm (POST .../confirm -> 200)")
                .contains("confirms answered").contains("ratios (confirm / baseline)");
        assertThat(out.toString()).containsPattern("p50: confirm [0-9.]+ ms = [0-9.]+x the kafka hop");
        assertThat(exit).as(out.toString()).isIn(TollgateCli.OK, TollgateCli.FAILURE);
    }

    @Test
    void nonsenseRatesAreAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setErr(new PrintWriter(err, true));

        assertThat(cli.execute("bench", "--rate", "0")).isEqualTo(TollgateCli.USAGE);
        assertThat(err.toString()).contains("--rate");
    }
}
