package io.tollgate.orchestrator.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.javalin.http.Context;
import io.tollgate.common.http.BoundedBody;
import io.tollgate.common.http.RequestBodies;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Strict JSON request bodies: a size limit (413 beyond), unknown fields refused, wrong types named
 * by their JSON path, so every 400 says which field is wrong.
 */
public final class JsonBodies {
    public static final int CONFIG_LIMIT = 64 * 1024;
    public static final int SESSION_LIMIT = 256 * 1024;

    private final ObjectMapper strict;

    public JsonBodies(ObjectMapper mapper) {
        this.strict = mapper.copy()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // A JSON type is what it is: "1" is no quantity and 1 is no name. Jackson would coerce both.
        for (LogicalType target : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            strict.coercionConfigFor(target).setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        strict.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        strict.coercionConfigFor(LogicalType.Textual).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    public <T> T read(Context ctx, Class<T> type, int limitBytes) {
        byte[] body = bytes(ctx, limitBytes);
        if (body.length == 0) {
            throw new ApiError(400, "invalid_request", "a JSON body is required");
        }
        requireJson(ctx);
        try {
            T value = strict.readValue(body, type);
            if (value == null) {
                throw new ApiError(400, "invalid_request", "a JSON object is required");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw ApiError.invalid(path(e), "unknown field");
        } catch (MismatchedInputException e) {
            throw ApiError.invalid(path(e), "wrong type or value" + expected(e));
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ApiError apiError) {
                throw apiError;
            }
            throw ApiError.invalid(path(e), e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new ApiError(400, "invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ApiError(400, "invalid_json", "the body could not be read");
        }
    }

    /** For a route that takes no fields: an empty body or {@code {}} only, within the config limit. */
    public void requireNoFields(Context ctx) {
        if (!isBlank(ctx, CONFIG_LIMIT)) {
            BodyFields.of(read(ctx, JsonNode.class, CONFIG_LIMIT), Set.of());
        }
    }

    /**
     * The raw body, refusing more than the limit (413) while it streams in: a declared length over
     * the limit before a byte is read, a chunked body at the first byte past it.
     */
    public static byte[] bytes(Context ctx, int limitBytes) {
        try {
            return RequestBodies.read(ctx, limitBytes);
        } catch (BoundedBody.TooLargeException e) {
            throw tooLarge(limitBytes);
        }
    }

    /** True when the body (read within the limit) is empty or only whitespace. */
    public static boolean isBlank(Context ctx, int limitBytes) {
        for (byte b : bytes(ctx, limitBytes)) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /** 415 unless the request says its body is JSON. */
    public static void requireJson(Context ctx) {
        if (!RequestBodies.isJson(ctx)) {
            throw new ApiError(415, "unsupported_media_type", "the body must be JSON: Content-Type: application/json",
                    java.util.Map.of("header", "Content-Type"));
        }
    }

    private static ApiError tooLarge(int limitBytes) {
        return new ApiError(413, "payload_too_large", "the body is larger than " + limitBytes / 1024 + " KiB",
                java.util.Map.of("limit_bytes", limitBytes));
    }

    private static String path(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return path.isEmpty() ? "body" : path;
    }

    private static String expected(MismatchedInputException e) {
        return e.getTargetType() == null ? "" : " (expected " + simpleType(e.getTargetType()) + ")";
    }

    private static String simpleType(Class<?> type) {
        if (type == String.class) {
            return "string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase();
        }
        return type.isRecord() || java.util.Map.class.isAssignableFrom(type) ? "object"
                : java.util.Collection.class.isAssignableFrom(type) ? "array" : type.getSimpleName();
    }
}
