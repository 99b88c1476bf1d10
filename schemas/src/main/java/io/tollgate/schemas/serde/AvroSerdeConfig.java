package io.tollgate.schemas.serde;

import io.tollgate.schemas.registry.CachingSchemaRegistryClient;
import io.tollgate.schemas.registry.RestSchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import java.util.Map;

/**
 * The serde's settings, under Confluent's own names so that Confluent's {@code KafkaAvroSerializer}
 * can be swapped in by configuration alone. One name is ours: {@link #REGISTRY_CLIENT} passes a
 * client object (the in-process registry, or a shared cached client) instead of a URL.
 */
public record AvroSerdeConfig(SchemaRegistryClient registry, boolean autoRegister, boolean useLatestVersion) {
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String SPECIFIC_AVRO_READER = "specific.avro.reader";
    public static final String REGISTRY_CLIENT = "tollgate.schema.registry.client";

    public static AvroSerdeConfig from(Map<String, ?> configs) {
        Object client = configs.get(REGISTRY_CLIENT);
        SchemaRegistryClient registry;
        if (client instanceof SchemaRegistryClient given) {
            registry = given;
        } else if (configs.get(SCHEMA_REGISTRY_URL) != null) {
            registry = new CachingSchemaRegistryClient(new RestSchemaRegistryClient(urls(configs.get(SCHEMA_REGISTRY_URL))));
        } else {
            throw new IllegalArgumentException("Avro serde needs " + SCHEMA_REGISTRY_URL + " (or " + REGISTRY_CLIENT + ")");
        }
        return new AvroSerdeConfig(registry, flag(configs, AUTO_REGISTER_SCHEMAS, true), flag(configs, USE_LATEST_VERSION, false));
    }

    // Confluent's ConfigDef types the URL setting as a list, so callers may pass a List
    private static String urls(Object value) {
        if (value instanceof java.util.Collection<?> list) {
            return String.join(",", list.stream().map(Object::toString).toList());
        }
        return value.toString();
    }

    private static boolean flag(Map<String, ?> configs, String name, boolean fallback) {
        Object value = configs.get(name);
        return value == null ? fallback : Boolean.parseBoolean(value.toString());
    }
}
