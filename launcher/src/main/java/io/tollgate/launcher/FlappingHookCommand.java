package io.tollgate.launcher;

import io.tollgate.common.lifecycle.Resources;
import io.tollgate.launcher.chaos.FlappingMerchantHook;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** A merchant hook that flaps (sometimes 503, sometimes too slow), as its own process, for the fault suite. */
@Command(name = "flapping-hook", mixinStandardHelpOptions = true,
        description = {"Runs a sample merchant pre-confirmation hook that misbehaves on purpose: POST /flap answers 503 "
                + "or too slowly to a share of calls and approves the rest; POST /approve always approves."})
final class FlappingHookCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "0", description = "Port (default any free one).")
    int port;

    @Option(names = "--error-rate", paramLabel = "FRACTION", defaultValue = "0.15", description = "Share of /flap calls answered 503 (default ${DEFAULT-VALUE}).")
    double errorRate;

    @Option(names = "--slow-rate", paramLabel = "FRACTION", defaultValue = "0.1", description = "Share of /flap calls answered late (default ${DEFAULT-VALUE}).")
    double slowRate;

    @Option(names = "--slow-ms", paramLabel = "MS", defaultValue = "3000", description = "How late a slow answer is (default ${DEFAULT-VALUE}).")
    long slowMs;

    @Override
    public Integer call() throws Exception {
        Resources started = new Resources();
        FlappingMerchantHook hook = started.add(new FlappingMerchantHook(host, port, errorRate, slowRate, slowMs));
        return Foreground.run(started, spec.commandLine().getOut(), "Flapping merchant hook up at http://" + host + ":" + hook.port()
                + " (/flap, /approve). Stop with Ctrl-C.");
    }
}
