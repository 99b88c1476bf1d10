package io.tollgate.orchestrator.merchants;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.net.OutboundUrlRules;
import io.tollgate.orchestrator.api.ApiError;
import io.tollgate.orchestrator.api.BodyFields;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The body of {@code PUT …/pre-confirmation} (design.md): {@code {url, fail_mode?, timeout_ms?,
 * mode?, partner_wait_minutes?}} with the design's defaults. {@code fail_mode} defaults to
 * {@code closed}, as Swft's does, so a Swft client that leaves it out keeps working.
 */
record HookSettingsRequest(String url, FailMode failMode, int timeoutMs, HookMode mode, int partnerWaitMinutes) {
    static final int DEFAULT_TIMEOUT_MS = 5000;
    static final int MIN_TIMEOUT_MS = 100;
    static final int MAX_TIMEOUT_MS = 10_000;
    static final int DEFAULT_PARTNER_WAIT_MINUTES = 240;
    /** A deferred session waits at most a day: Stripe's idempotency window. */
    static final int MAX_PARTNER_WAIT_MINUTES = 24 * 60;

    static HookSettingsRequest parse(JsonNode body, boolean devMode) {
        BodyFields fields = BodyFields.of(body, Set.of("url", "fail_mode", "timeout_ms", "mode", "partner_wait_minutes"));
        String url = fields.requiredText("url");
        OutboundUrlRules.problem(url, devMode).ifPresent(problem -> {
            throw ApiError.invalid("url", problem);
        });
        FailMode failMode = fields.oneOf("fail_mode", List.of("closed", "open"))
                .map(v -> FailMode.valueOf(v.toUpperCase(Locale.ROOT))).orElse(FailMode.CLOSED);
        int timeoutMs = fields.integer("timeout_ms", MIN_TIMEOUT_MS, MAX_TIMEOUT_MS).orElse(DEFAULT_TIMEOUT_MS);
        HookMode mode = fields.oneOf("mode", List.of("sync", "deferred"))
                .map(v -> HookMode.valueOf(v.toUpperCase(Locale.ROOT))).orElse(HookMode.SYNC);
        int partnerWait = fields.integer("partner_wait_minutes", 1, MAX_PARTNER_WAIT_MINUTES)
                .orElse(DEFAULT_PARTNER_WAIT_MINUTES);
        return new HookSettingsRequest(url, failMode, timeoutMs, mode, partnerWait);
    }

    /** The request as the hash sees it, defaults applied: leaving out a default is the same request. */
    Map<String, Object> canonical() {
        Map<String, Object> canonical = new TreeMap<>();
        canonical.put("url", url);
        canonical.put("fail_mode", failMode.name());
        canonical.put("timeout_ms", timeoutMs);
        canonical.put("mode", mode.name());
        canonical.put("partner_wait_minutes", partnerWaitMinutes);
        return canonical;
    }
}
