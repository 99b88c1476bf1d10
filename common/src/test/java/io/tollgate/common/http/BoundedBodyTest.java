package io.tollgate.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class BoundedBodyTest {
    @Test
    void aBodyUpToTheCapIsReadWhole() throws Exception {
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[1024]), -1, 1024)).hasSize(1024);
        assertThat(BoundedBody.read(new ByteArrayInputStream(new byte[0]), 0, 1024)).isEmpty();
    }

    @Test
    void aDeclaredLengthOverTheCapIsRefusedBeforeReading() {
        CountingStream in = new CountingStream(Long.MAX_VALUE);
        assertThatThrownBy(() -> BoundedBody.read(in, 2048, 1024)).isInstanceOf(BoundedBody.TooLargeException.class);
        assertThat(in.read).isZero();
    }

    @Test
    void anEndlessBodyIsCutOffOneByteAfterTheCap() {
        CountingStream in = new CountingStream(Long.MAX_VALUE);
        assertThatThrownBy(() -> BoundedBody.read(in, -1, 100_000)).isInstanceOf(BoundedBody.TooLargeException.class);
        assertThat(in.read).isEqualTo(100_001);
    }

    /** An endless stream of zeros that counts what was taken from it. */
    private static final class CountingStream extends InputStream {
        private final long size;
        long read;

        CountingStream(long size) {
            this.size = size;
        }

        @Override
        public int read() {
            return read < size ? (int) (++read & 0) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            int n = (int) Math.min(len, size - read);
            read += n;
            return n == 0 ? -1 : n;
        }
    }
}
