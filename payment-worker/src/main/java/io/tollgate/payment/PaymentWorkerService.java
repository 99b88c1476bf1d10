package io.tollgate.payment;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.kafka.JournalWorker;
import io.tollgate.common.kafka.KafkaClientMeters;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.trace.LogFields;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.payment.StripeResult.Failed;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.PaymentAction;
import io.tollgate.schema.PaymentActionFailedReported;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.RetryPaymentAction;
import io.tollgate.schema.PaymentStage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment worker: reacts to {@code PaymentRequested}, {@code CaptureRequested} and
 * {@code CancelRequested} and {@code RefundRequested} in the journal and talks to Stripe. Every Stripe write carries a key
 * derived from the session, so a redelivered event or a crash between the Stripe call and the
 * report ends with one PaymentIntent and one report (the fold drops the duplicate).
 *
 * <p>Stripe refusing a request (a card, an invalid request, authentication) is reported at once. Stripe
 * failing temporarily is not the shopper's fault: the call is retried later ({@link StripeCalls}), its
 * event left uncommitted meanwhile, and only reported once {@link Settings#giveUpAfter()} has passed since
 * the event.
 */
public final class PaymentWorkerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PaymentWorkerService.class);

    /**
     * The one config object of this service.
     *
     * @param stripeThreads Stripe calls in progress at once
     * @param giveUpAfter how long after its journal event a Stripe call that fails temporarily is retried;
     *     then the failure is reported
     * @param retryLaterWait the wait before the first later round; doubles per round up to
     *     {@code retryLaterMaxWait}
     */
    public record Settings(String groupId, StripeGatewayConfig stripe, int stripeThreads, Duration giveUpAfter,
            Duration retryLaterWait, Duration retryLaterMaxWait) {
        public static final Duration DEFAULT_GIVE_UP_AFTER = TollgateConfig.DEFAULT_PAYMENT_GIVE_UP_AFTER;

        public Settings {
            Objects.requireNonNull(stripe, "stripe");
            if (stripeThreads < 1) {
                throw new IllegalArgumentException("stripeThreads must be at least 1");
            }
            if (giveUpAfter.isNegative() || retryLaterWait.isNegative() || retryLaterWait.isZero()
                    || retryLaterMaxWait.compareTo(retryLaterWait) < 0) {
                throw new IllegalArgumentException(
                        "giveUpAfter must not be negative, and 0 < retryLaterWait <= retryLaterMaxWait");
            }
        }

        /** Gives up 10 minutes after the event; later rounds 5 s apart at first, doubling to at most 1 minute. */
        public Settings(String groupId, StripeGatewayConfig stripe, int stripeThreads) {
            this(groupId, stripe, stripeThreads, DEFAULT_GIVE_UP_AFTER, Duration.ofSeconds(5), Duration.ofMinutes(1));
        }

        public Settings withRetryLater(Duration firstWait, Duration maxWait, Duration giveUpAfter) {
            return new Settings(groupId, stripe, stripeThreads, giveUpAfter, firstWait, maxWait);
        }
    }

    private final Settings settings;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secretBox;
    private final Clock clock = Clock.systemUTC();
    private final MeterRegistry metrics;
    private final Map<String, Counter> actionsFailed = new ConcurrentHashMap<>();
    private final Resources resources = new Resources();
    private Producer<String, byte[]> deadLetters;
    private StripeGateway gateway;
    private StripeCalls stripeCalls;
    private CommandLog<CheckoutCommand> commands;

    /** Counts cancels and refunds that failed for good, by {@code action}: what an alert watches. */
    public static final String ACTIONS_FAILED_METRIC = "tollgate.payment.actions.failed.for.good";

    public PaymentWorkerService(Settings settings, Topics topics, KafkaClients kafka, SecretBox secretBox,
            MeterRegistry metrics) {
        this.settings = settings;
        this.topics = topics;
        this.kafka = kafka;
        this.secretBox = secretBox;
        this.metrics = metrics;
    }

    public PaymentWorkerService start() {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        gateway = new StripeGateway(settings.stripe());
        commands = resources.add(new CommandLog<>(topics.checkoutCommands(), kafka.producer("payment-worker-" + instance)));
        KafkaProducer<String, byte[]> deadLetterProducer = new KafkaProducer<>(kafka.producer("payment-worker-dlq-" + instance),
                new StringSerializer(), new ByteArraySerializer());
        deadLetters = deadLetterProducer;
        resources.add(() -> deadLetterProducer.close(Duration.ofSeconds(5)));
        stripeCalls = new StripeCalls(settings.stripeThreads(),
                Backoff.jittered(settings.retryLaterWait(), settings.retryLaterMaxWait()), clock);
        JournalWorker worker = resources.add(new JournalWorker("payment-worker-" + instance, topics.checkoutEvents(),
                kafka.consumerOfFoldOutput("payment-worker-" + instance, settings.groupId()),
                Set.of(PaymentRequested.class, CaptureRequested.class, CancelRequested.class, RefundRequested.class), this::handle, 500));
        resources.add(worker.bindMetrics(metrics));
        resources.add(commands.bindMetrics(metrics));
        resources.add(KafkaClientMeters.bind(deadLetterProducer, metrics));
        // closed first: once closing starts nothing more is reported, so the worker commits no event whose work
        // was cut short, and the next start redoes it
        resources.add(stripeCalls);
        worker.start();
        log.info("payment worker ready group_id={} give_up_after={} stripe={}", settings.groupId(),
                settings.giveUpAfter(), settings.stripe());
        return this;
    }

    private CompletionStage<?> handle(CheckoutEvent event, TraceContext eventTrace) {
        String session = event.getSessionId();
        Instant giveUpAt = event.getOccurredAt().plus(settings.giveUpAfter());
        Object payload = event.getPayload();
        // the Stripe calls are this hop of the trace, and the reports carry it on
        TraceContext trace = eventTrace.child();
        StripeGateway gateway = this.gateway.withTrace(trace);
        if (payload instanceof PaymentRequested requested) {
            return stripeCalls.untilSettled("create_payment_intent", session, giveUpAt, logged(event, trace,
                            () -> gateway.createPaymentIntent(session, event.getAgencyId(), event.getMerchantId(), requested)))
                    .thenCompose(result -> reportCreate(event, trace, result));
        }
        if (payload instanceof CaptureRequested capture) {
            return stripeCalls.untilSettled("capture", session, giveUpAt, logged(event, trace, () -> gateway.capture(session, capture)))
                    .thenCompose(result -> result instanceof Failed failed
                            ? report(event, trace, "capture", failure(PaymentStage.CAPTURE, failed, capture.getPaymentIntentId()))
                            : CompletableFuture.completedFuture(null));
        }
        if (payload instanceof CancelRequested cancel) {
            return stripeCalls.untilSettled("cancel", session, giveUpAt, logged(event, trace, () -> gateway.cancel(session, cancel)))
                    .thenCompose(result -> result instanceof Failed failed
                            ? failedForGood(event, trace, PaymentActionFailedReported.newBuilder().setAction(PaymentAction.CANCEL)
                                    .setPaymentIntentId(cancel.getPaymentIntentId()).setStripeAccount(cancel.getStripeAccount())
                                    .setReason(cancel.getReason()).setRetry(cancel.getRetry()), failed)
                            : CompletableFuture.completedFuture(null));
        }
        if (payload instanceof RefundRequested refund) {
            return stripeCalls.untilSettled("refund", session, giveUpAt, logged(event, trace, () -> gateway.refund(session, refund)))
                    .thenCompose(result -> result instanceof Failed failed
                            ? failedForGood(event, trace, PaymentActionFailedReported.newBuilder().setAction(PaymentAction.REFUND)
                                    .setPaymentIntentId(refund.getPaymentIntentId()).setStripeAccount(refund.getStripeAccount())
                                    .setAmountMinor(refund.getAmountMinor()).setReason(refund.getReason())
                                    .setRetry(refund.getRetry()), failed)
                            : CompletableFuture.completedFuture(null));
        }
        return CompletableFuture.completedFuture(null);
    }

    /** A Stripe call that logs with the event's fields (and the trace id it sends) on whichever thread runs it. */
    private static <R> Supplier<R> logged(CheckoutEvent event, TraceContext trace, Supplier<R> call) {
        return () -> {
            try (LogFields.Scope fields = LogFields.of(event.getSessionId(), event.getAgencyId(), event.getMerchantId(), trace)) {
                return call.get();
            }
        };
    }

    private CompletableFuture<?> reportCreate(CheckoutEvent event, TraceContext trace, StripeResult.CreateResult result) {
        if (result instanceof StripeResult.Created created) {
            log.debug("payment intent ready session_id={} payment_intent={} replayed={}", event.getSessionId(),
                    created.paymentIntentId(), created.replayed());
            return report(event, trace, "pi", PaymentIntentReported.newBuilder().setPaymentIntentId(created.paymentIntentId())
                    .setClientSecret(secretBox.seal(created.clientSecret(), SealedFor.clientSecret(event.getSessionId())))
                    .setStatus(created.status()).build());
        }
        PaymentFailureReported failure = failure(PaymentStage.CREATE, (Failed) result, null);
        log.warn("payment intent not created session_id={} code={}", event.getSessionId(), failure.getCode());
        return report(event, trace, "pi", failure);
    }

    /**
     * A cancel (money held) or refund (money kept) that failed for good must not end as a log line with its
     * offset committed: it is reported to the session (journal event, listed in its state), counted for an
     * alert, and left as a dead letter that {@code tollgate dlq resend} turns into a retry. The journal event
     * is committed only once both are written.
     */
    private CompletableFuture<?> failedForGood(CheckoutEvent event, TraceContext trace, PaymentActionFailedReported.Builder report,
            Failed failed) {
        PaymentActionFailedReported failure = report.setCode(reportedCode(failed)).setMessage(reportedMessage(failed)).build();
        String action = failure.getAction().name().toLowerCase(Locale.ROOT);
        String step = action + "_failed_" + failure.getPaymentIntentId() + "_" + failure.getRetry();
        log.error("payment action failed for good, retry with tollgate dlq resend action={} session_id={} payment_intent={} "
                + "retry={} code={} permanent={}", action, event.getSessionId(), failure.getPaymentIntentId(),
                failure.getRetry(), failure.getCode(), failed.permanent());
        actionsFailed.computeIfAbsent(action, a -> Counter.builder(ACTIONS_FAILED_METRIC)
                .description("cancels and refunds that failed for good: money held or kept until retried")
                .tag("action", a).register(metrics)).increment();
        CheckoutCommand retry = JournalWorker.report(event, trace, "retry_" + event.getSessionId() + "_" + step, "operator",
                clock.instant(), RetryPaymentAction.newBuilder().setAction(failure.getAction())
                        .setPaymentIntentId(failure.getPaymentIntentId()).build());
        CompletableFuture<?> deadLetter = new CompletableFuture<>();
        String sourceTopic = topics.checkoutCommands().name();
        deadLetters.send(DeadLetter.toResend(sourceTopic, event.getSessionId(),
                topics.checkoutCommands().valueSerde().serializer().serialize(sourceTopic, retry),
                action + " of " + failure.getPaymentIntentId() + " failed for good: " + failure.getCode()), (m, e) -> {
                    if (e != null) {
                        deadLetter.completeExceptionally(e);
                    } else {
                        deadLetter.complete(null);
                    }
                });
        return CompletableFuture.allOf(report(event, trace, step, failure), deadLetter);
    }

    /** Stripe's code and message when Stripe answered; {@code stripe_unavailable} when it never did in the give-up window. */
    private static PaymentFailureReported failure(PaymentStage stage, Failed failed, String paymentIntentId) {
        return PaymentFailureReported.newBuilder().setStage(stage).setCode(reportedCode(failed))
                .setMessage(reportedMessage(failed)).setPaymentIntentId(paymentIntentId).build();
    }

    private static boolean stripeAnswered(Failed failed) {
        return failed.httpStatus() != null && failed.code() != null;
    }

    private static String reportedCode(Failed failed) {
        return stripeAnswered(failed) ? failed.code() : "stripe_unavailable";
    }

    /** The connection error's text names our network, not something a shopper (or a journal) should read. */
    private static String reportedMessage(Failed failed) {
        return stripeAnswered(failed) ? failed.message() : "Stripe could not be reached";
    }

    /** Report ids derive from the session and the step, so a redelivered event's report is a duplicate the fold drops. */
    private CompletableFuture<?> report(CheckoutEvent event, TraceContext trace, String step, Object payload) {
        return commands.append(event.getSessionId(), JournalWorker.report(event, trace, "payment_" + event.getSessionId() + "_" + step,
                "payment-worker", clock.instant(), payload), trace);
    }

    /** Returns at once: Stripe calls in progress or waiting to be retried are redone after a restart, under the same keys. */
    @Override
    public void close() {
        resources.close();
    }
}
