package io.tollgate.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The file {@code tollgate up --ready-file} writes once everything is ready, for scripts to find the
 * API and the cluster. It is there only while this process is up: a file left by an earlier run is
 * removed before anything starts, the file is written whole or not at all (a temp file renamed into
 * place), and removed again on stop (also from the shutdown hook on Ctrl-C or SIGTERM). A process
 * killed outright (SIGKILL, a crash of the JVM) cannot remove it, so the file names its process:
 * readers check that {@code pid} is alive before they trust it.
 */
final class ReadyFile implements AutoCloseable {
    private final Path file;

    private ReadyFile(Path file) {
        this.file = file.toAbsolutePath();
    }

    /** Takes the path for this run: whatever an earlier run left there is removed now, before starting. */
    static ReadyFile claim(Path file) {
        ReadyFile ready = new ReadyFile(file);
        ready.delete();
        return ready;
    }

    Path path() {
        return file;
    }

    /** Writes {@code fields} plus this process's {@code pid}, whole: a reader never sees half a file. */
    void write(Map<String, Object> fields) {
        Map<String, Object> content = new LinkedHashMap<>(fields);
        content.put("pid", ProcessHandle.current().pid());
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), content);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ready file " + file, e);
        }
    }

    @Override
    public void close() {
        delete();
    }

    private void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the ready file " + file, e);
        }
    }
}
