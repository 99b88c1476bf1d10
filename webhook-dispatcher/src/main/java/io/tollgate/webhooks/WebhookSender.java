package io.tollgate.webhooks;

import io.tollgate.common.net.CallFailure;
import io.tollgate.common.net.OutboundAddressRules;
import io.tollgate.common.net.OutboundHttp;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Makes one attempt of one delivery: signs it for the endpoint, POSTs it, and says what came of it.
 * The same outbound rules as hook calls ({@link OutboundHttp}): resolved addresses checked, no
 * redirects followed, no retries of its own. The future never completes exceptionally for anything
 * the endpoint or the network does; every failure is an {@link DeliveryAttempt} with an error.
 */
final class WebhookSender implements AutoCloseable {
    private static final MediaType JSON = MediaType.get("application/json");
    /** Calls in flight across all endpoints; each endpoint's own share is the scheduler's concurrency. */
    private static final int MAX_CONCURRENT_CALLS = 1024;

    private final OkHttpClient http;
    private final OutboundAddressRules rules;
    private final WebhookMessages messages = new WebhookMessages();
    private final Duration timeout;
    private final Clock clock;

    WebhookSender(boolean devMode, Dns resolver, Duration timeout, Clock clock) {
        this.rules = OutboundAddressRules.forMode(devMode);
        this.http = OutboundHttp.client(rules, resolver, MAX_CONCURRENT_CALLS)
                // unlike a hook call, a delivery may arrive twice (receivers de-duplicate on webhook-id): a pooled
                // connection the receiver closed while idle is no reason to fail an attempt and wait minutes
                .retryOnConnectionFailure(true)
                .build();
        this.timeout = timeout;
        this.clock = clock;
    }

    /**
     * @param callUrl the endpoint's URL with its query in clear ({@code EndpointDirectory.callUrl})
     * @param secrets the endpoint's secrets that sign now, newest first
     */
    CompletableFuture<DeliveryAttempt> send(WebhookEndpoint endpoint, String callUrl, WebhookDelivery delivery,
            List<String> secrets) {
        Instant at = clock.instant();
        long startedNanos = System.nanoTime();
        HttpUrl url = HttpUrl.parse(callUrl);
        if (url == null || !rules.permitsUrl(url)) {
            return CompletableFuture.completedFuture(failed(at, startedNanos, CallFailure.FORBIDDEN_ADDRESS.reason()));
        }
        WebhookMessages.Message message = messages.build(endpoint, delivery, secrets, at);
        Request.Builder request = new Request.Builder().url(url).post(RequestBody.create(message.body(), JSON));
        message.headers().forEach(request::header);
        Call call = http.newCall(request.build());
        call.timeout().timeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        CompletableFuture<DeliveryAttempt> attempt = new CompletableFuture<>();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException failure) {
                attempt.complete(failed(at, startedNanos, CallFailure.of(failure).reason()));
            }

            @Override
            public void onResponse(Call call, Response response) {
                // the answer's body says nothing a delivery needs; closing drops it
                try (response) {
                    int status = response.code();
                    attempt.complete(DeliveryAttempt.newBuilder().setAt(at).setHttpStatus(status)
                            .setLatencyMs(millisSince(startedNanos))
                            .setError(status / 100 == 2 ? null : "http_" + status)
                            .setRetryAfterMs(retryAfter(response.header("Retry-After")))
                            .build());
                }
            }
        });
        return attempt;
    }

    /** An attempt that went wrong before any answer: the error is a {@link CallFailure} reason or the sender's own. */
    DeliveryAttempt failed(Instant at, long startedNanos, String error) {
        return DeliveryAttempt.newBuilder().setAt(at).setHttpStatus(null).setLatencyMs(millisSince(startedNanos))
                .setError(error).setRetryAfterMs(null).build();
    }

    /** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
    private Long retryAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        String value = header.trim();
        try {
            return Math.max(0, Long.parseLong(value)) * 1000;
        } catch (NumberFormatException notSeconds) {
            try {
                Instant when = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return Math.max(0, Duration.between(clock.instant(), when).toMillis());
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static long millisSince(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    @Override
    public void close() {
        OutboundHttp.close(http);
    }
}
