package io.tollgate.hook;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Answers every connection with plain HTTP and hangs up: what a TLS client meets at a misconfigured port. */
final class PlainTextServer implements AutoCloseable {

  private final ServerSocket socket;
  private final Thread acceptor;

  PlainTextServer() throws IOException {
    socket = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::serve, "plain-text-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket connection = socket.accept(); OutputStream out = connection.getOutputStream()) {
        out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedOrReset) {
        // the server is closing, or the client gave up first
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
