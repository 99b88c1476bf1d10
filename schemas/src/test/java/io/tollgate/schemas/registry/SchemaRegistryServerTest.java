package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.PartnerCancel;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The Confluent REST subset, driven over a real socket as Confluent's clients and tools would. */
class SchemaRegistryServerTest {
    private static final String V1 = OrderEvent.getClassSchema().toString();
    private static final String V2 = V1.substring(0, V1.lastIndexOf(']'))
            + ",{\"name\":\"refund_id\",\"type\":[\"null\",\"string\"],\"default\":null}]}";
    private static final String BREAKING = V1.substring(0, V1.lastIndexOf(']')) + ",{\"name\":\"refund_id\",\"type\":\"string\"}]}";

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final SchemaRegistryServer server = SchemaRegistryServer.start(new InMemorySchemaRegistry());

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void registersLooksUpAndServesSchemasAsConfluentDoes() throws Exception {
        Reply registered = call("POST", "/subjects/orders-value/versions", schemaBody(V1));
        Reply again = call("POST", "/subjects/orders-value/versions", schemaBody(V1));
        int id = registered.body().get("id").asInt();

        assertThat(registered.status()).isEqualTo(200);
        assertThat(registered.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
        assertThat(again.body().get("id").asInt()).isEqualTo(id);

        JsonNode lookup = call("POST", "/subjects/orders-value", schemaBody(V1)).body();
        assertThat(lookup.get("subject").asText()).isEqualTo("orders-value");
        assertThat(lookup.get("id").asInt()).isEqualTo(id);
        assertThat(lookup.get("version").asInt()).isEqualTo(1);
        assertThat(new Schema.Parser().parse(lookup.get("schema").asText())).isEqualTo(OrderEvent.getClassSchema());

        assertThat(new Schema.Parser().parse(call("GET", "/schemas/ids/" + id, null).body().get("schema").asText()))
                .isEqualTo(OrderEvent.getClassSchema());
        assertThat(call("GET", "/schemas/ids/" + id + "/versions", null).body().toString())
                .isEqualTo("[{\"subject\":\"orders-value\",\"version\":1}]");
        assertThat(call("GET", "/subjects", null).body().toString()).isEqualTo("[\"orders-value\"]");

        int v2 = call("POST", "/subjects/orders-value/versions", schemaBody(V2)).body().get("id").asInt();
        assertThat(v2).isNotEqualTo(id);
        assertThat(call("GET", "/subjects/orders-value/versions", null).body().toString()).isEqualTo("[1,2]");
        JsonNode latest = call("GET", "/subjects/orders-value/versions/latest", null).body();
        assertThat(latest.get("version").asInt()).isEqualTo(2);
        assertThat(latest.get("id").asInt()).isEqualTo(v2);
        assertThat(latest.get("subject").asText()).isEqualTo("orders-value");
        assertThat(call("GET", "/subjects/orders-value/versions/1", null).body().get("id").asInt()).isEqualTo(id);
        assertThat(call("GET", "/subjects/orders-value/versions/2/schema", null).body().get("name").asText()).isEqualTo("OrderEvent");
    }

    @Test
    void anIncompatibleSchemaIs409WithTheReason() throws Exception {
        call("POST", "/subjects/orders-value/versions", schemaBody(V1));

        Reply refused = call("POST", "/subjects/orders-value/versions", schemaBody(BREAKING));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().get("error_code").asInt()).isEqualTo(409);
        assertThat(refused.body().get("message").asText())
                .contains("incompatible").contains("READER_FIELD_MISSING_DEFAULT_VALUE").contains("refund_id");
        assertThat(call("GET", "/subjects/orders-value/versions", null).body().toString()).isEqualTo("[1]");
    }

