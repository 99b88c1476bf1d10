package io.tollgate.common.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our records read by an Avro implementation that shares no code with ours: avsc under node,
 * through interop/confluent-wire.mjs, fetching the writer schema by id from our registry over
 * HTTP. Fails when node is not installed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeAvscInteropTest {
    private SchemaRegistryServer server;

    @BeforeAll
    void startRegistry() {
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

        NodeScripts.Run decoded = node(file.toString());

        JsonNode out = decoded.json();
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

        NodeScripts.Run decoded = node("--hex", HexFormat.of().formatHex(bytes));

        JsonNode value = decoded.json().get("value");
        assertThat(value.get("type").asText()).isEqualTo("order.failed");
        assertThat(value.get("amount_minor").asLong()).isEqualTo(2800);
        assertThat(value.get("payment_intent_id").asText()).isEqualTo("pi_1");
        assertThat(value.get("reason").asText()).isEqualTo("class_full");
        assertThat(value.get("default_action_used").asBoolean()).isTrue();
    }

    @Test
    void theScriptRefusesBytesThatAreNotTheWireFormatOrNameAnUnknownId() throws Exception {
        NodeScripts.Run noMagic = node("--hex", "0100000001");
        NodeScripts.Run unknownId = node("--hex", "00000003e702");

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

    private NodeScripts.Run node(String... input) {
        List<String> args = new ArrayList<>(List.of(server.url()));
        args.addAll(List.of(input));
        return NodeScripts.run(Duration.ofSeconds(60), "confluent-wire.mjs", args.toArray(String[]::new));
    }
}
