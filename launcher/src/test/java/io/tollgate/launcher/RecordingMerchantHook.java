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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Merchant hooks on a real socket that check every call's Standard Webhooks signature with the
 * reference library (401 when it does not verify) and remember what they received. {@code /approve},
 * {@code /reject} (class_full), {@code /fail} (500) and {@code /slow} (approves once released).
 */
final class RecordingMerchantHook implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param traceparent the W3C {@code traceparent} header of the call, or null */
    record Received(String path, String merchantId, String type, String sessionId, String webhookId, boolean verified,
            String traceparent) {
    }

    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private final HttpServer server;

    RecordingMerchantHook() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "recording-merchant-hook");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/approve", exchange -> answer(exchange, receive(exchange), 200, "{\"available\":true}"));
        server.createContext("/reject", exchange -> answer(exchange, receive(exchange), 200,
                "{\"available\":false,\"reason\":\"class_full\",\"message\":\"Sorry, that class is full\"}"));
        server.createContext("/fail", exchange -> answer(exchange, receive(exchange), 500, "{\"error\":\"boom\"}"));
        server.createContext("/slow", exchange -> {
            Received call = receive(exchange);
            try {
                slowRelease.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, call, 200, "{\"available\":true}");
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** The merchant keeps the secret the PUT returned. */
    void trust(String merchantId, String secret) {
        secrets.put(merchantId, secret);
    }

    List<Received> receivedBy(String merchantId) {
        return received.stream().filter(r -> merchantId.equals(r.merchantId())).toList();
    }

    void releaseSlow() {
        slowRelease.countDown();
    }

    private Received receive(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        JsonNode call = JSON.readTree(body);
        String merchantId = call.path("merchant_id").asText();
        Received received = new Received(exchange.getRequestURI().getPath(), merchantId, call.path("type").asText(),
                call.path("session_id").asText(), exchange.getRequestHeaders().getFirst("webhook-id"),
                verified(exchange, body, secrets.get(merchantId)), exchange.getRequestHeaders().getFirst("traceparent"));
        this.received.add(received);
        return received;
    }

    private static void answer(HttpExchange exchange, Received call, int status, String json) throws IOException {
        byte[] bytes = (call.verified() ? json : "{\"error\":\"bad signature\"}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(call.verified() ? status : 401, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static boolean verified(HttpExchange exchange, String body, String secret) {
        if (secret == null) {
            return false;
        }
        try {
            new Webhook(secret).verify(body, Map.of(
                    "webhook-id", List.of(exchange.getRequestHeaders().getFirst("webhook-id")),
                    "webhook-timestamp", List.of(exchange.getRequestHeaders().getFirst("webhook-timestamp")),
                    "webhook-signature", List.of(exchange.getRequestHeaders().getFirst("webhook-signature"))));
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void close() {
        slowRelease.countDown();
        server.stop(0);
    }
}
