package io.tollgate.common.crypto;

import io.tollgate.schema.Encrypted;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Stand-ins for sealed secrets whose "ciphertext" names them, so fold tests can tell secrets apart without a key. */
public final class NamedSecrets {
    private NamedSecrets() {
    }

    public static Encrypted sealed(String name) {
        return Encrypted.newBuilder().setKeyId("test").setNonce(ByteBuffer.wrap(new byte[12]))
                .setCiphertext(ByteBuffer.wrap(name.getBytes(StandardCharsets.UTF_8))).build();
    }

    public static String name(Encrypted sealed) {
        ByteBuffer bytes = sealed.getCiphertext().duplicate();
        byte[] out = new byte[bytes.remaining()];
        bytes.get(out);
        return new String(out, StandardCharsets.UTF_8);
    }
}
