package io.tollgate.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * Remembers ids and schemas, which never change once assigned, so the hot path of the serde makes
 * no registry call after the first record of each schema. {@code latest} is not cached: it moves.
 */
public final class CachingSchemaRegistryClient implements SchemaRegistryClient {
    private final SchemaRegistryClient delegate;
    private final Map<String, Map<Schema, Integer>> registered = new ConcurrentHashMap<>();
    private final Map<String, Map<Schema, Integer>> looked = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> byId = new ConcurrentHashMap<>();

    public CachingSchemaRegistryClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
        return registered.computeIfAbsent(subject, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(schema, s -> remember(delegate.register(subject, s), s));
    }

    @Override
    public int idOf(String subject, Schema schema) {
        Integer known = registered.getOrDefault(subject, Map.of()).get(schema);
        if (known != null) {
            return known;
        }
        return looked.computeIfAbsent(subject, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(schema, s -> remember(delegate.idOf(subject, s), s));
    }

    @Override
    public Schema schemaById(int id) {
        return byId.computeIfAbsent(id, delegate::schemaById);
    }

    @Override
    public RegisteredSchema latest(String subject) {
        RegisteredSchema latest = delegate.latest(subject);
        byId.putIfAbsent(latest.id(), latest.schema());
        return latest;
    }

    private int remember(int id, Schema schema) {
        byId.putIfAbsent(id, schema);
        return id;
    }
}
