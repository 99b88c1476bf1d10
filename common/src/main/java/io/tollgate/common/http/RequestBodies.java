package io.tollgate.common.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * A Javalin request's body read through {@link BoundedBody}, never through {@code ctx.body()} (which
 * buffers whatever arrives before checking a size). The bytes are kept on the request, so a route
 * may look at its body more than once.
 */
public final class RequestBodies {
    private static final String ATTRIBUTE = RequestBodies.class.getName() + ".bytes";

    private RequestBodies() {
    }

    /**
     * The body, at most {@code limitBytes} long.
     *
     * @throws BoundedBody.TooLargeException past the limit, declared or streamed
     */
    public static byte[] read(Context ctx, int limitBytes) throws BoundedBody.TooLargeException {
        byte[] cached = ctx.attribute(ATTRIBUTE);
        if (cached != null) {
            if (cached.length > limitBytes) {
                throw new BoundedBody.TooLargeException(limitBytes);
            }
            return cached;
        }
        try {
            byte[] body = BoundedBody.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(), limitBytes);
            ctx.attribute(ATTRIBUTE, body);
            return body;
        } catch (BoundedBody.TooLargeException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("the request body could not be read", e);
        }
    }

    /** True for {@code application/json} and {@code application/<anything>+json}, any parameters. */
    public static boolean isJson(Context ctx) {
        String type = ctx.header("Content-Type");
        if (type == null) {
            return false;
        }
        int semicolon = type.indexOf(';');
        String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
    }
}