    @Test
    void compatibilityChecksAnswerWithoutRegistering() throws Exception {
        call("POST", "/subjects/orders-value/versions", schemaBody(V1));

        JsonNode fine = call("POST", "/compatibility/subjects/orders-value/versions/latest", schemaBody(V2)).body();
        JsonNode broken = call("POST", "/compatibility/subjects/orders-value/versions/1", schemaBody(BREAKING)).body();
        JsonNode versionless = call("POST", "/compatibility/subjects/orders-value/versions", schemaBody(BREAKING)).body();
        JsonNode newSubject = call("POST", "/compatibility/subjects/fresh-value/versions", schemaBody(BREAKING)).body();

        assertThat(fine.get("is_compatible").asBoolean()).isTrue();
        assertThat(fine.get("messages")).isEmpty();
        assertThat(broken.get("is_compatible").asBoolean()).isFalse();
        assertThat(broken.get("messages").get(0).asText()).contains("refund_id");
        assertThat(versionless.get("is_compatible").asBoolean()).isFalse();
        assertThat(newSubject.get("is_compatible").asBoolean()).isTrue();
        assertThat(call("GET", "/subjects/orders-value/versions", null).body().toString()).isEqualTo("[1]");
    }

    @Test
    void errorsCarryConfluentStatusesAndCodes() throws Exception {
        call("POST", "/subjects/orders-value/versions", schemaBody(V1));

        assertError(call("GET", "/subjects/nope/versions", null), 404, 40401);
        assertError(call("GET", "/subjects/nope/versions/latest", null), 404, 40401);
        assertError(call("POST", "/subjects/nope", schemaBody(V1)), 404, 40401);
        assertError(call("POST", "/compatibility/subjects/nope/versions/latest", schemaBody(V1)), 404, 40401);
        assertError(call("GET", "/subjects/orders-value/versions/9", null), 404, 40402);
        assertError(call("GET", "/schemas/ids/999", null), 404, 40403);
        assertError(call("POST", "/subjects/orders-value", schemaBody(V2)), 404, 40403);
        assertError(call("POST", "/subjects/orders-value/versions", schemaBody("not a schema")), 422, 42201);
        assertError(call("POST", "/subjects/orders-value/versions", "{\"schema\":\"\\\"string\\\"\",\"schemaType\":\"PROTOBUF\"}"), 422, 42201);
        assertError(call("POST", "/subjects/orders-value/versions", "{}"), 422, 42201);
        assertError(call("GET", "/subjects/orders-value/versions/first", null), 422, 42202);
        assertError(call("PUT", "/config", "{\"compatibility\":\"SIDEWAYS\"}"), 422, 42203);
        assertError(call("POST", "/subjects/orders-value/versions", "{not json"), 400, 400);
        assertError(call("GET", "/no/such/route", null), 404, 404);
        assertError(call("DELETE", "/subjects/orders-value", null), 405, 405);
        assertThat(call("GET", "/subjects/nope/versions", null).body().get("message").asText()).isEqualTo("Subject 'nope' not found.");
    }

