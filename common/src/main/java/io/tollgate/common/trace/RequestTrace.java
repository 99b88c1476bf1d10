package io.tollgate.common.trace;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.servlet.FilterHolder;

/**
 * The trace of each request to a public HTTP server: the caller's {@code traceparent} continued, or a
 * new trace when it sent none or an invalid one (or several: the specification makes that invalid).
 * The request's own context — the caller's trace id, a parent id of this server's — is what commands
 * written for the request carry. While the request is handled on its first thread, the log carries
 * its {@code trace_id}, and the session, agency and merchant its path names.
 */
public final class RequestTrace {
    private static final String ATTRIBUTE = "tollgate.trace";

    private RequestTrace() {
    }

    /** Traces every request of the server this configures. */
    public static void install(JavalinConfig config) {
        // a filter wraps the whole synchronous handling, so the fields leave the thread with the request
        config.jetty.modifyServletContextHandler(handler ->
                handler.addFilter(new FilterHolder(new TraceFilter()), "/*", EnumSet.of(DispatcherType.REQUEST)));
        // path parameters are known once a route matched
        config.router.mount(router -> router.beforeMatched(RequestTrace::pathFields));
    }

    /** The request's trace context, to send on; a new trace for a server without {@link #install}. */
    public static TraceContext of(Context ctx) {
        TraceContext trace = ctx.attribute(ATTRIBUTE);
        return trace != null ? trace : TraceContext.start();
    }

    /** The incoming context, when exactly one valid {@code traceparent} came; else a new trace. */
    static TraceContext continued(List<String> traceparents) {
        return traceparents.size() == 1
                ? TraceContext.parse(traceparents.get(0)).map(TraceContext::child).orElseGet(TraceContext::start)
                : TraceContext.start();
    }

    private static void pathFields(Context ctx) {
        Map<String, String> params = ctx.pathParamMap();
        String session = ctx.endpointHandlerPath().startsWith("/v2/sessions/{id}") ? params.get("id") : null;
        // the scope is never closed: the filter clears the fields when the request leaves the thread
        LogFields.of(session, params.get("agency"), params.get("merchant"), (String) null);
    }

    private static final class TraceFilter implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            TraceContext trace = continued(Collections.list(http.getHeaders(TraceContext.HEADER)));
            http.setAttribute(ATTRIBUTE, trace);
            LogFields.of(null, null, null, trace);
            try {
                chain.doFilter(request, response);
            } finally {
                LogFields.clear();
            }
        }
    }
}
