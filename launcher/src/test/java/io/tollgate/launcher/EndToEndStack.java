package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.SharedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Every service wired as {@code tollgate up} wires them, on the shared broker, with merchant hooks on a real
 * socket ({@link RecordingMerchantHook}) and partners calling the API over HTTP, for the end-to-end tests: a
 * class registers it ({@code @RegisterExtension static}) and it runs from before the first test to after the last.
 */
final class EndToEndStack implements BeforeAllCallback, AfterAllCallback {
    static final String AGENCY = "acme";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Reply(int status, JsonNode json) {
    }

    private final String applicationIdPrefix;
    /** agency → its partner key */
    private final Map<String, String> partnerKeys = new LinkedHashMap<>();
    private final List<String> hookSecrets = new CopyOnWriteArrayList<>();
    private TollgateStack stack;
    private RecordingMerchantHook hooks;

    /** A stack whose API knows one fresh partner key for each agency named. */
    EndToEndStack(String name, String... agencies) {
        this.applicationIdPrefix = SharedKafka.uniqueName(name);
        for (String agency : agencies) {
            partnerKeys.put(agency, KeysNewCommand.newKey());
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        new SharedKafka().beforeAll(context);
        TollgateConfig.Builder config = SharedStackConfig.withApplicationIdPrefix(applicationIdPrefix);
        partnerKeys.forEach(config::addDevPartnerKey);
        stack = TollgateStack.start(config.build(), TollgateStack.all());
        hooks = new RecordingMerchantHook();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (hooks != null) {
                hooks.close();
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    String key(String agency) {
        return partnerKeys.get(agency);
    }

    TollgateStack stack() {
        return stack;
    }

    RecordingMerchantHook hooks() {
        return hooks;
    }

    String applicationIdPrefix() {
        return applicationIdPrefix;
    }

    /** The signing secrets of every hook made here (a merchant keeps its own). */
    List<String> hookSecrets() {
        return hookSecrets;
    }

    /** A new merchant of {@link #AGENCY} whose hook is {@code url}, closed fail mode; the recording hook trusts its secret. */
    String merchantWithHook(String key, String url) {
        String m = "m_" + UUID.randomUUID().toString().substring(0, 8);
        String base = "/v2/agencies/" + AGENCY + "/merchants/" + m;
        assertThat(send(key, "PUT", base, "{\"display_name\":\"Studio\"}", null).status()).isEqualTo(200);
        Reply hook = send(key, "PUT", base + "/pre-confirmation",
                "{\"url\":\"" + url + "\",\"fail_mode\":\"closed\",\"timeout_ms\":3000}", "hook-" + m);
        assertThat(hook.status()).as(hook.json().toString()).isEqualTo(200);
        String secret = hook.json().get("secret").asText();
        hooks.trust(m, secret);
        hookSecrets.add(secret);
        return m;
    }

    Reply send(String key, String method, String path, String body, String idempotencyKey) {
        return sendWithHeaders(key, method, path, body, idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey));
    }

    Reply sendWithHeaders(String key, String method, String path, String body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.apiUrl().orElseThrow() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body().isEmpty() ? null : JSON.readTree(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A GET of any URL (the management port's, say), its body. */
    static String get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
