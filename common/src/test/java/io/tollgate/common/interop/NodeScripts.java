package io.tollgate.common.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The scripts in the repository's {@code interop/} directory: independent, non-Java clients of the
 * protocols Tollgate speaks (Standard Webhooks, Stripe's API, the Confluent wire format and registry
 * API, Kafka), run under node with the npm packages {@code interop/package.json} pins.
 *
 * <p>The first use in a JVM checks node and runs {@code npm ci} when {@code node_modules} does not
 * hold exactly the pinned versions; every later use reuses that. A machine without node fails these
 * tests rather than skipping them: checking our protocols from outside is part of the bar.
 */
public final class NodeScripts {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(5);
    private static final int MIN_NODE_MAJOR = 20;

    private NodeScripts() {
    }

    /** {@code interop/}, with its packages installed. */
    public static Path directory() {
        return Holder.INSTALLED.directory();
    }

    /** Runs {@code node <script> <args>} in {@code interop/} to its end, failing if it outlives {@code timeout}. */
    public static Run run(Duration timeout, String script, String... args) {
        return exec(directory(), timeout, command(script, args));
    }

    /**
     * Starts {@code node <script> <args>} in {@code interop/} as a server: it must print
     * {@code {"port": N}} as its first line; every later line is one JSON record of what it saw.
     */
    public static RunningScript start(String script, String... args) {
        return RunningScript.start(directory(), command(script, args));
    }

    private static List<String> command(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        return command;
    }

    /** A finished process: its exit code and everything it printed. */
    public record Run(List<String> command, int exitCode, String stdout, String stderr) {

        /** Its standard output as JSON, after checking that it exited 0 (the failure shows what it printed). */
        public JsonNode json() {
            if (exitCode != 0) {
                throw new AssertionError(this + " failed");
            }
            try {
                return JSON.readTree(stdout);
            } catch (IOException e) {
                throw new AssertionError(this + " did not print JSON", e);
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " (exit " + exitCode + ")\nstdout: " + stdout + "\nstderr: " + stderr;
        }
    }

    static Run exec(Path workdir, Duration timeout, List<String> command) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("node-script", ".out");
            err = Files.createTempFile("node-script", ".err");
            Process process = new ProcessBuilder(command).directory(workdir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout + "\nstdout: "
                        + Files.readString(out, StandardCharsets.UTF_8) + "\nstderr: " + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Run(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + String.join(" ", command), e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    private static String nullDevice() {
        return File.separatorChar == '\\' ? "NUL" : "/dev/null";
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temp file is harmless
            }
        }
    }

    /** interop/ once installed, or why it could not be, so every later caller sees the original failure. */
    private record Installed(Path directory, RuntimeException failure) {
        static Installed install() {
            try {
                return new Installed(installIfNeeded(), null);
            } catch (RuntimeException | AssertionError e) {
                return new Installed(null, new IllegalStateException("the node interop checks cannot run: " + e.getMessage(), e));
            }
        }

        @Override
        public Path directory() {
            if (failure != null) {
                throw failure;
            }
            return directory;
        }
    }

    // the JVM's class-initialisation lock makes this a thread-safe "install once, on first use"
    private static final class Holder {
        static final Installed INSTALLED = Installed.install();
    }

    private static Path installIfNeeded() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        for (String program : List.of("node", "npm")) {
            if (!onPath(program)) {
                throw new AssertionError(program + " is not on PATH; the interop checks need node " + MIN_NODE_MAJOR
                        + "+ and npm (see docs/interop.md)");
            }
        }
        Run version = exec(tmp, Duration.ofSeconds(30), List.of("node", "--version"));
        int major = Integer.parseInt(version.stdout().trim().replaceFirst("^v(\\d+).*$", "$1"));
        if (major < MIN_NODE_MAJOR) {
            throw new AssertionError("node " + version.stdout().trim() + " is too old; the interop checks need node "
                    + MIN_NODE_MAJOR + "+");
        }
        Path interop = repositoryRoot().resolve("interop");
        if (!installedAsPinned(interop)) {
            Run install = exec(interop, INSTALL_TIMEOUT, List.of("npm", "ci", "--no-audit", "--no-fund"));
            if (install.exitCode() != 0 || !installedAsPinned(interop)) {
                throw new AssertionError("npm ci in " + interop + " did not install the pinned packages: " + install);
            }
        }
        return interop;
    }

    /** Whether every dependency package.json pins is in node_modules at exactly that version. */
    private static boolean installedAsPinned(Path interop) {
        try {
            JsonNode dependencies = JSON.readTree(interop.resolve("package.json").toFile()).path("dependencies");
            for (Iterator<Map.Entry<String, JsonNode>> it = dependencies.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> pinned = it.next();
                Path installed = interop.resolve("node_modules").resolve(pinned.getKey()).resolve("package.json");
                if (!Files.isRegularFile(installed)
                        || !JSON.readTree(installed.toFile()).path("version").asText().equals(pinned.getValue().asText())) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + interop.resolve("package.json"), e);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("interop").resolve("package.json"))) {
                return dir;
            }
        }
        throw new AssertionError("no interop/package.json in " + Path.of("").toAbsolutePath() + " or above");
    }
}
