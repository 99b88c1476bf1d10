package io.tollgate.common.crypto;

import io.tollgate.common.config.TollgateConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the master key that seals secrets at rest comes from. Configured ({@code TOLLGATE_MASTER_KEY})
 * it is simply used. Outside dev mode it is required. In dev mode without one, a key is generated
 * once and kept in {@code <data dir>/master.key} (mode 0600), because the embedded broker keeps its
 * topics in that same directory: a restart of {@code up} with the same data must still open the
 * hook secrets sealed before. Without a data dir the broker's data is temporary, and so is the key.
 */
public final class MasterKeys {
    public static final String DEV_KEY_FILE = "master.key";

    private static final Logger log = LoggerFactory.getLogger(MasterKeys.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE);

    private MasterKeys() {
    }

    /** A {@link SecretBox} over the master key {@link #resolve} finds. */
    public static SecretBox secretBox(TollgateConfig config) {
        return new SecretBox(resolve(config));
    }

    /**
     * The configured master key; in dev mode without one, the key kept in the data dir (created on
     * first use) or, without a data dir, a fresh one for this process only.
     *
     * @throws TollgateConfig.InvalidConfigException outside dev mode without a configured key
     * @throws IllegalStateException when the dev key file exists but cannot be used
     */
    public static byte[] resolve(TollgateConfig config) {
        var configured = config.masterKey();
        if (configured.isPresent()) {
            byte[] key = configured.get();
            log.info("master_key source=configured key_id={}", new SecretBox(key).keyId());
            return key;
        }
        if (!config.devMode()) {
            throw new TollgateConfig.InvalidConfigException(TollgateConfig.Setting.MASTER_KEY,
                    "TOLLGATE_MASTER_KEY is required outside dev mode: set it to the base64 of 32 random bytes "
                            + "(e.g. `openssl rand -base64 32`); secrets at rest are sealed with it");
        }
        if (config.dataDir().isEmpty()) {
            byte[] key = randomKey();
            log.warn("master_key source=dev_ephemeral key_id={} note=\"no data dir: secrets sealed now cannot be "
                    + "opened after a restart\"", new SecretBox(key).keyId());
            return key;
        }
        return readOrCreate(config.dataDir().get().resolve(DEV_KEY_FILE));
    }

    /** The key in {@code file}, or a new one written there (0600) if the file does not exist yet. */
    static byte[] readOrCreate(Path file) {
        if (Files.exists(file)) {
            return read(file);
        }
        byte[] key = randomKey();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temp = createOwnerOnly(file.toAbsolutePath().getParent());
            try {
                Files.write(temp, (Base64.getEncoder().encodeToString(key) + "\n").getBytes(StandardCharsets.US_ASCII));
                // a link never replaces an existing file: whoever created the key first wins, and we read theirs
                linkOrMove(temp, file);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (FileAlreadyExistsException e) {
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the dev master key file " + file, e);
        }
        log.info("master_key source=dev_file created=true file={} key_id={}", file, new SecretBox(key).keyId());
        return key;
    }

    private static byte[] read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dev master key file " + file, e);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            // never echo the content: it is the key
            throw new IllegalStateException("the dev master key file " + file + " is not base64; delete it only if no "
                    + "secret sealed with it is needed any more");
        }
        if (key.length != 16 && key.length != 24 && key.length != 32) {
            throw new IllegalStateException("the dev master key file " + file + " holds " + key.length
                    + " bytes; an AES key has 16, 24 or 32");
        }
        warnIfReadableByOthers(file);
        log.info("master_key source=dev_file created=false file={} key_id={}", file, new SecretBox(key).keyId());
        return key;
    }

    private static Path createOwnerOnly(Path dir) throws IOException {
        try {
            return Files.createTempFile(dir, DEV_KEY_FILE, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException notPosix) {
            return Files.createTempFile(dir, DEV_KEY_FILE, ".tmp");
        }
    }

    private static void linkOrMove(Path temp, Path file) throws IOException {
        try {
            Files.createLink(file, temp);
        } catch (UnsupportedOperationException | SecurityException noLinks) {
            Files.move(temp, file);
        }
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!OWNER_ONLY.containsAll(permissions)) {
                log.warn("master_key_file_permissions file={} permissions={} expected=rw-------", file,
                        PosixFilePermissions.toString(permissions));
            }
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: nothing to check
        }
    }

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }
}
