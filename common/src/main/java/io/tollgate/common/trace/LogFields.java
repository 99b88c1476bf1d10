package io.tollgate.common.trace;

import org.slf4j.MDC;

/**
 * The fields every log line written while a request or an event is handled carries (SLF4J's MDC):
 * in the JSON log they are fields of their own, so an operator finds a checkout's lines by
 * {@code session_id} or {@code trace_id}. Set around synchronous handling on one thread; work that
 * continues on another thread opens its own scope there.
 */
public final class LogFields {
    public static final String SESSION_ID = "session_id";
    public static final String AGENCY_ID = "agency_id";
    public static final String MERCHANT_ID = "merchant_id";
    public static final String TRACE_ID = "trace_id";

    private static final String[] KEYS = {SESSION_ID, AGENCY_ID, MERCHANT_ID, TRACE_ID};

    private LogFields() {
    }

    /**
     * Sets the fields that are not null until the scope closes, which puts back what the thread had
     * before (a scope may open inside another).
     */
    public static Scope of(String sessionId, String agencyId, String merchantId, String traceId) {
        String[] before = new String[KEYS.length];
        String[] values = {sessionId, agencyId, merchantId, traceId};
        for (int i = 0; i < KEYS.length; i++) {
            before[i] = MDC.get(KEYS[i]);
            if (values[i] != null) {
                MDC.put(KEYS[i], values[i]);
            }
        }
        return new Scope(before);
    }

    /** The same, with the trace's id. */
    public static Scope of(String sessionId, String agencyId, String merchantId, TraceContext trace) {
        return of(sessionId, agencyId, merchantId, trace == null ? null : trace.traceId());
    }

    /** Removes every field from this thread: for a thread about to serve someone else. */
    public static void clear() {
        for (String key : KEYS) {
            MDC.remove(key);
        }
    }

    /** Closing restores the fields as they were when the scope opened. */
    public static final class Scope implements AutoCloseable {
        private final String[] before;

        private Scope(String[] before) {
            this.before = before;
        }

        @Override
        public void close() {
            for (int i = 0; i < KEYS.length; i++) {
                if (before[i] == null) {
                    MDC.remove(KEYS[i]);
                } else {
                    MDC.put(KEYS[i], before[i]);
                }
            }
        }
    }
}
