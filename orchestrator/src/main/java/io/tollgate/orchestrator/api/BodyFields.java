package io.tollgate.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Strict reading of a JSON object body: only known fields, and each of the JSON type it must have —
 * no coercion of {@code "5000"} to a number or of {@code 42} to a string. Every refusal names the field.
 */
public final class BodyFields {
    private final JsonNode object;

    private BodyFields(JsonNode object) {
        this.object = object;
    }

    public static BodyFields of(JsonNode body, Set<String> known) {
        if (body == null || !body.isObject()) {
            throw new ApiError(400, "invalid_request", "the body must be a JSON object");
        }
        Iterator<String> names = body.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new ApiError(400, "invalid_request", name + ": unknown field (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")", java.util.Map.of("field", name));
            }
        }
        return new BodyFields(body);
    }

    /** A string field; absent and {@code null} both count as not given. */
    public Optional<String> text(String field) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            throw ApiError.invalid(field, "must be a string, got " + kind(node));
        }
        return Optional.of(node.textValue());
    }

    public String requiredText(String field) {
        return text(field).orElseThrow(() -> ApiError.invalid(field, "is required"));
    }

    /** A whole number in [min, max]; absent and {@code null} both count as not given. */
    public Optional<Integer> integer(String field, int min, int max) {
        JsonNode node = object.get(field);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isIntegralNumber()) {
            throw ApiError.invalid(field, "must be a whole number, got " + kind(node));
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw new ApiError(400, "invalid_request", field + ": must be between " + min + " and " + max + ", got "
                    + node.asText(), java.util.Map.of("field", field, "min", min, "max", max));
        }
        return Optional.of(node.intValue());
    }

    /** One of the allowed strings, exactly. */
    public Optional<String> oneOf(String field, List<String> allowed) {
        Optional<String> value = text(field);
        if (value.isPresent() && !allowed.contains(value.get())) {
            throw new ApiError(400, "invalid_request", field + ": must be one of " + String.join(", ", allowed)
                    + ", got '" + value.get() + "'", java.util.Map.of("field", field, "allowed", allowed));
        }
        return value;
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
