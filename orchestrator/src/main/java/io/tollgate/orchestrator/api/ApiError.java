package io.tollgate.orchestrator.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An answer that is not a success: HTTP status, a stable machine-readable code, a human message and
 * optional details. Rendered as {@code {"error":{"code","message","meta":{…}}}}.
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, Object> meta;

    public ApiError(int status, String code, String message, Map<String, Object> meta) {
        super(message);
        this.status = status;
        this.code = code;
        this.meta = meta == null ? Map.of() : meta;
    }

    public ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public static ApiError invalid(String field, String message) {
        return new ApiError(400, "invalid_request", field + ": " + message, Map.of("field", field));
    }

    public static ApiError notFound(String what) {
        return new ApiError(404, "not_found", what + " not found");
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> meta() {
        return meta;
    }

    public Map<String, Object> body() {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", getMessage());
        error.put("meta", meta);
        return Map.of("error", error);
    }
}
