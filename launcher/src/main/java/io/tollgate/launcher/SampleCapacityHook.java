package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.standardwebhooks.Webhook;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/**
 * The seed's sample merchant hook (Swft's class-capacity check), for the demo: verifies the
 * Standard Webhooks signature, looks up the class in {@code extensions.booking.class_schedule_id},
 * and answers {@code {"available": true}} or {@code {"available": false, "reason": "class_full"}}.
 * {@code /slow} never answers in time, to show the fail modes.
 */
final class SampleCapacityHook implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** class id → {booked, capacity} */
    private final Map<String, int[]> classes = new ConcurrentHashMap<>(Map.of(
            "yoga-7am", new int[] {3, 12},
            "spin-6pm", new int[] {20, 20}));
    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final HttpServer server;

    SampleCapacityHook() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "sample-hook");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/capacity-check", this::capacityCheck);
        server.createContext("/slow", this::slow);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The merchant saves the secret the PUT returned, as Swft tells it to. */
    void trust(String merchant, String secret) {
        secrets.put(merchant, secret);
    }

    private void capacityCheck(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode call = JSON.readTree(body);
        String secret = secrets.get(call.path("merchant_id").asText());
        if (secret == null || !verified(exchange, body, secret)) {
            answer(exchange, 401, "{\"error\":\"bad signature\"}");
            return;
        }
        String classId = call.at("/extensions/booking/class_schedule_id").asText();
        int[] cls = classes.get(classId);
        if (cls == null || cls[0] >= cls[1]) {
            answer(exchange, 200, "{\"available\":false,\"reason\":\"class_full\",\"message\":\"Sorry, that class is full\"}");
            return;
        }
        cls[0]++;
        answer(exchange, 200, "{\"available\":true}");
    }

    private void slow(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        try {
            Thread.sleep(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        answer(exchange, 200, "{\"available\":true}");
    }

    private static boolean verified(HttpExchange exchange, String body, String secret) {
        try {
            Map<String, List<String>> headers = Map.of(
                    "webhook-id", List.of(exchange.getRequestHeaders().getFirst("webhook-id")),
                    "webhook-timestamp", List.of(exchange.getRequestHeaders().getFirst("webhook-timestamp")),
                    "webhook-signature", List.of(exchange.getRequestHeaders().getFirst("webhook-signature")));
            new Webhook(secret).verify(body, headers);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
