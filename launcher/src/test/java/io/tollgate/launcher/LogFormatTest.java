package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The two console formats of logback.xml: JSON fields for a collector, and text that stays readable. */
class LogFormatTest {
    private static final Logger log = LoggerFactory.getLogger(LogFormatTest.class);

    private final TraceContext trace = TraceContext.start();

    /** One line while a checkout is handled (and a library put something else in the MDC), then one after. */
    private void logInAndAfterACheckout() {
        try (LogFields.Scope fields = LogFields.of("sess_1", "acme", "m1", trace)) {
            MDC.put("unlisted", "not for the log");
            log.info("hook decided session_id={} outcome={}", "sess_1", "approved");
        } finally {
            MDC.remove("unlisted");
        }
        log.info("no fields here");
    }

    @Test
    void aJsonLineHasTheFormattedMessageAndTheLogFieldsAsFieldsOfTheirOwn() {
        try (CapturedLog captured = CapturedLog.start("json", "INFO")) {
            logInAndAfterACheckout();

            JsonNode line = captured.jsonLines().get(0);
            assertThat(line.get("message").asText()).isEqualTo("hook decided session_id=sess_1 outcome=approved");
            assertThat(line.get("level").asText()).isEqualTo("INFO");
            assertThat(line.get("logger_name").asText()).isEqualTo(LogFormatTest.class.getName());
            assertThat(line.get("@timestamp").asText()).isNotBlank();
            assertThat(line.get("session_id").asText()).isEqualTo("sess_1");
            assertThat(line.get("agency_id").asText()).isEqualTo("acme");
            assertThat(line.get("merchant_id").asText()).isEqualTo("m1");
            assertThat(line.get("trace_id").asText()).isEqualTo(trace.traceId());
            assertThat(line.has("unlisted")).as("only the log fields leave the MDC").isFalse();

            JsonNode after = captured.jsonLines().get(1);
            assertThat(after.has("trace_id")).as("the scope closed").isFalse();
            assertThat(after.has("session_id")).isFalse();
        }
    }

    @Test
    void aTextLineEndsWithTheTraceIdOnlyWhenThereIsOne() {
        try (CapturedLog captured = CapturedLog.start("text", "INFO")) {
            logInAndAfterACheckout();

            String[] lines = captured.text().split("\n");
            assertThat(lines[0]).matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  LogFormatTest hook decided session_id=sess_1 outcome=approved "
                    + "trace_id=" + trace.traceId());
            assertThat(lines[1]).endsWith("LogFormatTest no fields here");
        }
    }
}
