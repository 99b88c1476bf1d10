package io.tollgate.hook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import mockwebserver3.MockResponseBody;
import okio.BufferedSink;

/**
 * A huge approval ({@code {"available":true,"padding":"xxxx…"}}) that records how much of it the server managed
 * to write before the client hung up.
 */
final class LargeBody implements MockResponseBody {

  private static final byte[] HEAD = "{\"available\":true,\"padding\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);

  private final long length;
  private final boolean declareLength;
  /** Completes with the bytes written once the writer stops, whether it finished or failed. */
  final CompletableFuture<Long> bytesWritten = new CompletableFuture<>();

  LargeBody(long length, boolean declareLength) {
    this.length = length;
    this.declareLength = declareLength;
  }

  @Override
  public long getContentLength() {
    return declareLength ? length : -1;
  }

  @Override
  public void writeTo(BufferedSink sink) throws IOException {
    long written = 0;
    try {
      sink.write(HEAD);
      written += HEAD.length;
      byte[] padding = new byte[16 * 1024];
      Arrays.fill(padding, (byte) 'x');
      while (written < length - TAIL.length) {
        int n = (int) Math.min(padding.length, length - TAIL.length - written);
        sink.write(padding, 0, n);
        sink.flush();
        written += n;
      }
      sink.write(TAIL);
      sink.flush();
      written += TAIL.length;
    } finally {
      bytesWritten.complete(written);
    }
  }
}
