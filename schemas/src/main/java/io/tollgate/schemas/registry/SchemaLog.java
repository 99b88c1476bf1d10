package io.tollgate.schemas.registry;

import java.util.List;

/**
 * Where a registry keeps what it assigned, so ids survive a restart. The in-process registry
 * uses the compacted {@code _tollgate_schemas} topic ({@link KafkaSchemaLog}); tests may keep it
 * in memory.
 */
public interface SchemaLog {

    /** Stores the entry durably before returning. */
    void append(Entry entry);

    /** Everything appended so far, in order. */
    List<Entry> readAll();

    /**
     * Entries that reached the log since the last {@link #readAll} or {@code readNew} (including
     * this instance's own appends, which a registry applies idempotently). A log shared by several
     * registries returns the others' writes here, so a registry can catch up before it assigns an
     * id or reports one unknown. Logs with a single writer may keep the default.
     */
    default List<Entry> readNew() {
        return List.of();
    }

    /** A schema version ({@code compatibility} null) or a subject's compatibility setting ({@code schema} null). */
    record Entry(String subject, int version, int id, String schema, String compatibility) {
        public static Entry schema(String subject, int version, int id, String schema) {
            return new Entry(subject, version, id, schema, null);
        }

        /** {@code subject} null is the global setting. */
        public static Entry config(String subject, String compatibility) {
            return new Entry(subject, 0, 0, null, compatibility);
        }

        public boolean isConfig() {
            return compatibility != null;
        }
    }

    /** Keeps entries in memory only: for tests and throwaway registries. */
    static SchemaLog inMemory() {
        return new SchemaLog() {
            private final List<Entry> entries = new java.util.concurrent.CopyOnWriteArrayList<>();

            @Override
            public void append(Entry entry) {
                entries.add(entry);
            }

            @Override
            public List<Entry> readAll() {
                return List.copyOf(entries);
            }
        };
    }
}
