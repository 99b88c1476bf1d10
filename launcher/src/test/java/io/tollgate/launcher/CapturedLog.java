package io.tollgate.launcher;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The console log as the CLI writes it, read back: logging configured from the launcher's own logback.xml
 * with {@code TOLLGATE_LOG_FORMAT} and {@code TOLLGATE_LOG_LEVEL} as given, stderr captured. Closing puts
 * stderr back and configures logging as it was at start.
 */
final class CapturedLog implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream originalErr = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private CapturedLog(String format, String level) {
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        configure(format, level);
    }

    /** Logs as {@code TOLLGATE_LOG_FORMAT=format TOLLGATE_LOG_LEVEL=level} would. */
    static CapturedLog start(String format, String level) {
        return new CapturedLog(format, level);
    }

    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    /** Each JSON line (for the json format; what a library printed to stderr itself is passed over). */
    List<JsonNode> jsonLines() {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text().split("\n")) {
            if (line.startsWith("{")) {
                try {
                    lines.add(JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("not a JSON log line: " + line, e);
                }
            }
        }
        return lines;
    }

    @Override
    public void close() {
        System.setErr(originalErr);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (Exception e) {
            throw new IllegalStateException("logging not configured again", e);
        }
    }

    private static void configure(String format, String level) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        // logback.xml reads these as variables: context properties come before the environment
        context.putProperty("TOLLGATE_LOG_FORMAT", format);
        context.putProperty("TOLLGATE_LOG_LEVEL", level);
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(CapturedLog.class.getResource("/logback.xml"));
        } catch (Exception e) {
            throw new IllegalStateException("logback.xml did not configure", e);
        }
    }
}
