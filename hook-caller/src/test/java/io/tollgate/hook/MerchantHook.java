package io.tollgate.hook;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/** A merchant's hook endpoint on a real socket: MockWebServer with the answers hook tests need. */
final class MerchantHook implements AutoCloseable {

  private final MockWebServer server = new MockWebServer();

  MerchantHook() throws IOException {
    server.start();
  }

  static MockResponse json(int status, String body) {
    return new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body).build();
  }

  static MockResponse status(int status) {
    return new MockResponse.Builder().code(status).build();
  }

  MerchantHook answers(MockResponse response) {
    server.enqueue(response);
    return this;
  }

  MerchantHook answers(int status, String jsonBody) {
    return answers(json(status, jsonBody));
  }

  void dispatchWith(Dispatcher dispatcher) {
    server.setDispatcher(dispatcher);
  }

  String url() {
    return server.url("/swft/capacity-check").toString();
  }

  /** The same endpoint, named by https: the DNS and scheme rules see it, nothing ever connects. */
  String httpsUrl() {
    return "https://" + server.getHostName() + ":" + server.getPort() + "/swft/capacity-check";
  }

  int port() {
    return server.getPort();
  }

  int requestCount() {
    return server.getRequestCount();
  }

  RecordedRequest takeRequest() throws InterruptedException {
    RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
    if (request == null) {
      throw new AssertionError("the merchant received no request");
    }
    return request;
  }

  @Override
  public void close() {
    server.close();
  }
}
