package io.tollgate.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process registry: the Confluent Schema Registry REST subset that serializers, tools and
 * other languages' clients use, served over an {@link InMemorySchemaRegistry}. Built on the JDK's
 * own HTTP server so the schemas module stays free of a web framework.
 *
 * <p>Served: {@code POST /subjects/{s}/versions}, {@code POST /subjects/{s}},
 * {@code GET /schemas/ids/{id}[/versions|/schema]}, {@code GET /schemas/types}, {@code GET /subjects},
 * {@code GET /subjects/{s}/versions[/{v|latest}[/schema]]},
 * {@code POST /compatibility/subjects/{s}/versions[/{v|latest}]}, {@code GET|PUT /config[/{s}]}.
 * Deletes and modes are not: the registry is append-only.
 */
public final class SchemaRegistryServer implements AutoCloseable {
    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final int HANDLER_THREADS = 4;

    private final InMemorySchemaRegistry registry;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ObjectMapper json = new ObjectMapper();
    private final String url;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private SchemaRegistryServer(InMemorySchemaRegistry registry, String host, int port) throws IOException {
        this.registry = registry;
        InetAddress address = InetAddress.getByName(host);
        this.server = HttpServer.create(new InetSocketAddress(address, port), 64);
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
            Thread t = new Thread(r, "schema-registry-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        String shownHost = address.isAnyLocalAddress() ? "127.0.0.1" : address.getHostAddress();
        if (shownHost.contains(":")) {
            shownHost = "[" + shownHost + "]";
        }
        this.url = "http://" + shownHost + ":" + server.getAddress().getPort();
    }

    /** Serves the registry on 127.0.0.1 at a free port. */
    public static SchemaRegistryServer start(InMemorySchemaRegistry registry) {
        return start(registry, "127.0.0.1", 0);
    }

    /** Serves the registry on the given host; port 0 picks a free one. */
    public static SchemaRegistryServer start(InMemorySchemaRegistry registry, String host, int port) {
        try {
            SchemaRegistryServer started = new SchemaRegistryServer(registry, host, port);
            LOG.info("schema_registry_started url={}", started.url);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve the schema registry on " + host + ":" + port, e);
        }
    }

    /** {@code http://host:port}, what {@code schema.registry.url} should say. */
    public String url() {
        return url;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public InMemorySchemaRegistry registry() {
        return registry;
    }

    /** Stops accepting and ends the handler threads; the registry and its log stay open (the caller owns them). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("schema_registry_stopped url={}", url);
    }

    private void handle(HttpExchange exchange) {
        try (exchange) {
            Answer answer;
            try {
                answer = route(exchange.getRequestMethod().toUpperCase(Locale.ROOT), segments(exchange),
                        query(exchange), exchange);
            } catch (SchemaRegistryException e) {
                if (e.httpStatus() >= 500) {
                    LOG.warn("schema_registry_error method={} path={} code={} message={}", exchange.getRequestMethod(),
                            exchange.getRequestURI().getRawPath(), e.errorCode(), e.getMessage(), e);
                }
                answer = error(e.httpStatus(), e.errorCode(), e.getMessage());
            } catch (JsonProcessingException e) {
                answer = error(400, 400, "Invalid JSON body: " + e.getOriginalMessage());
            } catch (RuntimeException e) {
                LOG.error("schema_registry_failure method={} path={}", exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(), e);
                answer = error(500, 500, "Internal Server Error: " + e);
            }
            send(exchange, answer);
        } catch (IOException e) {
            LOG.debug("schema_registry_client_gone path={} error={}", exchange.getRequestURI().getRawPath(), e.toString());
        }
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer route(String method, List<String> path, Map<String, String> query, HttpExchange exchange)
            throws IOException {
        int n = path.size();
        String head = n == 0 ? "" : path.get(0);
        switch (head) {
            case "" -> {
                return on(method, "GET", json::createObjectNode);
            }
            case "subjects" -> {
                if (n == 1) {
                    return on(method, "GET", () -> strings(registry.subjects()));
                }
                String subject = path.get(1);
                if (n == 2) {
                    return on(method, "POST", () -> versionJson(registry.lookup(subject, schemaOf(exchange))));
                }
                if (n == 3 && path.get(2).equals("versions")) {
                    if (method.equals("POST")) {
                        return ok(json.createObjectNode().put("id", registry.register(subject, schemaOf(exchange))));
                    }
                    return on(method, "GET", () -> ints(registry.versions(subject)));
                }
                if (n == 4 && path.get(2).equals("versions")) {
                    return on(method, "GET", () -> versionJson(versionOf(subject, path.get(3))));
                }
                if (n == 5 && path.get(2).equals("versions") && path.get(4).equals("schema")) {
                    return on(method, "GET", () -> rawSchema(versionOf(subject, path.get(3)).schema()));
                }
            }
            case "schemas" -> {
                if (n == 2 && path.get(1).equals("types")) {
                    return on(method, "GET", () -> strings(List.of("AVRO")));
                }
                Integer id = n >= 3 && path.get(1).equals("ids") ? integer(path.get(2)) : null;
                if (id != null && n == 3) {
                    return on(method, "GET", () -> json.createObjectNode().put("schema", registry.schemaById(id).toString()));
                }
                if (id != null && n == 4 && path.get(3).equals("versions")) {
                    return on(method, "GET", () -> {
                        ArrayNode uses = json.createArrayNode();
                        registry.usesOf(id).forEach(r -> uses.addObject().put("subject", r.subject()).put("version", r.version()));
                        return uses;
                    });
                }
                if (id != null && n == 4 && path.get(3).equals("schema")) {
                    return on(method, "GET", () -> rawSchema(registry.schemaById(id)));
                }
            }
            case "compatibility" -> {
                if ((n == 4 || n == 5) && path.get(1).equals("subjects") && path.get(3).equals("versions")) {
                    return on(method, "POST", () -> compatibility(path.get(2), n == 5 ? path.get(4) : null, exchange));
                }
            }
            case "config" -> {
                String subject = n == 2 ? path.get(1) : null;
                if (n <= 2 && method.equals("PUT")) {
                    registry.setCompatibility(subject, body(exchange).path("compatibility").asText(null));
                    String stored = subject == null ? registry.globalCompatibility() : registry.compatibilityOf(subject);
                    return ok(json.createObjectNode().put("compatibility", stored));
                }
                if (n <= 2) {
                    return on(method, "GET", () -> json.createObjectNode().put("compatibilityLevel", configOf(subject, query)));
                }
            }
            default -> {
            }
        }
        return error(404, 404, "HTTP 404 Not Found");
    }

    private interface Handler {
        JsonNode answer() throws IOException;
    }

    private Answer on(String method, String allowed, Handler handler) throws IOException {
        if (!method.equals(allowed)) {
            return error(405, 405, "HTTP 405 Method Not Allowed");
        }
        return ok(handler.answer());
    }

    private String configOf(String subject, Map<String, String> query) {
        if (subject == null) {
            return registry.globalCompatibility();
        }
        if ("true".equalsIgnoreCase(query.get("defaultToGlobal"))) {
            return registry.compatibilityOf(subject);
        }
        return registry.subjectCompatibility(subject).orElseThrow(() -> new SchemaRegistryException(404,
                SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
                "Subject '" + subject + "' does not have subject-level compatibility configured"));
    }

    private JsonNode compatibility(String subject, String version, HttpExchange exchange) throws IOException {
        Schema candidate = schemaOf(exchange);
        List<String> problems;
        if (version == null) {
            // Confluent's versionless form: against what the subject's level requires; a new subject is compatible
            problems = registry.subjects().contains(subject) ? registry.incompatibilities(subject, candidate) : List.of();
        } else if (isLatest(version)) {
            registry.versions(subject);
            problems = registry.incompatibilities(subject, candidate);
        } else {
            problems = registry.incompatibilities(subject, candidate, versionNumber(version));
        }
        ObjectNode answer = json.createObjectNode().put("is_compatible", problems.isEmpty());
        answer.set("messages", strings(problems));
        return answer;
    }

    private RegisteredSchema versionOf(String subject, String version) {
        return isLatest(version) ? registry.latest(subject) : registry.version(subject, versionNumber(version));
    }

    private static boolean isLatest(String version) {
        return version.equals("latest") || version.equals("-1");
    }

    private static int versionNumber(String version) {
        Integer number = integer(version);
        if (number == null || number < 1) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_VERSION, "The specified version '" + version
                    + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"");
        }
        return number;
    }

    private static Integer integer(String text) {
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Schema schemaOf(HttpExchange exchange) throws IOException {
        JsonNode body = body(exchange);
        String type = body.path("schemaType").asText("AVRO");
        if (!type.equalsIgnoreCase("AVRO")) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
                    "Invalid schema type " + type + ": this registry serves AVRO only");
        }
        if (body.path("references").size() > 0) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA,
                    "Schema references are not supported by this registry");
        }
        return InMemorySchemaRegistry.parse(body.path("schema").asText(null));
    }

    private JsonNode body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(MAX_BODY_BYTES + 1);
            if (bytes.length > MAX_BODY_BYTES) {
                throw new SchemaRegistryException(413, 413, "Request body larger than " + MAX_BODY_BYTES + " bytes");
            }
            JsonNode node = bytes.length == 0 ? null : json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new SchemaRegistryException(400, 400, "Request body must be a JSON object");
            }
            return node;
        }
    }

    private JsonNode versionJson(RegisteredSchema r) {
        return json.createObjectNode()
                .put("subject", r.subject())
                .put("id", r.id())
                .put("version", r.version())
                .put("schema", r.schema().toString());
    }

    private JsonNode rawSchema(Schema schema) {
        try {
            return json.readTree(schema.toString());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Avro wrote a schema that is not JSON", e);
        }
    }

    private ArrayNode strings(List<String> values) {
        ArrayNode array = json.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private ArrayNode ints(List<Integer> values) {
        ArrayNode array = json.createArrayNode();
        values.forEach(array::add);
        return array;
    }

    private static Answer ok(JsonNode body) {
        return new Answer(200, body);
    }

    private Answer error(int status, int code, String message) {
        return new Answer(status, json.createObjectNode().put("error_code", code).put("message", message));
    }

    private void send(HttpExchange exchange, Answer answer) throws IOException {
        byte[] bytes = json.writeValueAsBytes(answer.body());
        exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        exchange.sendResponseHeaders(answer.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    // decoded per segment, so a subject holding an encoded '/' stays one segment; '+' is literal in paths
    private static List<String> segments(HttpExchange exchange) {
        String raw = exchange.getRequestURI().getRawPath();
        List<String> segments = new ArrayList<>();
        for (String part : raw.split("/")) {
            if (!part.isEmpty()) {
                segments.add(URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        }
        return segments;
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> query = new HashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.put(key, value);
            }
        }
        return query;
    }
}
