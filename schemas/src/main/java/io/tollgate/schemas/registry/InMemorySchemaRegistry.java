package io.tollgate.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Confluent-compatible registry held in memory and persisted to a {@link SchemaLog}: global ids
 * shared by identical schemas across subjects, versions per subject, and compatibility enforced with
 * Avro's own {@link SchemaCompatibility} (default BACKWARD_TRANSITIVE, as the design fixes).
 */
public final class InMemorySchemaRegistry implements SchemaRegistryClient {
    public static final String DEFAULT_COMPATIBILITY = "BACKWARD_TRANSITIVE";
    static final Set<String> LEVELS = Set.of("NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
            "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE");
    private static final Logger LOG = LoggerFactory.getLogger(InMemorySchemaRegistry.class);

    private final SchemaLog log;
    // versions by number, not by list position: a compacted log may replay an entry twice
    private final Map<String, NavigableMap<Integer, RegisteredSchema>> subjects = new HashMap<>();
    private final Map<Integer, Schema> byId = new HashMap<>();
    private final Map<String, Integer> idByCanonical = new HashMap<>();
    private final Map<String, String> compatibility = new HashMap<>();
    private String globalCompatibility = DEFAULT_COMPATIBILITY;
    private int nextId = 1;

    public InMemorySchemaRegistry(SchemaLog log) {
        this.log = log;
        log.readAll().forEach(this::apply);
    }

    public InMemorySchemaRegistry() {
        this(SchemaLog.inMemory());
    }

    @Override
    public synchronized int register(String subject, Schema schema) {
        catchUp();
        Optional<RegisteredSchema> existing = find(subject, schema);
        if (existing.isPresent()) {
            return existing.get().id();
        }
        List<String> problems = incompatibilities(subject, schema);
        if (!problems.isEmpty()) {
            throw new SchemaRegistryException(409, SchemaRegistryException.INCOMPATIBLE_SCHEMA,
                    "Schema being registered is incompatible with an earlier schema for subject \"" + subject
                            + "\" under " + compatibilityOf(subject) + ": " + String.join("; ", problems));
        }
        String canonical = schema.toString();
        int id = idByCanonical.getOrDefault(canonical, nextId);
        NavigableMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        int version = versions == null || versions.isEmpty() ? 1 : versions.lastKey() + 1;
        SchemaLog.Entry entry = SchemaLog.Entry.schema(subject, version, id, canonical);
        log.append(entry);
        apply(entry);
        LOG.info("schema_registered subject={} version={} id={}", subject, version, id);
        return id;
    }

    @Override
    public synchronized int idOf(String subject, Schema schema) {
        return lookup(subject, schema).id();
    }

    /** The version of the subject holding this schema (Confluent's {@code POST /subjects/{s}}); 40401 or 40403 if none. */
    public synchronized RegisteredSchema lookup(String subject, Schema schema) {
        Optional<RegisteredSchema> found = find(subject, schema);
        if (found.isEmpty()) {
            catchUp();
            found = find(subject, schema);
        }
        return found.orElseThrow(() -> subjects.containsKey(subject)
                ? new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema not found")
                : subjectNotFound(subject));
    }

