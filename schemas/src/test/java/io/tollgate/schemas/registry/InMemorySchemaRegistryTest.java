package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.SessionState;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryTest {
    private static final Schema ORDER = OrderEvent.getClassSchema();
    private static final Schema STATE = SessionState.getClassSchema();
    private static final Schema COMMAND = CheckoutCommand.getClassSchema();

    @Test
    void idsVersionsAndSettingsSurviveARestartOnTheSameLog() {
        SchemaLog log = SchemaLog.inMemory();
        InMemorySchemaRegistry first = new InMemorySchemaRegistry(log);
        int orderId = first.register("order.events.v1-value", ORDER);
        int stateId = first.register("checkout.session-state.v1-value", STATE);
        first.setCompatibility("order.events.v1-value", "full");

        InMemorySchemaRegistry restarted = new InMemorySchemaRegistry(log);

        assertThat(restarted.register("order.events.v1-value", ORDER)).isEqualTo(orderId);
        assertThat(restarted.idOf("checkout.session-state.v1-value", STATE)).isEqualTo(stateId);
        assertThat(restarted.schemaById(orderId)).isEqualTo(ORDER);
        assertThat(restarted.compatibilityOf("order.events.v1-value")).isEqualTo("FULL");
        assertThat(restarted.register("checkout.commands.v1-value", COMMAND)).isGreaterThan(Math.max(orderId, stateId));
        assertThat(log.readAll()).hasSize(4);
    }

    @Test
    void oneSchemaUnderTwoSubjectsHasOneGlobalId() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        int asValue = registry.register("orders-value", ORDER);
        int asOther = registry.register("orders-copy-value", ORDER);

        assertThat(asOther).isEqualTo(asValue);
        assertThat(registry.usesOf(asValue)).extracting(RegisteredSchema::subject).containsExactly("orders-copy-value", "orders-value");
    }

    @Test
    void registeringAgainAddsNoVersionAndWritesNothing() {
        SchemaLog log = SchemaLog.inMemory();
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry(log);

        int id = registry.register("orders-value", ORDER);

        assertThat(registry.register("orders-value", new Schema.Parser().parse(ORDER.toString()))).isEqualTo(id);
        assertThat(registry.versions("orders-value")).containsExactly(1);
        assertThat(log.readAll()).hasSize(1);
    }

    @Test
    void aReplayedEntryDoesNotAddAVersion() {
        // a compacted topic read twice (readAll, then readNew) hands back entries already applied
        SchemaLog log = SchemaLog.inMemory();
        log.append(SchemaLog.Entry.schema("orders-value", 1, 7, ORDER.toString()));
        log.append(SchemaLog.Entry.schema("orders-value", 1, 7, ORDER.toString()));

        InMemorySchemaRegistry registry = new InMemorySchemaRegistry(log);

        assertThat(registry.versions("orders-value")).containsExactly(1);
        assertThat(registry.latest("orders-value").id()).isEqualTo(7);
    }

    @Test
    void lookupsOfUnknownThingsUseConfluentErrorCodes() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("orders-value", ORDER);

        assertThatThrownBy(() -> registry.latest("nope")).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> registry.version("orders-value", 2)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> registry.idOf("orders-value", STATE)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> registry.idOf("nope", STATE)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> registry.schemaById(99)).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(40403));
    }

    @Test
    void compatibilityLevelsAreCheckedAndCaseInsensitive() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

        assertThat(registry.compatibilityOf("any")).isEqualTo("BACKWARD_TRANSITIVE");
        registry.setCompatibility(null, "forward");
        assertThat(registry.globalCompatibility()).isEqualTo("FORWARD");
        assertThat(registry.subjectCompatibility("any")).isEmpty();
        assertThatThrownBy(() -> registry.setCompatibility("any", "SIDEWAYS")).isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e.errorCode()).isEqualTo(42203);
            assertThat(e.httpStatus()).isEqualTo(422);
        });
    }

    @Test
    void forwardLetsOldReadersReadNewData() {
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.setCompatibility("evolving-value", "FORWARD");
        registry.register("evolving-value", record("{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"note\",\"type\":\"string\"}"));

        // a new required field is fine for old readers, who skip it
        assertThat(registry.incompatibilities("evolving-value", record(
                "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"note\",\"type\":\"string\"},{\"name\":\"extra\",\"type\":\"int\"}"))).isEmpty();
        // dropping a field old readers need (no default there) is not
        assertThat(registry.incompatibilities("evolving-value", record("{\"name\":\"id\",\"type\":\"string\"}")))
                .singleElement().asString().contains("version 1 cannot read the new schema").contains("note");
    }

    @Test
    void schemaTextThatIsNotAvroIs42201() {
        assertThatThrownBy(() -> InMemorySchemaRegistry.parse("not a schema")).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(42201));
        assertThatThrownBy(() -> InMemorySchemaRegistry.parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"n\",\"type\":\"int\",\"default\":\"x\"}]}"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(42201));
        assertThatThrownBy(() -> InMemorySchemaRegistry.parse("")).isInstanceOfSatisfying(SchemaRegistryException.class,
                e -> assertThat(e.errorCode()).isEqualTo(42201));
    }

    private static Schema record(String fields) {
        return new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"Evolving\",\"namespace\":\"test\",\"fields\":[" + fields + "]}");
    }
}
