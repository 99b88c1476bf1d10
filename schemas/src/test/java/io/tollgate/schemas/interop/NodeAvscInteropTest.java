package io.tollgate.schemas.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our records read by an Avro implementation that shares no code with ours: avsc under node,
 * through interop/confluent-wire.mjs, fetching the writer schema by id from our registry over
 * HTTP. Skipped only when node is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeAvscInteropTest {
    private final ObjectMapper json = new ObjectMapper();
    private Path interop;
    private SchemaRegistryServer server;

    @BeforeAll
    void nodeAndAvsc() throws Exception {
        Assumptions.assumeTrue(onPath("node"), "node is not on PATH: the avsc interop check needs node 18+");
        interop = repositoryRoot().resolve("interop");
        if (!Files.isDirectory(interop.resolve("node_modules").resolve("avsc"))) {
            Run install = run(Path.of(System.getProperty("java.io.tmpdir")), 300, "npm", "ci", "--no-audit", "--no-fund",
                    "--prefix", interop.toString());
            assertThat(install.exitCode()).as("npm ci --prefix interop failed:\n%s\n%s", install.stdout(), install.stderr()).isZero();
        }
        server = SchemaRegistryServer.start(new InMemorySchemaRegistry());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void avscDecodesACheckoutCommandFromAFile(@TempDir Path dir) throws Exception {
        CheckoutCommand command = Samples.checkoutCommand(PaymentIntentReported.newBuilder().setPaymentIntentId("pi_1")
                .setClientSecret(Samples.secret()).setStatus("requires_payment_method").build());
        byte[] bytes = serde(CheckoutCommand.class).serializer().serialize("checkout.commands.v1", command);
        Path file = Files.write(dir.resolve("record.bin"), bytes);

        Run decoded = node(file.toString());

        assertThat(decoded.exitCode()).as(decoded.stderr()).isZero();
        JsonNode out = json.readTree(decoded.stdout());
        assertThat(out.get("schema_id").asInt()).isEqualTo(ByteBuffer.wrap(bytes, 1, 4).getInt());
        assertThat(out.get("schema").asText()).isEqualTo("io.tollgate.schema.CheckoutCommand");
        JsonNode value = out.get("value");
        assertThat(value.get("command_id").asText()).isEqualTo("cmd-PaymentIntentReported");
        assertThat(value.get("issued_at").asLong()).isEqualTo(Samples.at(1).toEpochMilli());
        assertThat(value.get("trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        JsonNode payload = value.get("payload").get("io.tollgate.schema.PaymentIntentReported");
        assertThat(payload.get("payment_intent_id").asText()).isEqualTo("pi_1");
        assertThat(payload.get("client_secret").get("key_id").asText()).isEqualTo("mk_9f2c");
        assertThat(payload.get("client_secret").get("nonce").asText()).isEqualTo("0102030405060708090a0b0c");
    }

    @Test
    void avscDecodesAnOrderEventGivenAsHex() throws Exception {
        byte[] bytes = serde(OrderEvent.class).serializer().serialize("order.events.v1", Samples.orderEvent());

        Run decoded = node("--hex", HexFormat.of().formatHex(bytes));

        assertThat(decoded.exitCode()).as(decoded.stderr()).isZero();
        JsonNode value = json.readTree(decoded.stdout()).get("value");
        assertThat(value.get("type").asText()).isEqualTo("order.failed");
        assertThat(value.get("amount_minor").asLong()).isEqualTo(2800);
        assertThat(value.get("payment_intent_id").asText()).isEqualTo("pi_1");
        assertThat(value.get("reason").asText()).isEqualTo("class_full");
        assertThat(value.get("default_action_used").asBoolean()).isTrue();
    }

    @Test
    void theScriptRefusesBytesThatAreNotTheWireFormatOrNameAnUnknownId() throws Exception {
        Run noMagic = node("--hex", "0100000001");
        Run unknownId = node("--hex", "00000003e702");

        assertThat(noMagic.exitCode()).isEqualTo(1);
        assertThat(noMagic.stderr()).contains("magic byte 0");
        assertThat(unknownId.exitCode()).isEqualTo(1);
        assertThat(unknownId.stderr()).contains("404").contains("40403");
    }

    private <T extends org.apache.avro.specific.SpecificRecord> Serde<T> serde(Class<T> type) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
        return serde;
    }

    private Run node(String... input) throws Exception {
        List<String> command = new ArrayList<>(List.of("node", interop.resolve("confluent-wire.mjs").toString(), server.url()));
        command.addAll(List.of(input));
        return run(interop, 60, command.toArray(String[]::new));
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private static Run run(Path workdir, int timeoutSeconds, String... command) throws Exception {
        Path out = Files.createTempFile("interop", ".out");
        Path err = Files.createTempFile("interop", ".err");
        try {
            Process process = new ProcessBuilder(command).directory(workdir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static Path repositoryRoot() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("interop").resolve("package.json"))) {
                return dir;
            }
        }
        throw new IOException("no interop/package.json above " + Path.of("").toAbsolutePath());
    }
}
