package io.tollgate.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Strict reading of a JSON object body: only known fields, and each of the JSON type it must have —
 * no coercion of {@code "5000"} to a number or of {@code 42} to a string. Every refusal names the
 * field by its path ({@code conditions.currencies[1]}).
 */
public final class BodyFields {
    private final JsonNode object;
    private final String path;

    private BodyFields(JsonNode object, String path) {
        this.object = object;
        this.path = path;
    }

    public static BodyFields of(JsonNode body, Set<String> known) {
        if (body == null || !body.isObject()) {
            throw new ApiError(400, "invalid_request", "the body must be a JSON object");
        }
        return new BodyFields(body, "").known(known);
    }

    private BodyFields known(Set<String> known) {
        Iterator<String> names = object.fieldNames();
        while (names.hasNext()) {
            String name = path + names.next();
            if (!known.contains(name.substring(path.length()))) {
                throw new ApiError(400, "invalid_request", name + ": unknown field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")", Map.of("field", name));
            }
        }
        return this;
    }

    /** Whether the field is there at all, {@code null} included. */
    public boolean has(String field) {
        return object.has(field);
    }

    /** A nested object with only known fields; absent and {@code null} both count as not given. */
    public Optional<BodyFields> object(String field, Set<String> known) {
        JsonNode node = given(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            throw ApiError.invalid(path + field, "must be an object, got " + kind(node));
        }
        return Optional.of(new BodyFields(node, path + field + ".").known(known));
    }

    /** A string field; absent and {@code null} both count as not given. */
    public Optional<String> text(String field) {
        JsonNode node = given(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiError.invalid(path + field, "must be a string, got " + kind(node));
        }
        return Optional.of(node.textValue());
    }

    public String requiredText(String field) {
        return text(field).orElseThrow(() -> ApiError.invalid(path + field, "is required"));
    }

    public Optional<Boolean> bool(String field) {
        JsonNode node = given(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isBoolean()) {
            throw ApiError.invalid(path + field, "must be true or false, got " + kind(node));
        }
        return Optional.of(node.booleanValue());
    }

    /** A whole number in [min, max]; absent and {@code null} both count as not given. */
    public Optional<Integer> integer(String field, int min, int max) {
        return longInteger(field, min, max).map(Long::intValue);
    }

    /** A whole number in [min, max]; absent and {@code null} both count as not given. */
    public Optional<Long> longInteger(String field, long min, long max) {
        JsonNode node = given(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber()) {
            throw ApiError.invalid(path + field, "must be a whole number, got " + kind(node));
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw new ApiError(400, "invalid_request", path + field + ": must be between " + min + " and " + max + ", got "
                    + node.asText(), Map.of("field", path + field, "min", min, "max", max));
        }
        return Optional.of(node.longValue());
    }

    /** One of the allowed strings, exactly. */
    public Optional<String> oneOf(String field, List<String> allowed) {
        Optional<String> value = text(field);
        if (value.isPresent() && !allowed.contains(value.get())) {
            throw notOneOf(path + field, value.get(), allowed);
        }
        return value;
    }

    /**
     * An array of at most {@code max} strings, each checked by {@code check} (which names what is wrong,
     * or is empty when the item is fine); absent and {@code null} both count as not given.
     */
    public Optional<List<String>> textList(String field, int max, Function<String, Optional<String>> check) {
        JsonNode node = given(field);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isArray()) {
            throw ApiError.invalid(path + field, "must be an array of strings, got " + kind(node));
        }
        if (node.size() > max) {
            throw ApiError.invalid(path + field, "must have at most " + max + " items");
        }
        List<String> items = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String at = path + field + "[" + i + "]";
            JsonNode item = node.get(i);
            if (!item.isTextual()) {
                throw ApiError.invalid(at, "must be a string, got " + kind(item));
            }
            check.apply(item.textValue()).ifPresent(problem -> {
                throw ApiError.invalid(at, problem);
            });
            items.add(item.textValue());
        }
        return Optional.of(List.copyOf(items));
    }

    /** A string-list item check: one of the allowed values. */
    public static Function<String, Optional<String>> among(List<String> allowed) {
        return value -> allowed.contains(value) ? Optional.empty()
                : Optional.of("must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
    }

    private JsonNode given(String field) {
        JsonNode node = object.get(field);
        return node == null || node.isNull() ? null : node;
    }

    private static ApiError notOneOf(String field, String value, List<String> allowed) {
        return new ApiError(400, "invalid_request", field + ": must be one of " + String.join(", ", allowed)
                + ", got '" + value + "'", Map.of("field", field, "allowed", allowed));
    }

    private static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() ? "a whole number" : "a decimal number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            default -> node.getNodeType().name().toLowerCase();
        };
    }
}
