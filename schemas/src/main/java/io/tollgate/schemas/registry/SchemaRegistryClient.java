package io.tollgate.schemas.registry;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry API the serde needs. Implemented over HTTP
 * ({@link RestSchemaRegistryClient}) for any Confluent-API registry, and in memory by
 * {@link InMemorySchemaRegistry}, which is also what the in-process registry serves.
 */
public interface SchemaRegistryClient {

    /** Registers the schema under the subject (or finds it there) and returns its global id. */
    int register(String subject, Schema schema);

    /** The id of a schema already registered under the subject; 40403 if it is not. */
    int idOf(String subject, Schema schema);

    /** The schema with this global id; 40403 if none. */
    Schema schemaById(int id);

    /** The newest version under the subject; 40401 if the subject is unknown. */
    RegisteredSchema latest(String subject);
}