    @Override
    public synchronized Schema schemaById(int id) {
        Schema schema = byId.get(id);
        if (schema == null) {
            catchUp();
            schema = byId.get(id);
        }
        if (schema == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.SCHEMA_NOT_FOUND, "Schema " + id + " not found");
        }
        return schema;
    }

    @Override
    public synchronized RegisteredSchema latest(String subject) {
        return versionsOf(subject).lastEntry().getValue();
    }

    public synchronized RegisteredSchema version(String subject, int version) {
        RegisteredSchema found = versionsOf(subject).get(version);
        if (found == null) {
            throw new SchemaRegistryException(404, SchemaRegistryException.VERSION_NOT_FOUND, "Version " + version + " not found.");
        }
        return found;
    }

    public synchronized List<String> subjects() {
        return subjects.keySet().stream().sorted().toList();
    }

    public synchronized List<Integer> versions(String subject) {
        return List.copyOf(versionsOf(subject).keySet());
    }

    /** Every subject version that uses this global id (Confluent's {@code /schemas/ids/{id}/versions}); 40403 if none. */
    public synchronized List<RegisteredSchema> usesOf(int id) {
        schemaById(id);
        return subjects.values().stream()
                .flatMap(versions -> versions.values().stream())
                .filter(r -> r.id() == id)
                .sorted(java.util.Comparator.comparing(RegisteredSchema::subject).thenComparingInt(RegisteredSchema::version))
                .toList();
    }

    /** Empty when the candidate may be registered under the subject; otherwise the reasons it may not. */
    public synchronized List<String> incompatibilities(String subject, Schema candidate) {
        NavigableMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            return List.of();
        }
        String level = compatibilityOf(subject);
        List<RegisteredSchema> against = level.endsWith("_TRANSITIVE")
                ? List.copyOf(versions.values()) : List.of(versions.lastEntry().getValue());
        return check(level, candidate, against);
    }

    /** As {@link #incompatibilities(String, Schema)}, but against one given version only (Confluent's {@code /compatibility/.../versions/{v}}). */
    public synchronized List<String> incompatibilities(String subject, Schema candidate, int version) {
        return check(compatibilityOf(subject), candidate, List.of(version(subject, version)));
    }

    /** The subject's own level, falling back to the global one. */
    public synchronized String compatibilityOf(String subject) {
        return compatibility.getOrDefault(subject, globalCompatibility);
    }

    /** The level set on the subject itself, if any. */
    public synchronized Optional<String> subjectCompatibility(String subject) {
        return Optional.ofNullable(compatibility.get(subject));
    }

    public synchronized String globalCompatibility() {
        return globalCompatibility;
    }

    /** Sets a subject's level, or the global one when {@code subject} is null. Accepts any case, as Confluent does. */
    public synchronized void setCompatibility(String subject, String level) {
        String normalized = level == null ? null : level.trim().toUpperCase(Locale.ROOT);
        if (normalized == null || !LEVELS.contains(normalized)) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_COMPATIBILITY_LEVEL,
                    "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive");
        }
        catchUp();
        SchemaLog.Entry entry = SchemaLog.Entry.config(subject, normalized);
        log.append(entry);
        apply(entry);
        LOG.info("compatibility_set subject={} level={}", subject == null ? "(global)" : subject, normalized);
    }

    /** Parses schema text as the REST API receives it; 42201 when it is not a valid Avro schema. */
    public static Schema parse(String schemaText) {
        if (schemaText == null || schemaText.isBlank()) {
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Empty schema");
        }
        try {
            return new Schema.Parser().parse(schemaText);
        } catch (AvroRuntimeException | IllegalArgumentException | NullPointerException e) {
            // AvroRuntimeException covers SchemaParseException and AvroTypeException (a default that does not fit its type)
            throw new SchemaRegistryException(422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema: " + e.getMessage(), e);
        }
    }

    private Optional<RegisteredSchema> find(String subject, Schema schema) {
        NavigableMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        if (versions == null) {
            return Optional.empty();
        }
        return versions.values().stream().filter(r -> r.schema().equals(schema)).findFirst();
    }

    private NavigableMap<Integer, RegisteredSchema> versionsOf(String subject) {
        NavigableMap<Integer, RegisteredSchema> versions = subjects.get(subject);
        if (versions == null || versions.isEmpty()) {
            catchUp();
            versions = subjects.get(subject);
        }
        if (versions == null || versions.isEmpty()) {
            throw subjectNotFound(subject);
        }
        return versions;
    }

    private static List<String> check(String level, Schema candidate, List<RegisteredSchema> against) {
        List<String> problems = new ArrayList<>();
        for (RegisteredSchema old : against) {
            if (level.startsWith("BACKWARD") || level.startsWith("FULL")) {
                check(candidate, old.schema(), "the new schema cannot read version " + old.version(), problems);
            }
            if (level.startsWith("FORWARD") || level.startsWith("FULL")) {
                check(old.schema(), candidate, "version " + old.version() + " cannot read the new schema", problems);
            }
        }
        return problems;
    }

    private static void check(Schema reader, Schema writer, String what, List<String> problems) {
        var result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
            problems.add(what + ": " + result.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " at " + i.getLocation() + fieldPath(reader, i.getLocation())
                            + " (" + i.getMessage() + ")")
                    .toList());
        }
    }

    /** Avro reports "/fields/6/type"; people read "field amount_minor". Best effort, empty when unsure. */
    private static String fieldPath(Schema reader, String location) {
        try {
            String[] parts = location.split("/");
            Schema current = reader;
            List<String> names = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i];
                if (part.equals("fields") && current.getType() == Schema.Type.RECORD && i + 1 < parts.length) {
                    Schema.Field field = current.getFields().get(Integer.parseInt(parts[++i]));
                    names.add(field.name());
                    current = field.schema();
                } else if (part.equals("items") && current.getType() == Schema.Type.ARRAY) {
                    current = current.getElementType();
                } else if (part.equals("values") && current.getType() == Schema.Type.MAP) {
                    current = current.getValueType();
                } else if (current.getType() == Schema.Type.UNION && part.chars().allMatch(Character::isDigit)) {
                    current = current.getTypes().get(Integer.parseInt(part));
                    if (current.getType() == Schema.Type.RECORD) {
                        names.add(current.getName());
                    }
                } else if (!part.equals("type")) {
                    break;
                }
            }
            return names.isEmpty() ? "" : ", field " + String.join(".", names);
        } catch (RuntimeException e) {
            return "";
        }
    }

    private void catchUp() {
        log.readNew().forEach(this::apply);
    }

    // idempotent: the same entry may come back from readNew after this registry appended it
    private void apply(SchemaLog.Entry entry) {
        if (entry.isConfig()) {
            if (entry.subject() == null) {
                globalCompatibility = entry.compatibility();
            } else {
                compatibility.put(entry.subject(), entry.compatibility());
            }
            return;
        }
        Schema schema = parse(entry.schema());
        Schema known = byId.putIfAbsent(entry.id(), schema);
        if (known != null && !known.equals(schema)) {
            LOG.error("schema_id_conflict id={} subject={} version={} (two registries assigned one id; keeping the first)",
                    entry.id(), entry.subject(), entry.version());
            schema = known;
        }
        idByCanonical.putIfAbsent(schema.toString(), entry.id());
        subjects.computeIfAbsent(entry.subject(), s -> new TreeMap<>())
                .put(entry.version(), new RegisteredSchema(entry.subject(), entry.id(), entry.version(), schema));
        nextId = Math.max(nextId, entry.id() + 1);
    }

    private static SchemaRegistryException subjectNotFound(String subject) {
        return new SchemaRegistryException(404, SchemaRegistryException.SUBJECT_NOT_FOUND, "Subject '" + subject + "' not found.");
    }
}
