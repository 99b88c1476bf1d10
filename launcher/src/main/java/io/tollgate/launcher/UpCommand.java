package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.lifecycle.Resources;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = "Runs all services until stopped (Ctrl-C); embedded broker and registry unless pointed elsewhere.")
final class UpCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(UpCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    private final Resources running = new Resources();

    @Override
    public Integer call() throws Exception {
        return runUntilStopped(spec, options.load(DemoCommand.DEFAULTS), TollgateStack.all());
    }

    /** Starts the services asked for and blocks until Ctrl-C; used by up and by each single-service command. */
    static int runUntilStopped(CommandSpec spec, TollgateConfig config, java.util.Set<TollgateStack.Service> services)
            throws Exception {
        return new UpCommand().run(spec, config, services);
    }

    private int run(CommandSpec spec, TollgateConfig config, java.util.Set<TollgateStack.Service> services) throws Exception {
        log.info("tollgate_up services={} config={}", services, config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAll();
            stopped.countDown();
        }, "tollgate-up-shutdown"));
        try {
            // a file an earlier run left behind (killed before it could remove it) must not announce this one
            ReadyFile readyFile = config.readyFile().map(ReadyFile::claim).orElse(null);
            TollgateStack stack = TollgateStack.start(config, services);
            running.add(stack);
            if (readyFile != null) {
                // closed before the stack: the file goes first, so nobody is sent to a stopping process
                running.add(readyFile);
            }
            Map<String, Object> ready = new LinkedHashMap<>();
            ready.put("api", stack.apiUrl().orElse(null));
            ready.put("bootstrap_servers", stack.bootstrapServers());
            ready.put("schema_registry_url", stack.registryUrl());
            ready.put("metrics", stack.managementUrl() + "/metrics");
            if (readyFile != null) {
                readyFile.write(ready);
            }
            var out = spec.commandLine().getOut();
            out.println("Tollgate is up. API " + ready.get("api") + ", Kafka " + stack.bootstrapServers()
                    + ", schema registry " + stack.registryUrl() + ", health and metrics " + stack.managementUrl()
                    + ". Stop with Ctrl-C.");
            out.flush();
        } catch (Exception e) {
            stopAll();
            throw e;
        }
        stopped.await();
        return TollgateCli.OK;
    }

    private void stopAll() {
        running.close();
    }
}
