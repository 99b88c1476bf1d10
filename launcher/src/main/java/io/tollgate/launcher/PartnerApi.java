package io.tollgate.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The public API as a partner calls it, for the demo, the benchmark and the fault suite: its key on every request,
 * and the merchant set-up both need. Over the JDK's HTTP client; nothing here is a shortcut past the API.
 */
public final class PartnerApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String api;
    private final String partnerKey;
    private final HttpClient http;

    public PartnerApi(String api, String partnerKey, HttpClient http) {
        this.api = api;
        this.partnerKey = partnerKey;
        this.http = http;
    }

    public HttpResponse<String> send(String method, String path, String body, String idempotencyKey)
            throws IOException, InterruptedException {
        return http.send(request(method, path, body, idempotencyKey), HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, String body, String idempotencyKey) {
        return http.sendAsync(request(method, path, body, idempotencyKey), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * PUTs the merchant and its pre-confirmation hook, as a partner sets one up, and returns the hook's
     * signing secret (shown only in that answer).
     */
    public String registerMerchant(String agency, String merchant, String hookUrl, String failMode, int timeoutMs, String mode)
            throws IOException, InterruptedException {
        String base = "/v2/agencies/" + agency + "/merchants/" + merchant;
        require(send("PUT", base, "{\"display_name\":\"" + merchant + "\"}", null), 200);
        HttpResponse<String> hook = send("PUT", base + "/pre-confirmation", "{\"url\":\"" + hookUrl + "\",\"fail_mode\":\""
                + failMode + "\",\"timeout_ms\":" + timeoutMs + ",\"mode\":\"" + mode + "\"}", UUID.randomUUID().toString());
        require(hook, 200);
        return JSON.readTree(hook.body()).get("secret").asText();
    }

    /** Throws, naming the request, unless the answer has the status expected. */
    public static void require(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(response.request().method() + " " + response.request().uri() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
    }

    private HttpRequest request(String method, String path, String body, String idempotencyKey) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + partnerKey)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.build();
    }
}
