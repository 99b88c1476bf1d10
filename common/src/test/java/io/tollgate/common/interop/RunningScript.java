package io.tollgate.common.interop;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node script running as a server (see {@link NodeScripts#start}): it announced its port on its first
 * line and prints one JSON line per thing it saw, which {@link #records()} collects as they come.
 * Closing it kills the process.
 */
public final class RunningScript implements AutoCloseable {
    private static final long READY_TIMEOUT_SECONDS = 30;

    private final List<String> command;
    private final Process process;
    private final CompletableFuture<String> firstLine = new CompletableFuture<>();
    private final List<JsonNode> records = new CopyOnWriteArrayList<>();
    private final StringBuffer stderr = new StringBuffer();
    private final int port;

    private RunningScript(List<String> command, Process process) {
        this.command = command;
        this.process = process;
        daemon("stdout", () -> readStdout(process.getInputStream()));
        daemon("stderr", () -> readStderr(process.getErrorStream()));
        this.port = awaitPort();
    }

    static RunningScript start(Path workdir, List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(workdir.toFile()).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + String.join(" ", command), e);
        }
        try {
            return new RunningScript(command, process);
        } catch (RuntimeException | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    /** The loopback port the script listens on. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Every JSON line printed after the port, in order, so far. */
    public List<JsonNode> records() {
        return List.copyOf(records);
    }

    /** What the script printed on standard error so far, for failure messages. */
    public String stderr() {
        return stderr.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command) + " (port " + port + ", " + records.size() + " records)";
    }

    private int awaitPort() {
        String line;
        try {
            line = firstLine.get(READY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError(String.join(" ", command) + " printed no port in " + READY_TIMEOUT_SECONDS
                    + " s; stderr: " + stderr);
        } catch (ExecutionException e) {
            throw new AssertionError(String.join(" ", command) + " ended before printing its port; stderr: " + stderr,
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + String.join(" ", command), e);
        }
        try {
            JsonNode announced = NodeScripts.JSON.readTree(line);
            if (announced.path("port").canConvertToInt() && announced.path("port").asInt() > 0) {
                return announced.path("port").asInt();
            }
        } catch (IOException notJson) {
            // reported below with the line itself
        }
        throw new AssertionError(String.join(" ", command) + " should announce {\"port\": N} first, printed: " + line);
    }

    private void readStdout(InputStream stdout) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
            String line = lines.readLine();
            if (line == null) {
                firstLine.completeExceptionally(new IOException("no output"));
                return;
            }
            firstLine.complete(line);
            while ((line = lines.readLine()) != null) {
                records.add(NodeScripts.JSON.readTree(line));
            }
        } catch (IOException e) {
            firstLine.completeExceptionally(e);
            stderr.append("\n[reading stdout failed: ").append(e).append(']');
        }
    }

    private void readStderr(InputStream err) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                stderr.append(line).append('\n');
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    private void daemon(String stream, Runnable reader) {
        Thread thread = new Thread(reader, "node-" + stream + "-" + command.get(1));
        thread.setDaemon(true);
        thread.start();
    }
}
