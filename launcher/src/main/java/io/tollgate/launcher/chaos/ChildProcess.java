package io.tollgate.launcher.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process of the deployment under test, started the same way each time: killed outright
 * ({@code kill -9}: no shutdown hook, no goodbye to Kafka), then started again as a supervisor would.
 * Its output goes to one log file across restarts.
 */
final class ChildProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final long EXIT_WAIT_SECONDS = 30;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path logFile;
    private Process process;

    ChildProcess(String name, List<String> command, Map<String, String> environment, Path logFile) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.logFile = logFile;
    }

    String name() {
        return name;
    }

    Path logFile() {
        return logFile;
    }

    synchronized void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running, pid " + process.pid());
        }
        try {
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, "=== chaos: starting " + name + " at " + Instant.now() + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            // the suite's own settings only: a TOLLGATE_* or STRIPE_* variable of the caller must not leak in
            builder.environment().keySet().removeIf(key -> key.startsWith("TOLLGATE_") || key.startsWith("STRIPE_"));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        log.info("chaos_process_started name={} pid={}", name, process.pid());
    }

    /** SIGKILL, and waits until the process is gone. */
    synchronized void kill() {
        if (process == null) {
            return;
        }
        long pid = process.pid();
        process.destroyForcibly();
        awaitExit(EXIT_WAIT_SECONDS);
        log.info("chaos_process_killed name={} pid={} signal=KILL", name, pid);
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** SIGTERM, then SIGKILL if it has not ended in time. */
    @Override
    public synchronized void close() {
        if (process == null || !process.isAlive()) {
            return;
        }
        process.destroy();
        if (!awaitExit(EXIT_WAIT_SECONDS)) {
            process.destroyForcibly();
            awaitExit(EXIT_WAIT_SECONDS);
        }
    }

    private boolean awaitExit(long seconds) {
        try {
            return process.waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }
}
