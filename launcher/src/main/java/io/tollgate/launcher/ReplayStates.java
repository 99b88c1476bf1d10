package io.tollgate.launcher;

import io.tollgate.orchestrator.checkout.CheckoutReplay;
import io.tollgate.schema.SessionState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Sessions for {@code tollgate replay}, kept on disk (RocksDB, as the fold keeps them) in a
 * temporary directory deleted on close: a replay of years of history holds in memory only what
 * RocksDB caches, however many sessions there are. Values are the states' Avro single-object
 * encoding; the keys are the session ids.
 */
final class ReplayStates implements CheckoutReplay.States, AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final Options options;
    private final RocksDB db;

    ReplayStates(String name) {
        try {
            dir = Files.createTempDirectory("tollgate-replay-" + name);
            options = new Options().setCreateIfMissing(true);
            db = RocksDB.open(options, dir.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open replay storage", e);
        }
    }

    @Override
    public SessionState get(String sessionId) {
        try {
            byte[] bytes = db.get(key(sessionId));
            return bytes == null ? null : SessionState.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (RocksDBException | IOException e) {
            throw new IllegalStateException("cannot read session " + sessionId + " from replay storage", e);
        }
    }

    @Override
    public void put(String sessionId, SessionState state) {
        try {
            ByteBuffer encoded = state.toByteBuffer();
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            db.put(key(sessionId), bytes);
        } catch (RocksDBException | IOException e) {
            throw new IllegalStateException("cannot write session " + sessionId + " to replay storage", e);
        }
    }

    @Override
    public void remove(String sessionId) {
        try {
            db.delete(key(sessionId));
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot forget session " + sessionId + " in replay storage", e);
        }
    }

    /** Every session held, in key order. */
    void forEach(BiConsumer<String, SessionState> action) {
        try (RocksIterator it = db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                action.accept(new String(it.key(), StandardCharsets.UTF_8), SessionState.fromByteBuffer(ByteBuffer.wrap(it.value())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] key(String sessionId) {
        return sessionId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        db.close();
        options.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
