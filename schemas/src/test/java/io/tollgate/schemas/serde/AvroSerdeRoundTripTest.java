package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookRequest;
import io.tollgate.schemas.Samples;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeRoundTripTest {
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    static Stream<Arguments> everyContract() {
        Stream<SpecificRecord> records = Stream.of(
                Samples.checkoutCommandPayloads().stream().map(Samples::checkoutCommand),
                Samples.checkoutEventPayloads().stream().map(Samples::checkoutEvent),
                Samples.merchantCommandPayloads().stream().map(Samples::merchantCommand),
                Samples.webhookCommandPayloads().stream().map(Samples::webhookCommand),
                Samples.webhookRequestPayloads().stream().map(Samples::webhookRequest),
                Stream.of(Samples.sessionState(), Samples.orderEvent(), Samples.merchantConfig(), Samples.hookCall(),
                        Samples.webhookEndpoint(), Samples.webhookDelivery()))
                .flatMap(Function.identity());
        return records.map(r -> Arguments.of(r.getClass().getSimpleName() + describePayload(r), r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyContract")
    <T extends SpecificRecord> void everyRecordComesBackEqualThroughTheWireFormat(String name, T record) {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) record.getClass();
        AvroSerde<T> serde = AvroSerde.forValues(type, registry);

        byte[] bytes = serde.serializer().serialize("topic.v1", record);
        T back = serde.deserializer().deserialize("topic.v1", bytes);

        assertThat(bytes[0]).isZero();
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(registry.latest("topic.v1-value").id());
        assertThat(back).isEqualTo(record);
        assertThat(record).isEqualTo(back);
    }

    @Test
    void samplesCoverEveryPayloadTypeOfEachUnion() {
        assertThat(classNames(Samples.checkoutCommandPayloads())).containsExactlyInAnyOrderElementsOf(unionBranches(CheckoutCommand.getClassSchema()));
        assertThat(classNames(Samples.checkoutEventPayloads())).containsExactlyInAnyOrderElementsOf(unionBranches(CheckoutEvent.getClassSchema()));
        assertThat(classNames(Samples.merchantCommandPayloads())).containsExactlyInAnyOrderElementsOf(unionBranches(MerchantCommand.getClassSchema()));
        assertThat(classNames(Samples.webhookCommandPayloads())).containsExactlyInAnyOrderElementsOf(unionBranches(WebhookCommand.getClassSchema()));
        assertThat(classNames(Samples.webhookRequestPayloads())).containsExactlyInAnyOrderElementsOf(unionBranches(WebhookRequest.getClassSchema()));
    }

    @Test
    void registersUnderTopicNameStrategySubjects() {
        AvroSerde<OrderEvent> values = AvroSerde.forValues(OrderEvent.class, registry);
        AvroSerde<OrderEvent> keys = new AvroSerde<>(OrderEvent.class);
        keys.configure(Map.of(AvroSerdeConfig.REGISTRY_CLIENT, registry), true);

        values.serializer().serialize("order.events.v1", Samples.orderEvent());
        keys.serializer().serialize("order.events.v1", Samples.orderEvent());

        assertThat(registry.subjects()).containsExactly("order.events.v1-key", "order.events.v1-value");
        assertThat(registry.latest("order.events.v1-key").id()).isEqualTo(registry.latest("order.events.v1-value").id());
    }

    @Test
    void nullIsATombstoneBothWays() {
        AvroSerde<SessionState> serde = AvroSerde.forValues(SessionState.class, registry);

        assertThat(serde.serializer().serialize("checkout.session-state.v1", null)).isNull();
        assertThat(serde.deserializer().deserialize("checkout.session-state.v1", null)).isNull();
    }

    @Test
    void bytesWithoutTheMagicByteAreRefused() {
        AvroSerde<OrderEvent> serde = AvroSerde.forValues(OrderEvent.class, registry);

        assertThatThrownBy(() -> serde.deserializer().deserialize("order.events.v1", new byte[] {1, 0, 0, 0, 1, 2}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");
        assertThatThrownBy(() -> serde.deserializer().deserialize("order.events.v1", new byte[] {0, 0}))
                .isInstanceOf(SerializationException.class);
    }

    @Test
    void anUnknownSchemaIdIsASerializationErrorNamingTheId() {
        AvroSerde<OrderEvent> serde = AvroSerde.forValues(OrderEvent.class, registry);

        assertThatThrownBy(() -> serde.deserializer().deserialize("order.events.v1", new byte[] {0, 0, 0, 0, 42, 2}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 42")
                .hasRootCauseInstanceOf(SchemaRegistryException.class);
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaIsASerializationError() {
        AvroSerde<OrderEvent> serde = new AvroSerde<>(OrderEvent.class);
        serde.configure(Map.of(AvroSerdeConfig.REGISTRY_CLIENT, registry, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

        assertThatThrownBy(() -> serde.serializer().serialize("order.events.v1", Samples.orderEvent()))
                .isInstanceOf(SerializationException.class)
                .hasRootCauseInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("order.events.v1-value");
        assertThat(registry.subjects()).isEmpty();
    }

    @Test
    void withoutAutoRegisterTheRegisteredIdIsUsed() {
        int id = registry.register("order.events.v1-value", OrderEvent.getClassSchema());
        AvroSerde<OrderEvent> serde = new AvroSerde<>(OrderEvent.class);
        serde.configure(Map.of(AvroSerdeConfig.REGISTRY_CLIENT, registry, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, false), false);

        byte[] bytes = serde.serializer().serialize("order.events.v1", Samples.orderEvent());

        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        assertThat(serde.deserializer().deserialize("order.events.v1", bytes)).isEqualTo(Samples.orderEvent());
    }

    @Test
    void usingTheSerdeBeforeConfigureSaysSo() {
        AvroSerde<OrderEvent> serde = new AvroSerde<>(OrderEvent.class);

        assertThatThrownBy(() -> serde.serializer().serialize("order.events.v1", Samples.orderEvent()))
                .isInstanceOf(SerializationException.class)
                .hasRootCauseMessage("AvroSerde for OrderEvent used before configure()");
    }

    private static String describePayload(SpecificRecord record) {
        Schema.Field payload = record.getSchema().getField("payload");
        return payload == null ? "" : "(" + record.get(payload.pos()).getClass().getSimpleName() + ")";
    }

    private static List<String> classNames(List<Object> payloads) {
        return payloads.stream().map(p -> p.getClass().getName()).toList();
    }

    private static List<String> unionBranches(Schema envelope) {
        return envelope.getField("payload").schema().getTypes().stream().map(Schema::getFullName).toList();
    }
}
