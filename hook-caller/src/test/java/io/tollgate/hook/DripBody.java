package io.tollgate.hook;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * An approval that arrives a byte every 50 ms: headers at once, then a body that would take seconds. The server
 * side of a slow merchant, so sleeping is the point here.
 */
final class DripBody implements MockResponseBody {

  private static final int PADDING = 100;

  @Override
  public long getContentLength() {
    return -1;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    sink.writeString("{\"available\":true,\"padding\":\"", StandardCharsets.US_ASCII).flush();
    for (int i = 0; i < PADDING; i++) {
      pause();
      sink.writeByte('x').flush();
    }
    sink.writeString("\"}", StandardCharsets.US_ASCII).flush();
  }

  private static void pause() throws InterruptedIOException {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("drip interrupted");
    }
  }
}
