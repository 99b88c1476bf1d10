package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadyFileTest {
    @TempDir
    Path dir;

    /** A run killed outright leaves its file; the next run must not be announced by it while it starts. */
    @Test
    void aFileLeftByAnEarlierRunIsRemovedBeforeThisOneStarts() throws Exception {
        Path file = dir.resolve("tollgate.json");
        Files.writeString(file, "{\"api\":\"http://127.0.0.1:1\",\"pid\":1}");

        try (ReadyFile ready = ReadyFile.claim(file)) {
            assertThat(file).doesNotExist();
        }
    }

    @Test
    void theFileIsWrittenWholeWithThisProcessAndRemovedOnClose() throws Exception {
        Path file = dir.resolve("sub").resolve("tollgate.json");
        ReadyFile ready = ReadyFile.claim(file);

        ready.write(Map.of("api", "http://127.0.0.1:8080"));

        JsonNode written = new ObjectMapper().readTree(file.toFile());
        assertThat(written.get("api").asText()).isEqualTo("http://127.0.0.1:8080");
        assertThat(written.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        try (var names = Files.list(file.getParent())) {
            assertThat(names.map(p -> p.getFileName().toString())).as("no temp file left").containsExactly("tollgate.json");
        }
        ready.close();
        assertThat(file).doesNotExist();
    }
}
