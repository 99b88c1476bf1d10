package io.tollgate.common.http;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Sends bytes no HTTP client would (a malformed request line, oversized headers) and reads what comes back. */
public final class RawHttp {
    /** The status line's code, the Content-Type and the body of an answer. */
    public record Answer(int status, String contentType, String body) {
    }

    private RawHttp() {
    }

    public static Answer exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String head = split < 0 ? answer : answer.substring(0, split);
            String body = split < 0 ? "" : answer.substring(split + 4);
            String contentType = head.lines().filter(l -> l.toLowerCase().startsWith("content-type:"))
                    .map(l -> l.substring(13).trim()).findFirst().orElse("");
            return new Answer(Integer.parseInt(head.substring(9, 12)), contentType, body);
        }
    }
}
