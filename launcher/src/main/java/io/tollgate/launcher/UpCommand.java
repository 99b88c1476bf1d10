package io.tollgate.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Deque;
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

    // what is running, stopped in reverse order
    private final Deque<AutoCloseable> running = new ArrayDeque<>();

    @Override
    public Integer call() throws InterruptedException {
        TollgateConfig config = options.load(DemoCommand.DEFAULTS);
        log.info("tollgate_up config={}", config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopAll();
            stopped.countDown();
        }, "tollgate-up-shutdown"));
        try {
            String bootstrap = config.bootstrapServers().orElse(null);
            if (bootstrap == null) {
                EmbeddedKafka kafka = EmbeddedKafka.start(TollgateCli.embeddedKafkaDir(config));
                running.push(kafka);
                bootstrap = kafka.bootstrapServers();
            }
            Map<String, Object> ready = new LinkedHashMap<>();
            ready.put("api", null);
            ready.put("bootstrap_servers", bootstrap);
            ready.put("schema_registry_url", config.schemaRegistryUrl().orElse(null));
            ready.put("metrics", null);
            if (config.readyFile().isPresent()) {
                Path file = config.readyFile().get();
                writeReadyFile(file, ready);
                running.push(() -> Files.deleteIfExists(file));
            }
            var out = spec.commandLine().getOut();
            out.println("Tollgate is up. Kafka: " + bootstrap + ". Stop with Ctrl-C.");
            out.flush();
        } catch (RuntimeException e) {
            stopAll();
            throw e;
        }
        stopped.await();
        return TollgateCli.OK;
    }

    private synchronized void stopAll() {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                log.warn("tollgate_up_stop_failed error={}", e.toString());
            }
        }
    }

    /** Written whole under a temp name and moved into place, so a reader never sees half a file. */
    private static void writeReadyFile(Path file, Map<String, Object> ready) {
        try {
            Path absolute = file.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path temp = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
            new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), ready);
            Files.move(temp, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ready file " + file, e);
        }
    }
}
