package io.tollgate.webhooks;

import io.tollgate.common.webhooks.DeliveryRecords;
import io.tollgate.common.webhooks.EndpointDirectory;
import io.tollgate.schema.DeliveryAttempt;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schemas.serde.AvroClassTrust;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deliveries this dispatcher instance owns, and when each is attempted. Work arrives by partition
 * of order.events.v1 (taken on from events and requests, or restored from the delivery log when the
 * partition is assigned) and leaves with it.
 *
 * <ul>
 *   <li>Ordered per session: of one endpoint's deliveries for one session, only the oldest unfinished
 *       one is attempted; the next waits until it has succeeded or ended.
 *   <li>Isolated per endpoint: each endpoint has its own queue and at most {@code concurrency}
 *       attempts in flight, so a slow or dead endpoint holds only its own deliveries back.
 *   <li>Durable: a delivery is recorded in the log before its first attempt, and again after each
 *       attempt, so another instance (or this one, restarted) resumes where it stood.
 * </ul>
 *
 * <p>All state lives on one thread (the {@code engine}); calls from other threads are queued onto it.
 */
final class DeliveryScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryScheduler.class);
    /** How soon a write of the log that failed is tried again, while the partition is still ours. */
    private static final Duration WRITE_RETRY = Duration.ofSeconds(1);
    /** An attempt this instance could not make (a secret it cannot open): no fault of the endpoint's. */
    private static final String NOT_SENT = "not_sent";

    /** One delivery not yet ended. */
    private static final class Pending {
        WebhookDelivery record;
        final int partition;
        ScheduledFuture<?> timer;
        boolean inFlight;
        boolean queued;

        Pending(WebhookDelivery record, int partition) {
            this.record = record;
            this.partition = partition;
        }

        String endpointKey() {
            return EndpointDirectory.key(record.getAgencyId(), record.getEndpointId());
        }

        String sessionKey() {
            return endpointKey() + "|" + record.getSessionId();
        }
    }

    /** One endpoint's attempts in flight and deliveries due. */
    private static final class Lane {
        int inFlight;
        final ArrayDeque<Pending> ready = new ArrayDeque<>();
    }

    private final EndpointDirectory endpoints;
    private final WebhookSender sender;
    private final DeliveryLog deliveryLog;
    private final EndpointHealth health;
    private final RetrySchedule schedule;
    private final int concurrency;
    private final DispatcherMetrics metrics;
    private final Clock clock;
    private final ScheduledExecutorService engine;
    private final Map<String, Pending> pending = new HashMap<>();
    private final Map<Integer, Set<String>> known = new HashMap<>();
    private final Map<String, ArrayDeque<Pending>> sessions = new HashMap<>();
    private final Map<String, Lane> lanes = new HashMap<>();
    private final AtomicInteger pendingCount = new AtomicInteger();

    DeliveryScheduler(EndpointDirectory endpoints, WebhookSender sender, DeliveryLog deliveryLog, EndpointHealth health,
            RetrySchedule schedule, int concurrency, DispatcherMetrics metrics, Clock clock) {
        // records are copied with builders, which load contract classes by name
        AvroClassTrust.trustContracts();
        this.endpoints = endpoints;
        this.sender = sender;
        this.deliveryLog = deliveryLog;
        this.health = health;
        this.schedule = schedule;
        this.concurrency = concurrency;
        this.metrics = metrics;
        this.clock = clock;
        this.engine = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "webhook-dispatcher-engine");
            thread.setDaemon(true);
            return thread;
        });
        metrics.watchPending(pendingCount::get);
    }

    /** Takes a partition over with its deliveries as the log last recorded them, in the order they were made. */
    CompletableFuture<Void> restore(int partition, List<WebhookDelivery> latest) {
        return onEngine(() -> {
            Set<String> ids = known.computeIfAbsent(partition, p -> new HashSet<>());
            int resumed = 0;
            for (WebhookDelivery delivery : latest) {
                ids.add(delivery.getDeliveryId());
                if (!DeliveryRecords.isFinal(delivery)) {
                    register(new Pending(delivery, partition));
                    resumed++;
                }
            }
            log.info("webhook_partition_restored partition={} deliveries={} resumed={}", partition, latest.size(), resumed);
        });
    }

    /** Whether this instance owns the partition's work (it was restored and not released since). */
    boolean owns(int partition) {
        return known.containsKey(partition);
    }

    /**
     * Takes new deliveries on: those not already known are written to the log, then scheduled. Completes once
     * every new one is durable; while the partition stays ours a failed write is tried again. Once the partition
     * is released the future completes all the same: its offsets are no longer this instance's to commit, and the
     * new owner takes the work on again from the log or the uncommitted record.
     */
    CompletableFuture<Void> take(int partition, List<WebhookDelivery> deliveries) {
        return onEngine(() -> {
            Set<String> ids = known.get(partition);
            if (ids == null) {
                throw new IllegalStateException("partition " + partition + " is not this instance's");
            }
            List<CompletableFuture<Void>> writes = new ArrayList<>();
            for (WebhookDelivery delivery : deliveries) {
                if (ids.add(delivery.getDeliveryId())) {
                    writes.add(writeDurably(delivery, partition).thenRunAsync(
                            () -> register(new Pending(delivery, partition)), engine));
                }
            }
            return CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new));
        }).thenCompose(written -> written);
    }

    /** Gives a partition up: its timers stop; attempts in flight finish and are recorded, and nothing follows them. */
    CompletableFuture<Void> release(int partition) {
        return onEngine(() -> {
            known.remove(partition);
            List<Pending> dropped = pending.values().stream().filter(d -> d.partition == partition).toList();
            for (Pending d : dropped) {
                forget(d);
            }
            log.info("webhook_partition_released partition={} pending_dropped={}", partition, dropped.size());
        });
    }

    // ---- on the engine thread -------------------------------------------------------------------

    private void register(Pending d) {
        if (!known.containsKey(d.partition) || pending.containsKey(d.record.getDeliveryId())) {
            return;
        }
        pending.put(d.record.getDeliveryId(), d);
        pendingCount.set(pending.size());
        sessions.computeIfAbsent(d.sessionKey(), k -> new ArrayDeque<>()).add(d);
        schedule(d);
    }

    private void schedule(Pending d) {
        if (d.timer != null) {
            d.timer.cancel(false);
        }
        Instant next = d.record.getNextAttemptAt() == null ? clock.instant() : d.record.getNextAttemptAt();
        long delayMs = Math.max(0, Duration.between(clock.instant(), next).toMillis());
        d.timer = engine.schedule(() -> due(d), delayMs, TimeUnit.MILLISECONDS);
    }

    /** Its time has come: attempted if it heads its session's queue, else when the one before it ends. */
    private void due(Pending d) {
        if (d.inFlight || d.queued || pending.get(d.record.getDeliveryId()) != d) {
            return;
        }
        ArrayDeque<Pending> session = sessions.get(d.sessionKey());
        if (session == null || session.peekFirst() != d) {
            return;
        }
        Lane lane = lanes.computeIfAbsent(d.endpointKey(), k -> new Lane());
        d.queued = true;
        lane.ready.add(d);
        pump(lane);
    }

    private void pump(Lane lane) {
        while (lane.inFlight < concurrency && !lane.ready.isEmpty()) {
            Pending d = lane.ready.poll();
            d.queued = false;
            if (pending.get(d.record.getDeliveryId()) == d) {
                attempt(d, lane);
            }
        }
    }

    private void attempt(Pending d, Lane lane) {
        WebhookDelivery delivery = d.record;
        Optional<WebhookEndpoint> found = endpoints.live(delivery.getAgencyId(), delivery.getEndpointId());
        if (found.isEmpty()) {
            end(d, DeliveryStatus.CANCELED, "endpoint_deleted", null);
            return;
        }
        WebhookEndpoint endpoint = found.get();
        if (!endpoint.getEnabled()) {
            end(d, DeliveryStatus.CANCELED, "endpoint_disabled", null);
            return;
        }
        d.inFlight = true;
        lane.inFlight++;
        long startedNanos = System.nanoTime();
        CompletableFuture<DeliveryAttempt> attempt;
        try {
            attempt = sender.send(endpoint, endpoints.callUrl(endpoint), delivery, endpoints.signingSecrets(endpoint));
        } catch (RuntimeException e) {
            // a secret or query that does not open (another master key), or a bug: an attempt that failed here, tried
            // again later
            log.error("webhook_attempt_not_made delivery_id={} endpoint_id={} error={}", delivery.getDeliveryId(),
                    delivery.getEndpointId(), e.toString());
            attempt = CompletableFuture.completedFuture(sender.failed(clock.instant(), startedNanos, NOT_SENT));
        }
        attempt.whenCompleteAsync((made, error) -> {
            lane.inFlight--;
            d.inFlight = false;
            settle(d, endpoint, error == null ? made : sender.failed(clock.instant(), startedNanos, NOT_SENT));
            pump(lane);
        }, engine);
    }

    private void settle(Pending d, WebhookEndpoint endpoint, DeliveryAttempt attempt) {
        int attempts = d.record.getAttempts() + 1;
        Integer status = attempt.getHttpStatus();
        if (status != null && status / 100 == 2) {
            metrics.attempt("delivered", attempt.getLatencyMs());
            health.delivered(endpoint, attempt);
            end(d, DeliveryStatus.SUCCEEDED, null, attempt);
            return;
        }
        if (status != null && status == 410) {
            metrics.attempt("gone", attempt.getLatencyMs());
            health.gone(endpoint, attempt);
            end(d, DeliveryStatus.FAILED, "gone", attempt);
            return;
        }
        if (!NOT_SENT.equals(attempt.getError())) {
            health.failed(endpoint, attempt);
        }
        Duration retryAfter = attempt.getRetryAfterMs() == null ? null : Duration.ofMillis(attempt.getRetryAfterMs());
        Optional<Duration> wait = schedule.next(attempts, retryAfter);
        if (wait.isEmpty()) {
            metrics.attempt("failed", attempt.getLatencyMs());
            end(d, DeliveryStatus.FAILED, "retries_exhausted", attempt);
            return;
        }
        metrics.attempt("retry", attempt.getLatencyMs());
        WebhookDelivery next = WebhookDelivery.newBuilder(d.record).setAttempts(attempts).setLastAttempt(attempt)
                .setNextAttemptAt(clock.instant().plus(wait.get())).build();
        log.info("webhook_attempt_failed delivery_id={} webhook_id={} endpoint_id={} attempt={} error={} next_attempt_in_ms={}",
                next.getDeliveryId(), next.getWebhookId(), next.getEndpointId(), attempts, attempt.getError(),
                wait.get().toMillis());
        d.record = next;
        writeDurably(next, d.partition);
        if (pending.get(next.getDeliveryId()) == d) {
            schedule(d);
        }
    }

    /** Ends a delivery (with its last attempt, if one was made) and lets the next of its session go. */
    private void end(Pending d, DeliveryStatus status, String reason, DeliveryAttempt attempt) {
        if (attempt == null) {
            metrics.attempt("canceled", 0);
        }
        WebhookDelivery ended = WebhookDelivery.newBuilder(d.record).setStatus(status)
                .setAttempts(d.record.getAttempts() + (attempt == null ? 0 : 1))
                .setLastAttempt(attempt == null ? d.record.getLastAttempt() : attempt)
                .setNextAttemptAt(null).setFinalReason(reason).build();
        log.info("webhook_delivery_ended delivery_id={} webhook_id={} agency_id={} endpoint_id={} session_id={} event_type={} "
                + "status={} reason={} attempts={} http_status={} latency_ms={}", ended.getDeliveryId(), ended.getWebhookId(),
                ended.getAgencyId(), ended.getEndpointId(), ended.getSessionId(), ended.getEventType(), status, reason,
                ended.getAttempts(), attempt == null ? null : attempt.getHttpStatus(),
                attempt == null ? null : attempt.getLatencyMs());
        d.record = ended;
        writeDurably(ended, d.partition);
        if (pending.get(ended.getDeliveryId()) != d) {
            return;
        }
        ArrayDeque<Pending> session = forget(d);
        if (session != null && !session.isEmpty()) {
            schedule(session.peekFirst());
        }
    }

    /** Drops a delivery from every structure; returns what is left of its session's queue. */
    private ArrayDeque<Pending> forget(Pending d) {
        if (d.timer != null) {
            d.timer.cancel(false);
        }
        pending.remove(d.record.getDeliveryId());
        pendingCount.set(pending.size());
        ArrayDeque<Pending> session = sessions.get(d.sessionKey());
        if (session != null) {
            session.remove(d);
            if (session.isEmpty()) {
                sessions.remove(d.sessionKey());
            }
        }
        Lane lane = lanes.get(d.endpointKey());
        if (lane != null) {
            lane.ready.remove(d);
            if (lane.inFlight == 0 && lane.ready.isEmpty()) {
                lanes.remove(d.endpointKey());
            }
        }
        return session;
    }

    /** Writes the record, and again after a failure, for as long as the partition is ours. */
    private CompletableFuture<Void> writeDurably(WebhookDelivery delivery, int partition) {
        CompletableFuture<Void> durable = new CompletableFuture<>();
        write(delivery, partition, durable);
        return durable;
    }

    private void write(WebhookDelivery delivery, int partition, CompletableFuture<Void> durable) {
        deliveryLog.write(delivery, partition).whenCompleteAsync((ok, error) -> {
            if (error == null) {
                durable.complete(null);
            } else if (!owns(partition)) {
                log.info("webhook_delivery_write_abandoned delivery_id={} partition={} reason=partition_released",
                        delivery.getDeliveryId(), partition);
                durable.complete(null);
            } else {
                log.warn("webhook_delivery_not_recorded delivery_id={} partition={} error={}; trying again",
                        delivery.getDeliveryId(), partition, String.valueOf(error));
                engine.schedule(() -> write(delivery, partition, durable), WRITE_RETRY.toMillis(), TimeUnit.MILLISECONDS);
            }
        }, engine);
    }

    private CompletableFuture<Void> onEngine(Runnable work) {
        return CompletableFuture.runAsync(work, engine);
    }

    private <T> CompletableFuture<T> onEngine(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, engine);
    }

    @Override
    public void close() {
        engine.shutdownNow();
    }
}
