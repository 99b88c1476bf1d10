package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The benchmark runs end to end without errors and reports what it measured; no timing is asserted. */
class BenchCommandTest {

    @Test
    void aShortRunCompletesWithoutErrorsAndReportsBothPathsTheOverheadAndSaturation() {
        StringWriter out = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setOut(new PrintWriter(out, true));

        int exit = cli.execute("bench", "--rate", "20", "--warmup", "1", "--cell-warmup", "1", "--duration", "3",
                "--saturation-shoppers", "4", "--merchants", "2", "--set", "partitions=2");

        assertThat(exit).as(out.toString()).isEqualTo(TollgateCli.OK);
        assertThat(out.toString())
                .contains("kafka plain hop")
                .containsPattern("inline baseline +confirm p50 +[0-9.]+")
                .containsPattern("tollgate +confirm p50 +[0-9.]+")
                .containsPattern("overhead \\(tollgate - inline\\): p50 -?[0-9.]+ ms, p99 -?[0-9.]+ ms")
                .containsPattern("checkouts/s at saturation: tollgate [0-9]+, inline [0-9]+")
                .containsPattern("\\| 20/s \\| 20 ms \\|.*\\| 0 \\|");
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
