package io.tollgate.common.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A client that streams a chunked body over a raw socket, then holds the body open (no final chunk)
 * while it waits for an answer. A server that caps a body while it streams answers before the body
 * ends; one that reads a body whole before looking at it (or before checking the caller) can only
 * answer once the final chunk came, which this client sends after a wait.
 */
public final class ChunkedUpload {
    private static final long HOLD_OPEN_MS = 10_000;

    /** What came back, and whether it came while the body was still open. */
    public record Answer(int status, String headers, String body, boolean beforeBodyEnded) {
    }

    private ChunkedUpload() {
    }

    /**
     * POSTs {@code bytes} of {@code 'x'} in 64 KiB chunks to {@code path} with the given headers, holds
     * the body open for up to 10 s waiting for an answer, then ends it and returns the answer.
     */
    public static Answer post(int port, String path, Map<String, String> headers, long bytes) throws Exception {
        return send(port, "POST", path, headers, bytes);
    }

    /** As {@link #post}, with another method. */
    public static Answer send(int port, String method, String path, Map<String, String> headers, long bytes)
            throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(60_000);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Transfer-Encoding: chunked\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CountDownLatch answered = new CountDownLatch(1);
            AtomicBoolean ended = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[64 * 1024];
                Arrays.fill(chunk, (byte) 'x');
                byte[] chunkHead = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                try {
                    for (long sent = 0; sent < bytes && answered.getCount() > 0; sent += chunk.length) {
                        out.write(chunkHead);
                        out.write(chunk);
                        out.write('\r');
                        out.write('\n');
                    }
                    out.flush();
                    if (!answered.await(HOLD_OPEN_MS, TimeUnit.MILLISECONDS)) {
                        ended.set(true);
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException closed) {
                    // the server answered and closed, or the test is done
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "chunked-upload");
            writer.setDaemon(true);
            writer.start();
            InputStream in = socket.getInputStream();
            String responseHead = readHead(in);
            boolean beforeEnd = !ended.get();
            answered.countDown();
            String body = readBody(in, responseHead);
            int status = Integer.parseInt(responseHead.substring(9, 12));
            return new Answer(status, responseHead, body, beforeEnd);
        }
    }
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the server closed the connection without an answer");
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readBody(InputStream in, String head) throws IOException {
        String lower = head.toLowerCase();
        int at = lower.indexOf("content-length:");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            if (at >= 0) {
                int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf('\r', at)).trim());
                body.write(in.readNBytes(length));
            } else if (lower.contains("transfer-encoding: chunked")) {
                while (true) {
                    String size = line(in);
                    int n = Integer.parseInt(size.trim(), 16);
                    if (n == 0) {
                        break;
                    }
                    body.write(in.readNBytes(n));
                    line(in);
                }
            } else {
                body.write(in.readAllBytes());
            }
        } catch (SocketTimeoutException e) {
            // what arrived is the answer
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
