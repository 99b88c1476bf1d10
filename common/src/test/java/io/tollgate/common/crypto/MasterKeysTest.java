package io.tollgate.common.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.common.config.TollgateConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MasterKeysTest {
    @TempDir
    Path dataDir;

    @Test
    void aConfiguredKeyIsUsedAsItIs() {
        String key = SecretBox.newMasterKeyBase64();

        byte[] resolved = MasterKeys.resolve(config(Map.of("TOLLGATE_MASTER_KEY", key, "TOLLGATE_DATA_DIR", dataDir.toString())));

        assertThat(resolved).isEqualTo(Base64.getDecoder().decode(key));
        assertThat(dataDir.resolve(MasterKeys.DEV_KEY_FILE)).doesNotExist();
    }

    @Test
    void devModeKeepsAGeneratedKeyInTheDataDirSoARestartOpensOldSecrets() throws Exception {
        TollgateConfig dev = config(Map.of("TOLLGATE_DEV_MODE", "true", "TOLLGATE_DATA_DIR", dataDir.toString()));

        SecretBox first = MasterKeys.secretBox(dev);
        var sealed = first.seal("whsec_abc", "hook-secret:acme/m1");
        SecretBox afterRestart = MasterKeys.secretBox(dev);

        assertThat(afterRestart.keyId()).isEqualTo(first.keyId());
        assertThat(afterRestart.open(sealed, "hook-secret:acme/m1")).isEqualTo("whsec_abc");
        Path file = dataDir.resolve(MasterKeys.DEV_KEY_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Base64.getDecoder().decode(Files.readString(file).trim())).hasSize(32);
        try (var files = Files.list(dataDir)) {
            assertThat(files).as("no temp file left behind").containsExactly(file);
        }
    }

    @Test
    void devModeWithoutADataDirUsesAKeyForThisProcessOnly() {
        TollgateConfig dev = config(Map.of("TOLLGATE_DEV_MODE", "true"));

        assertThat(MasterKeys.secretBox(dev).keyId()).isNotEqualTo(MasterKeys.secretBox(dev).keyId());
    }

    @Test
    void outsideDevModeAKeyIsRequired() {
        // the configuration refuses to load, and MasterKeys would refuse too: a clear error at startup
        assertThatThrownBy(() -> MasterKeys.resolve(config(Map.of("TOLLGATE_DATA_DIR", dataDir.toString()))))
                .isInstanceOf(TollgateConfig.InvalidConfigException.class)
                .hasMessageContaining("TOLLGATE_MASTER_KEY")
                .hasMessageContaining("required outside dev mode");
        assertThat(dataDir.resolve(MasterKeys.DEV_KEY_FILE)).doesNotExist();
    }

    @Test
    void aDamagedKeyFileIsAClearErrorThatDoesNotShowItsContent() throws Exception {
        Files.writeString(dataDir.resolve(MasterKeys.DEV_KEY_FILE), "not base64 at all!\n");

        assertThatThrownBy(() -> MasterKeys.resolve(config(Map.of("TOLLGATE_DEV_MODE", "true",
                "TOLLGATE_DATA_DIR", dataDir.toString()))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(MasterKeys.DEV_KEY_FILE)
                .hasMessageNotContaining("not base64 at all");
    }

    private static TollgateConfig config(Map<String, String> env) {
        return TollgateConfig.load(null, new HashMap<>(env), Map.of());
    }
}
