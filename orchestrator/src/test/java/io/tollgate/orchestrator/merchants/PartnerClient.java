package io.tollgate.orchestrator.merchants;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** A partner calling the API over real HTTP, as a Swft-style client would. */
public final class PartnerClient {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One answer: the status, the raw body and the body as JSON (null when it is not JSON). */
    public record Reply(int status, String body, JsonNode json) {
        public String text(String pointer) {
            return json == null ? null : json.at(pointer).asText(null);
        }

        public String errorCode() {
            return text("/error/code");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final Function<String, URI> uris;
    private final String authorization;

    public PartnerClient(Function<String, URI> uris, String authorization) {
        this.uris = uris;
        this.authorization = authorization;
    }

    static PartnerClient bearer(MerchantTestApp app, String key) {
        return new PartnerClient(app::uri, key == null ? null : "Bearer " + key);
    }

    public Reply get(String path) {
        return send(request(path, null).GET());
    }

    public Reply put(String path, String idempotencyKey, String body) {
        return send(request(path, idempotencyKey).PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    public Reply post(String path, String idempotencyKey, String body) {
        return send(request(path, idempotencyKey).POST(body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)));
    }

    public Reply patch(String path, String idempotencyKey, String body) {
        return send(request(path, idempotencyKey).method("PATCH", HttpRequest.BodyPublishers.ofString(body)));
    }

    public Reply delete(String path, String idempotencyKey) {
        return send(request(path, idempotencyKey).DELETE());
    }

    CompletableFuture<Reply> postAsync(String path, String body) {
        return HTTP.sendAsync(request(path, null).POST(body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(PartnerClient::reply);
    }

    CompletableFuture<Reply> putAsync(String path, String idempotencyKey, String body) {
        return HTTP.sendAsync(request(path, idempotencyKey).PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(PartnerClient::reply);
    }

    private HttpRequest.Builder request(String path, String idempotencyKey) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uris.apply(path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        if (idempotencyKey != null) {
            builder.header("Idempotency-Key", idempotencyKey);
        }
        return builder;
    }

    private static Reply send(HttpRequest.Builder request) {
        try {
            return reply(HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Reply reply(HttpResponse<String> response) {
        JsonNode json;
        try {
            json = response.body().isEmpty() ? null : JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        return new Reply(response.statusCode(), response.body(), json);
    }
}
