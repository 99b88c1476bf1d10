package io.tollgate.common.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code traceparent} as W3C Trace Context (level 1) says a receiver reads and a participant sends it. */
class TraceContextTest {
    /** The specification's own example. */
    static final String EXAMPLE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

    @Test
    void readsTheSpecificationsExample() {
        TraceContext trace = TraceContext.parse(EXAMPLE).orElseThrow();

        assertThat(trace.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(trace.parentId()).isEqualTo("b7ad6b7169203331");
        assertThat(trace.sampled()).isTrue();
        assertThat(trace.traceparent()).isEqualTo(EXAMPLE);
        assertThat(TraceContext.parse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00").orElseThrow().sampled()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "00",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",                // no flags
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",            // version 00 has exactly four fields
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",             // all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",             // all-zero parent id
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",             // upper case
        "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",             // not hex
        "00_0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331_01",             // wrong separators
        "00-0af7651916cd43dd8448eb211c80319-cb7ad6b7169203331-01",             // field lengths
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",             // version ff is invalid
        "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0x",             // flags not hex
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",            // a later version: a dash must follow
    })
    void anInvalidValueIsIgnored(String value) {
        assertThat(TraceContext.parse(value)).isEmpty();
    }

    @Test
    void aLaterVersionIsReadByItsFirstFourFieldsAndSentOnAsVersion00() {
        TraceContext trace = TraceContext.parse("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-what-the-future-holds")
                .orElseThrow();

        assertThat(trace.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        // flags other than sampled mean nothing in version 00, the version sent on
        assertThat(trace.traceparent()).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(TraceContext.parse("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")).contains(trace);
    }

    @Test
    void surroundingWhitespaceIsNotPartOfTheValue() {
        assertThat(TraceContext.parse("  " + EXAMPLE + "\t")).map(TraceContext::traceparent).contains(EXAMPLE);
    }

    @Test
    void aChildKeepsTheTraceAndFlagsWithAParentIdOfItsOwn() {
        TraceContext parent = TraceContext.parse(EXAMPLE).orElseThrow();

        TraceContext child = parent.child();

        assertThat(child.traceId()).isEqualTo(parent.traceId());
        assertThat(child.flags()).isEqualTo(parent.flags());
        assertThat(child.parentId()).isNotEqualTo(parent.parentId()).matches("[0-9a-f]{16}");
        assertThat(TraceContext.parse(child.traceparent())).contains(child);
    }

    @Test
    void aNewTraceIsValidSampledAndRandom() {
        TraceContext a = TraceContext.start();
        TraceContext b = TraceContext.start();

        assertThat(a.traceparent()).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        assertThat(TraceContext.parse(a.traceparent())).contains(a);
        assertThat(a.traceId()).isNotEqualTo(b.traceId());
    }

    @Test
    void travelsAsAKafkaHeaderAndTheLastOneCounts() {
        TraceContext trace = TraceContext.start();
        RecordHeaders headers = new RecordHeaders();
        headers.add(TraceContext.HEADER, "garbage".getBytes(StandardCharsets.UTF_8)).add(trace.header());

        assertThat(TraceContext.of(headers)).contains(trace);
        assertThat(TraceContext.of(new RecordHeaders())).isEmpty();
        assertThat(TraceContext.of(new RecordHeaders().add(TraceContext.HEADER, "garbage".getBytes(StandardCharsets.UTF_8))))
                .isEmpty();
    }

    @Test
    void anHttpRequestContinuesExactlyOneValidTraceparentElseStartsANewTrace() {
        TraceContext continued = RequestTrace.continued(List.of(EXAMPLE));
        assertThat(continued.traceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(continued.parentId()).isNotEqualTo("b7ad6b7169203331");

        assertThat(RequestTrace.continued(List.of()).traceId()).isNotEqualTo(continued.traceId());
        assertThat(RequestTrace.continued(List.of("00-zz")).traceId()).isNotEqualTo(continued.traceId());
        // two traceparent headers: the specification makes that invalid
        assertThat(RequestTrace.continued(List.of(EXAMPLE, EXAMPLE)).traceId()).isNotEqualTo(continued.traceId());
    }

    @Test
    void onlyValidIdsMakeAContext() {
        assertThatThrownBy(() -> new TraceContext("00000000000000000000000000000000", "b7ad6b7169203331", 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