    @Test
    void configIsReadAndSetGloballyAndPerSubject() throws Exception {
        assertThat(call("GET", "/config", null).body().toString()).isEqualTo("{\"compatibilityLevel\":\"BACKWARD_TRANSITIVE\"}");
        assertError(call("GET", "/config/orders-value", null), 404, 40408);
        assertThat(call("GET", "/config/orders-value?defaultToGlobal=true", null).body().get("compatibilityLevel").asText())
                .isEqualTo("BACKWARD_TRANSITIVE");

        Reply put = call("PUT", "/config/orders-value", "{\"compatibility\":\"none\"}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(put.body().toString()).isEqualTo("{\"compatibility\":\"NONE\"}");
        assertThat(call("GET", "/config/orders-value", null).body().get("compatibilityLevel").asText()).isEqualTo("NONE");

        // NONE lets the breaking change in, where the global default refuses it
        call("POST", "/subjects/orders-value/versions", schemaBody(V1));
        assertThat(call("POST", "/subjects/orders-value/versions", schemaBody(BREAKING)).status()).isEqualTo(200);
        call("POST", "/subjects/other-value/versions", schemaBody(V1));
        assertThat(call("POST", "/subjects/other-value/versions", schemaBody(BREAKING)).status()).isEqualTo(409);

        assertThat(call("PUT", "/config", "{\"compatibility\":\"FULL\"}").body().get("compatibility").asText()).isEqualTo("FULL");
        assertThat(call("GET", "/config", null).body().get("compatibilityLevel").asText()).isEqualTo("FULL");
        assertThat(call("GET", "/config/other-value?defaultToGlobal=true", null).body().get("compatibilityLevel").asText()).isEqualTo("FULL");
        assertThat(call("GET", "/config/orders-value", null).body().get("compatibilityLevel").asText()).isEqualTo("NONE");
    }

    @Test
    void restClientSpeaksToItIncludingErrorsAndOddSubjectNames() {
        SchemaRegistryClient client = new RestSchemaRegistryClient(server.url());
        String subject = "odd subject/with+signs-value";

        int id = client.register(subject, OrderEvent.getClassSchema());

        assertThat(client.idOf(subject, OrderEvent.getClassSchema())).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(OrderEvent.getClassSchema());
        assertThat(client.latest(subject)).isEqualTo(new RegisteredSchema(subject, id, 1, OrderEvent.getClassSchema()));
        assertThat(server.registry().subjects()).containsExactly(subject);
        assertThatThrownBy(() -> client.latest("nope")).isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e.httpStatus()).isEqualTo(404);
            assertThat(e.errorCode()).isEqualTo(40401);
        });
        assertThatThrownBy(() -> client.schemaById(999)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> client.register(subject, new Schema.Parser().parse(BREAKING)))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409));
    }

    @Test
    void ourBytesDecodeWithAPlainGenericReaderAndTheSchemaFetchedById() throws IOException {
        AvroSerde<CheckoutCommand> serde = new AvroSerde<>(CheckoutCommand.class);
        serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url()), false);
        CheckoutCommand command = Samples.checkoutCommand(PartnerCancel.newBuilder().setReason("class_full").setMessage("Full").build());

        byte[] bytes = serde.serializer().serialize("checkout.commands.v1", command);

        assertThat(bytes[0]).isZero();
        int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
        Schema writer = new RestSchemaRegistryClient(server.url()).schemaById(id);
        GenericRecord record = new GenericDatumReader<GenericRecord>(writer)
                .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));
        assertThat(record.get("command_id").toString()).isEqualTo("cmd-PartnerCancel");
        assertThat(record.get("issued_at")).isEqualTo(Samples.at(1).toEpochMilli());
        GenericRecord payload = (GenericRecord) record.get("payload");
        assertThat(payload.getSchema().getFullName()).isEqualTo("io.tollgate.schema.PartnerCancel");
        assertThat(payload.get("reason").toString()).isEqualTo("class_full");
        assertThat(serde.deserializer().deserialize("checkout.commands.v1", bytes)).isEqualTo(command);
    }

    @Test
    void aClosedServerRefusesConnections() {
        SchemaRegistryClient client = new RestSchemaRegistryClient(server.url());
        client.register("orders-value", OrderEvent.getClassSchema());

        server.close();

        assertThatThrownBy(() -> client.schemaById(1)).isInstanceOf(UncheckedIOException.class).hasMessageContaining(server.url());
    }

    private void assertError(Reply reply, int status, int code) {
        assertThat(reply.status()).as("status of %s", reply.body()).isEqualTo(status);
        assertThat(reply.body().get("error_code").asInt()).isEqualTo(code);
        assertThat(reply.body().get("message").asText()).isNotBlank();
        assertThat(reply.contentType()).isEqualTo("application/vnd.schemaregistry.v1+json");
    }

    private String schemaBody(String schema) {
        return json.createObjectNode().put("schema", schema).toString();
    }

    private record Reply(int status, String contentType, JsonNode body) {
    }

    private Reply call(String method, String path, String body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
                    json.readTree(response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
