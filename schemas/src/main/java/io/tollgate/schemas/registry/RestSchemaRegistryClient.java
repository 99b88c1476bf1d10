package io.tollgate.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;

/**
 * Talks to any Confluent-API schema registry (Confluent's, Karapace, Apicurio's ccompat, or our
 * in-process one). Uncached: wrap it in {@link CachingSchemaRegistryClient}. Several URLs may be
 * given comma-separated; each call tries them in turn until one answers.
 */
public final class RestSchemaRegistryClient implements SchemaRegistryClient {
    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUrls;
    private final HttpClient http;
    private final Duration timeout;

    public RestSchemaRegistryClient(String baseUrls) {
        this(baseUrls, Duration.ofSeconds(10));
    }

    public RestSchemaRegistryClient(String baseUrls, Duration timeout) {
        this.baseUrls = java.util.Arrays.stream(baseUrls.split(","))
                .map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s))
                .toList();
        if (this.baseUrls.isEmpty()) {
            throw new IllegalArgumentException("schema.registry.url is empty");
        }
        this.timeout = timeout;
        // HTTP/1.1: the default would try an h2c upgrade on every plain-http request
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    @Override
    public int register(String subject, Schema schema) {
        return required(call("POST", "/subjects/" + encode(subject) + "/versions", schemaBody(schema)), "id").asInt();
    }

    @Override
    public int idOf(String subject, Schema schema) {
        return required(call("POST", "/subjects/" + encode(subject), schemaBody(schema)), "id").asInt();
    }

    @Override
    public Schema schemaById(int id) {
        return parse(required(call("GET", "/schemas/ids/" + id, null), "schema").asText());
    }

    @Override
    public RegisteredSchema latest(String subject) {
        JsonNode node = call("GET", "/subjects/" + encode(subject) + "/versions/latest", null);
        return new RegisteredSchema(required(node, "subject").asText(), required(node, "id").asInt(),
                required(node, "version").asInt(), parse(required(node, "schema").asText()));
    }

    private static String schemaBody(Schema schema) {
        return JSON.createObjectNode().put("schema", schema.toString()).toString();
    }

    private JsonNode call(String method, String path, String body) {
        IOException last = null;
        for (URI base : baseUrls) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(timeout)
                    .header("Accept", CONTENT_TYPE + ", application/json");
            if (body != null) {
                request.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                JsonNode node = readBody(response);
                if (response.statusCode() / 100 == 2) {
                    return node;
                }
                throw new SchemaRegistryException(response.statusCode(),
                        node.path("error_code").asInt(response.statusCode()),
                        node.path("message").asText("registry answered " + response.statusCode() + " to " + method + " " + path));
            } catch (IOException e) {
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(503, SchemaRegistryException.STORE_ERROR, "interrupted");
            }
        }
        throw new UncheckedIOException("no schema registry reachable at " + baseUrls, last);
    }

    // a proxy's HTML error page must surface as that status, not as "unreachable"
    private static JsonNode readBody(HttpResponse<String> response) {
        String body = response.body();
        if (body == null || body.isBlank()) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            if (response.statusCode() / 100 == 2) {
                throw new SchemaRegistryException(502, SchemaRegistryException.STORE_ERROR,
                        "registry at " + response.uri() + " answered " + response.statusCode() + " with a body that is not JSON");
            }
            return JSON.createObjectNode();
        }
    }

    private static JsonNode required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new SchemaRegistryException(502, SchemaRegistryException.STORE_ERROR,
                    "registry answer lacks \"" + field + "\": " + node);
        }
        return value;
    }

    private static Schema parse(String schemaText) {
        return new Schema.Parser().parse(schemaText);
    }

    private static String encode(String subject) {
        return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
