package io.tollgate.common.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body with a hard cap while it streams in. A chunked body declares no length, so a
 * check of {@code Content-Length} alone lets a client send a gigabyte that is buffered whole before
 * anything looks at its size; here reading stops at the first byte past the cap.
 */
public final class BoundedBody {
    private static final int CHUNK = 8 * 1024;

    private BoundedBody() {
    }

    /** Thrown when the body goes past its cap; nothing beyond the cap was read. */
    public static final class TooLargeException extends IOException {
        private final int limitBytes;

        public TooLargeException(int limitBytes) {
            super("the body is larger than " + limitBytes + " bytes");
            this.limitBytes = limitBytes;
        }

        public int limitBytes() {
            return limitBytes;
        }
    }

    /**
     * The whole body, at most {@code limitBytes} long.
     *
     * @param declaredLength the request's {@code Content-Length}, or -1 when it has none (chunked):
     *     a declared length over the cap is refused before a byte is read
     */
    public static byte[] read(InputStream in, long declaredLength, int limitBytes) throws IOException {
        if (declaredLength > limitBytes) {
            throw new TooLargeException(limitBytes);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declaredLength > 0 ? (int) declaredLength : CHUNK);
        byte[] buffer = new byte[CHUNK];
        int total = 0;
        while (true) {
            // never ask for more than one byte past the cap: that byte is enough to refuse
            int n = in.read(buffer, 0, Math.min(buffer.length, limitBytes - total + 1));
            if (n < 0) {
                return out.toByteArray();
            }
            total += n;
            if (total > limitBytes) {
                throw new TooLargeException(limitBytes);
            }
            out.write(buffer, 0, n);
        }
    }
}
