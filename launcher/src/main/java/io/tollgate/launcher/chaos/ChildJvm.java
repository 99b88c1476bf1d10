package io.tollgate.launcher.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the suite starts its processes: this JVM's {@code java} and class path (the launcher jar and
 * {@code lib/}, or a test's class path), so each role runs exactly the code being tested. The options keep
 * ten JVMs affordable on two cores: a small heap, the serial collector, and the C1 compiler only.
 */
record ChildJvm(Path java, String classPath, Path logDir) {
    static ChildJvm ofThisProcess(Path logDir) {
        return new ChildJvm(Path.of(System.getProperty("java.home"), "bin", "java"), System.getProperty("java.class.path"), logDir);
    }

    /** A process running {@code mainClass} with {@code args}, logging to {@code <logDir>/<name>.log}; not started yet. */
    ChildProcess process(String name, String heap, String mainClass, List<String> args, Map<String, String> environment) {
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xms32m", "-Xmx" + heap, "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError", "-cp", classPath, mainClass));
        command.addAll(args);
        return new ChildProcess(name, command, environment, logDir.resolve(name + ".log"));
    }

    /** A {@code tollgate} command (e.g. {@code orchestrator --config FILE}) as a process of its own. */
    ChildProcess tollgate(String name, String heap, List<String> args, Map<String, String> environment) {
        return process(name, heap, "io.tollgate.launcher.TollgateCli", args, environment);
    }
}
