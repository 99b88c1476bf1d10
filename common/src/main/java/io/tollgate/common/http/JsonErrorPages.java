package io.tollgate.common.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own error answers in Tollgate's error shape, {@code {"error":{"code","message","meta"}}},
 * instead of its HTML pages: a request Jetty refuses before any route sees it (a malformed request
 * line 400, a URI too long 414, headers too large 431) and any error a route left without a body.
 */
public final class JsonErrorPages extends ErrorHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTENT_TYPE = "application/json";

    /** Installs the pages on a Javalin server's Jetty, for the server and its servlet context. */
    public static void install(JavalinConfig config) {
        JsonErrorPages pages = new JsonErrorPages();
        config.jetty.modifyServer(server -> server.setErrorHandler(pages));
        config.jetty.modifyServletContextHandler(context -> context.setErrorHandler(pages));
    }

    /** The body of an error answer, in the API's field order. */
    public static String body(int status, String code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("meta", Map.of());
        try {
            return JSON.writeValueAsString(Map.of("error", error));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Jetty calls this for a request it could not parse; the answer is written by Jetty itself. */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, CONTENT_TYPE);
        return ByteBuffer.wrap(body(status, code(status), message(status, reason)).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        baseRequest.setHandled(true);
        int status = response.getStatus();
        Object reason = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        response.setContentType(CONTENT_TYPE);
        byte[] bytes = body(status, code(status), message(status, reason == null ? null : reason.toString()))
                .getBytes(StandardCharsets.UTF_8);
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    static String code(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 413 -> "payload_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "headers_too_large";
            case 500 -> "internal_error";
            case 503 -> "unavailable";
            default -> "http_" + status;
        };
    }

    private static String message(int status, String reason) {
        String fallback = switch (status) {
            case 400 -> "the request could not be read";
            case 414 -> "the request URI is too long";
            case 431 -> "the request headers are too large";
            default -> "HTTP " + status;
        };
        // Jetty's reasons are short texts of its own (never request data echoed back at length)
        return reason == null || reason.isBlank() || reason.length() > 200 ? fallback : fallback + " (" + reason + ")";
    }
}
