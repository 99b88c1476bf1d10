package io.tollgate.schemas.registry;

import org.apache.avro.Schema;

/** One version of a subject, as the registry's {@code /subjects/{s}/versions/{v}} answers it. */
public record RegisteredSchema(String subject, int id, int version, Schema schema) {
}
