package io.tollgate.payment;

import io.tollgate.common.crypto.SealedFor;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.JournalWorker;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureRequested;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.PaymentFailureReported;
import io.tollgate.schema.PaymentIntentReported;
import io.tollgate.schema.PaymentRequested;
import io.tollgate.schema.RefundRequested;
import io.tollgate.schema.PaymentStage;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The payment worker: reacts to {@code PaymentRequested}, {@code CaptureRequested} and
 * {@code CancelRequested} and {@code RefundRequested} in the journal and talks to Stripe. Every Stripe write carries a key
 * derived from the session, so a redelivered event or a crash between the Stripe call and the
 * report ends with one PaymentIntent and one report (the fold drops the duplicate).
 */
public final class PaymentWorkerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PaymentWorkerService.class);

    /** The one config object of this service. */
    public record Settings(String groupId, StripeGatewayConfig stripe, int stripeThreads) {
    }

    private final Settings settings;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secretBox;
    private final Clock clock = Clock.systemUTC();
    private final Resources resources = new Resources();
    private ExecutorService stripeCalls;
    private StripeGateway gateway;
    private CommandLog<CheckoutCommand> commands;

    public PaymentWorkerService(Settings settings, Topics topics, KafkaClients kafka, SecretBox secretBox) {
        this.settings = settings;
        this.topics = topics;
        this.kafka = kafka;
        this.secretBox = secretBox;
    }

    public PaymentWorkerService start() {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        gateway = new StripeGateway(settings.stripe());
        // stripe-java blocks: its calls run here, never on the poll loop.
        stripeCalls = Executors.newFixedThreadPool(settings.stripeThreads(), r -> {
            Thread t = new Thread(r, "stripe-call");
            t.setDaemon(true);
            return t;
        });
        commands = new CommandLog<>(topics.checkoutCommands(), kafka.producer("payment-worker-" + instance));
        resources.add(commands);
        JournalWorker worker = new JournalWorker("payment-worker-" + instance, topics.checkoutEvents(),
                kafka.consumer("payment-worker-" + instance, settings.groupId()), this::handle, 500);
        resources.add(worker);
        worker.start();
        log.info("payment worker ready group_id={} stripe={}", settings.groupId(), settings.stripe());
        return this;
    }

    private CompletionStage<?> handle(CheckoutEvent event) {
        Object payload = event.getPayload();
        if (payload instanceof PaymentRequested requested) {
            return CompletableFuture.supplyAsync(() -> gateway.createPaymentIntent(event.getSessionId(),
                    event.getAgencyId(), event.getMerchantId(), requested), stripeCalls)
                    .thenCompose(result -> reportCreate(event, result));
        }
        if (payload instanceof CaptureRequested capture) {
            return CompletableFuture.supplyAsync(() -> gateway.capture(event.getSessionId(), capture), stripeCalls)
                    .thenCompose(result -> result instanceof StripeResult.Failed failed
                            ? report(event, "capture", failure(PaymentStage.CAPTURE, failed, capture.getPaymentIntentId()))
                            : CompletableFuture.completedFuture(null));
        }
        if (payload instanceof CancelRequested cancel) {
            return CompletableFuture.supplyAsync(() -> gateway.cancel(event.getSessionId(), cancel), stripeCalls)
                    .thenAccept(result -> {
                        if (result instanceof StripeResult.Failed failed) {
                            log.error("payment intent cancel failed session_id={} payment_intent={} code={}",
                                    event.getSessionId(), cancel.getPaymentIntentId(), failed.code());
                        }
                    });
        }
        if (payload instanceof RefundRequested refund) {
            return CompletableFuture.supplyAsync(() -> gateway.refund(event.getSessionId(), refund), stripeCalls)
                    .thenAccept(result -> {
                        if (result instanceof StripeResult.Failed failed) {
                            // Money we must give back and could not: an operator has to look.
                            log.error("refund failed session_id={} payment_intent={} code={} permanent={}",
                                    event.getSessionId(), refund.getPaymentIntentId(), failed.code(), failed.permanent());
                        }
                    });
        }
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<?> reportCreate(CheckoutEvent event, StripeResult.CreateResult result) {
        if (result instanceof StripeResult.Created created) {
            log.info("payment intent ready session_id={} payment_intent={} replayed={}", event.getSessionId(),
                    created.paymentIntentId(), created.replayed());
            return report(event, "pi", PaymentIntentReported.newBuilder().setPaymentIntentId(created.paymentIntentId())
                    .setClientSecret(secretBox.seal(created.clientSecret(), SealedFor.clientSecret(event.getSessionId())))
                    .setStatus(created.status()).build());
        }
        StripeResult.Failed failed = (StripeResult.Failed) result;
        log.warn("payment intent not created session_id={} code={} permanent={}", event.getSessionId(), failed.code(), failed.permanent());
        return report(event, "pi", failure(PaymentStage.CREATE, failed, null));
    }

    private static PaymentFailureReported failure(PaymentStage stage, StripeResult.Failed failed, String paymentIntentId) {
        return PaymentFailureReported.newBuilder().setStage(stage)
                .setCode(failed.code() == null ? failed.kind().name().toLowerCase() : failed.code())
                .setMessage(failed.message()).setPaymentIntentId(paymentIntentId).build();
    }

    /** Report ids derive from the session and the step, so a redelivered event's report is a duplicate the fold drops. */
    private CompletableFuture<?> report(CheckoutEvent event, String step, Object payload) {
        CheckoutCommand command = CheckoutCommand.newBuilder()
                .setCommandId("payment_" + event.getSessionId() + "_" + step)
                .setSessionId(event.getSessionId()).setAgencyId(event.getAgencyId()).setMerchantId(event.getMerchantId())
                .setIssuedAt(clock.instant()).setActor("payment-worker").setTraceId(null).setPayload(payload).build();
        return commands.append(event.getSessionId(), command);
    }

    @Override
    public void close() {
        resources.close();
        if (stripeCalls != null) {
            stripeCalls.shutdown();
            try {
                stripeCalls.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
