package io.tollgate.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.interop.NodeScripts;
import io.tollgate.common.interop.RunningScript;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A partner's webhook endpoints on a real socket ({@code interop/webhook-receiver.mjs}): every delivery
 * checked with the official Standard Webhooks JS library or {@code jose}, and answered by a plan the
 * test sets per path.
 */
public final class WebhookReceiver implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunningScript script = NodeScripts.start("webhook-receiver.mjs");

    public WebhookReceiver() {
    }

    /** Sets what a path verifies with and answers: statuses in turn ({@code "503"}, {@code "429:2"}, {@code "hang"}), then 200. */
    public void path(String path, String scheme, List<String> secrets, String audience, List<String> plan) {
        Map<String, Object> command = new LinkedHashMap<>();
        command.put("path", path);
        command.put("scheme", scheme);
        command.put("secrets", secrets);
        command.put("audience", audience);
        command.put("plan", plan);
        control("/_control/paths", command);
    }

    /** Answers every hanging delivery of the path. */
    public void release(String path) {
        control("/_control/release", Map.of("path", path));
    }

    public String url(String path) {
        return script.url(path);
    }

    /** What the path received so far, in order. */
    public List<JsonNode> received(String path) {
        return script.records().stream().filter(r -> path.equals(r.path("path").asText())).toList();
    }

    private void control(String route, Map<String, Object> command) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(script.url(route)))
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(command))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() != 204) {
                throw new IllegalStateException(route + " answered " + answer.statusCode() + "; " + script.stderr());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        script.close();
    }
}
