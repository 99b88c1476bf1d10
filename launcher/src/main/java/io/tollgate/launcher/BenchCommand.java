package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs the confirm path under an open-loop load on the embedded stack, after measuring its baselines "
                + "(a plain Kafka hop, a bare call to the same hook) in the same run, and prints latencies and ratios.",
                "Numbers from a shared or busy machine are not comparable with each other; compare ratios within one run."})
final class BenchCommand implements Callable<Integer> {
    /**
     * Dev mode as for demo, and no client-side Stripe limit: the stand-in is not Stripe, and the
     * 25 writes/s Stripe allows a test-mode key would be what is measured. Either can be set back.
     */
    static final Map<String, String> BENCH_DEFAULTS = Map.of(
            TollgateConfig.Setting.DEV_MODE.key(), "true",
            TollgateConfig.Setting.STRIPE_WRITES_PER_SECOND.key(), "100000");

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--rate", paramLabel = "N", defaultValue = "20", description = "checkouts started per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "60", description = "warm-up, not measured (the JIT is still compiling after a minute on 2 cores) (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "30", description = "measured time (default ${DEFAULT-VALUE})")
    int durationSeconds;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || warmupSeconds < 0 || durationSeconds < 1) {
            spec.commandLine().getErr().println("--rate and --duration must be at least 1, --warmup at least 0");
            return TollgateCli.USAGE;
        }
        String partnerKey = KeysNewCommand.newKey();
        TollgateConfig config = options.load(BENCH_DEFAULTS).toBuilder()
                .addDevPartnerKey(DemoScenarios.AGENCY, partnerKey).port(0).managementPort(0).build();
        var out = spec.commandLine().getOut();
        try (TollgateStack stack = TollgateStack.start(config, TollgateStack.all());
             SampleCapacityHook hook = new SampleCapacityHook()) {
            out.printf("tollgate bench: embedded stack, commit.interval.ms=%d, partitions=%d, stripe writes/s limit %s, %d cores%n",
                    config.commitIntervalMs(), config.partitions(),
                    config.stripeWritesPerSecond().isPresent() ? String.valueOf(config.stripeWritesPerSecond().getAsDouble()) : "by key",
                    Runtime.getRuntime().availableProcessors());
            ConfirmBenchmark bench = new ConfirmBenchmark(stack, partnerKey, hook, out);
            try {
                long errors = bench.run(new ConfirmBenchmark.Plan(rate, Duration.ofSeconds(warmupSeconds),
                        Duration.ofSeconds(durationSeconds)));
                return errors == 0 ? TollgateCli.OK : TollgateCli.FAILURE;
            } finally {
                bench.close();
            }
        }
    }
}
