package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.payment.PaymentWorkerService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Runs checkouts (create, then a blocking confirm through a signed hook call and a Stripe PaymentIntent) "
                + "on the embedded stack in an open loop, against a baseline measured in the same run: the same hook and "
                + "the same Stripe stand-in called inline in the request, no Kafka. Prints latency percentiles, Tollgate's "
                + "overhead over the baseline and their ratio, CPU per checkout, and checkouts/s at saturation.",
                "Numbers from a shared or busy machine are not comparable with each other; compare within one run."})
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

    @Option(names = "--rate", paramLabel = "N", defaultValue = "200", description = "checkouts started per second (default ${DEFAULT-VALUE})")
    int rate;

    @Option(names = "--hook-latency-ms", paramLabel = "MS", defaultValue = "20",
            description = "how long the sample merchant's hook takes to approve (default ${DEFAULT-VALUE})")
    int hookLatencyMs;

    @Option(names = "--sweep", description = "runs 200, 500 and 1000 checkouts/s, each with a 20 ms and a 200 ms hook, "
            + "instead of --rate and --hook-latency-ms")
    boolean sweep;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "120",
            description = "warm-up before the first run, each path (the JIT is still compiling after a minute on 2 cores) (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--cell-warmup", paramLabel = "SECONDS", defaultValue = "15",
            description = "warm-up before each measured run, at its rate (default ${DEFAULT-VALUE})")
    int cellWarmupSeconds;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "30", description = "each measured run (default ${DEFAULT-VALUE})")
    int durationSeconds;

    @Option(names = "--saturation-shoppers", paramLabel = "N", defaultValue = "256",
            description = "shoppers in the closed-loop saturation run; 0 skips it (default ${DEFAULT-VALUE})")
    int saturationShoppers;

    @Option(names = "--baseline", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "measure the inline baseline too (default); --no-baseline runs Tollgate alone, e.g. under a profiler")
    boolean baseline;

    @Option(names = "--merchants", paramLabel = "N", defaultValue = "16",
            description = "merchants the checkouts are spread over, each with its own hook (default ${DEFAULT-VALUE})")
    int merchants;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || hookLatencyMs < 0 || warmupSeconds < 0 || cellWarmupSeconds < 0 || durationSeconds < 1
                || saturationShoppers < 0 || merchants < 1) {
            spec.commandLine().getErr().println("--rate, --duration and --merchants must be at least 1; the rest at least 0");
            return TollgateCli.USAGE;
        }
        List<ConfirmBenchmark.Cell> cells = new ArrayList<>();
        if (sweep) {
            for (int latency : List.of(20, 200)) {
                for (int r : List.of(200, 500, 1000)) {
                    cells.add(new ConfirmBenchmark.Cell(r, latency));
                }
            }
        } else {
            cells.add(new ConfirmBenchmark.Cell(rate, hookLatencyMs));
        }
        String partnerKey = KeysNewCommand.newKey();
        TollgateConfig config = options.load(BENCH_DEFAULTS).toBuilder()
                .addDevPartnerKey(DemoScenarios.AGENCY, partnerKey).port(0).managementPort(0).build();
        var out = spec.commandLine().getOut();
        try (TollgateStack stack = TollgateStack.start(config, TollgateStack.all());
             SampleCapacityHook hook = new SampleCapacityHook()) {
            out.printf("tollgate bench: embedded stack, commit.interval.ms=%d, partitions=%d, %d cores, %d merchants%n",
                    config.commitIntervalMs(), config.partitions(), Runtime.getRuntime().availableProcessors(), merchants);
            PaymentWorkerService.Settings payment = TollgateStack.paymentWorkerSettings(config, TollgateStack.STAND_IN_KEY,
                    stack.stripeStandIn().orElseThrow().apiBase());
            ConfirmBenchmark bench = new ConfirmBenchmark(stack, partnerKey, hook, payment.stripe(), payment.stripeThreads(), out);
            try {
                long errors = bench.run(new ConfirmBenchmark.Plan(cells, Duration.ofSeconds(warmupSeconds),
                        Duration.ofSeconds(cellWarmupSeconds), Duration.ofSeconds(durationSeconds), saturationShoppers, merchants, baseline));
                return errors == 0 ? TollgateCli.OK : TollgateCli.FAILURE;
            } finally {
                bench.close();
            }
        }
    }
}
