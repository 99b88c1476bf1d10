package io.tollgate.payment.standin;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the stand-in's events the way Stripe does: POST of the event JSON with
 * {@code Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + payload)>}, signed afresh on
 * every attempt, retried on a non-2xx answer or an unreachable endpoint, off the request thread.
 */
final class WebhookDispatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WebhookDispatcher.class);

    private record Endpoint(URI url, String secret) {}

    private final Clock clock;
    private final List<Duration> retryDelays;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private final List<WebhookDelivery> deliveries = new CopyOnWriteArrayList<>();
    private volatile Endpoint endpoint;

    WebhookDispatcher(Clock clock, List<Duration> retryDelays) {
        this.clock = clock;
        this.retryDelays = List.copyOf(retryDelays);
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stripe-stand-in-webhooks");
            t.setDaemon(true);
            return t;
        });
    }

    void sendTo(URI url, String secret) {
        if (secret == null || !secret.startsWith("whsec_")) {
            throw new IllegalArgumentException("a Stripe webhook secret starts with whsec_");
        }
        this.endpoint = new Endpoint(url, secret);
    }

    void dispatch(String eventId, String eventType, String payload) {
        Endpoint target = endpoint;
        if (target == null || scheduler.isShutdown()) {
            return;
        }
        scheduler.execute(() -> attempt(target, eventId, eventType, payload, 1));
    }

    List<WebhookDelivery> deliveries() {
        return List.copyOf(deliveries);
    }

    /** The header Stripe would send for {@code payload} at {@code unixSeconds}. */
    static String signatureHeader(String secret, String payload, long unixSeconds) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] digest = mac.doFinal((unixSeconds + "." + payload).getBytes(StandardCharsets.UTF_8));
            return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    private void attempt(Endpoint target, String eventId, String eventType, String payload, int attempt) {
        int status = 0;
        try {
            HttpRequest request = HttpRequest.newBuilder(target.url())
                    .timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json; charset=utf-8")
                    .header("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks) tollgate-stand-in")
                    .header("Stripe-Signature",
                            signatureHeader(target.secret(), payload, clock.instant().getEpochSecond()))
                    .POST(HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8))
                    .build();
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            log.debug("stripe_stand_in webhook unreachable event_id={} attempt={} error={}", eventId, attempt,
                    e.toString());
        }
        WebhookDelivery delivery = new WebhookDelivery(eventId, eventType, attempt, status);
        deliveries.add(delivery);
        if (delivery.delivered()) {
            return;
        }
        if (attempt > retryDelays.size() || scheduler.isShutdown()) {
            log.warn("stripe_stand_in webhook given up event_id={} event_type={} attempts={} last_status={}",
                    eventId, eventType, attempt, status);
            return;
        }
        Duration delay = retryDelays.get(attempt - 1);
        try {
            scheduler.schedule(() -> attempt(target, eventId, eventType, payload, attempt + 1),
                    delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closing: the remaining retries are dropped, as they would be when the stand-in stops
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
