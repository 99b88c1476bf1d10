package io.tollgate.hook;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CommandLog;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.JournalWorker;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.Topics;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.common.merchants.HookSecretsUnavailableException;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.common.trace.TraceContext;
import io.tollgate.schema.CheckoutCommand;
import io.tollgate.schema.CheckoutCommitted;
import io.tollgate.schema.CheckoutEvent;
import io.tollgate.schema.FailMode;
import io.tollgate.schema.HookDecision;
import io.tollgate.schema.HookDecisionReported;
import io.tollgate.schema.HookOutcome;
import io.tollgate.schema.MerchantConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * The hook-caller: reacts to {@code CheckoutCommitted} in the journal, makes the signed blocking
 * call, reports one {@code HookDecisionReported} per attempt, and records every call (refusals included) in
 * merchants.hook-calls.v1 for the merchant's call list. At least once: a redelivered
 * commit calls again with the same {@code webhook-id}, and the fold keeps the first decision.
 */
public final class HookCallerService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HookCallerService.class);

    /** The one config object of this service. */
    public record Settings(String groupId, boolean devMode, int maxInFlight, HookGuardSettings guards) {
        public static Settings of(String applicationIdPrefix, boolean devMode) {
            return new Settings(applicationIdPrefix + "-hook-caller", devMode, 1000, HookGuardSettings.defaults());
        }
    }

    private final Settings settings;
    private final Topics topics;
    private final KafkaClients kafka;
    private final SecretBox secretBox;
    private final MeterRegistry meterRegistry;
    private final Clock clock;
    private final Resources resources = new Resources();
    private HookClient client;
    private MerchantDirectory merchants;
    private HookMetrics metrics;
    private CommandLog<CheckoutCommand> commands;
    private HookCallRecorder calls;

    public HookCallerService(Settings settings, Topics topics, KafkaClients kafka, SecretBox secretBox, MeterRegistry meterRegistry) {
        this.settings = settings;
        this.topics = topics;
        this.kafka = kafka;
        this.secretBox = secretBox;
        this.meterRegistry = meterRegistry;
        this.clock = Clock.systemUTC();
    }

    public HookCallerService start() throws InterruptedException {
        String instance = UUID.randomUUID().toString().substring(0, 8);
        CompactedTopicView<MerchantConfig> merchants = new CompactedTopicView<>(topics.merchants(),
                kafka.consumer("hook-caller-merchants-" + instance, null));
        resources.add(merchants);
        merchants.startCaughtUp(Duration.ofSeconds(60));
        metrics = new HookMetrics(meterRegistry);
        client = new HookClient(HookClientSettings.defaults().withDevMode(settings.devMode()),
                new HookGuards(settings.guards(), metrics), metrics, clock);
        resources.add(client);
        this.merchants = new MerchantDirectory(merchants, secretBox, clock);
        commands = new CommandLog<>(topics.checkoutCommands(), kafka.producer("hook-caller-" + instance));
        resources.add(commands);
        calls = resources.add(new HookCallRecorder(topics.hookCalls(), kafka.backgroundProducer("hook-caller-calls-" + instance), clock));
        JournalWorker worker = new JournalWorker("hook-caller-" + instance, topics.checkoutEvents(),
                kafka.consumerOfFoldOutput("hook-caller-" + instance, settings.groupId()), Set.of(CheckoutCommitted.class),
                this::handle, settings.maxInFlight());
        resources.add(worker);
        resources.add(merchants.bindMetrics(meterRegistry));
        resources.add(commands.bindMetrics(meterRegistry));
        resources.add(calls.bindMetrics(meterRegistry));
        resources.add(worker.bindMetrics(meterRegistry));
        worker.start();
        log.info("hook-caller ready group_id={}", settings.groupId());
        return this;
    }

    private CompletionStage<?> handle(CheckoutEvent event, TraceContext trace) {
        if (!(event.getPayload() instanceof CheckoutCommitted committed) || committed.getHook() == null) {
            return CompletableFuture.completedFuture(null);
        }
        // the call is this hop of the trace: the merchant sees it as the parent, and the report carries it on
        HookRequest request = HookRequest.preConfirmation(event).withTrace(trace.child());
        Instant deadline = committed.getDeadline();
        Duration wait = Duration.between(clock.instant(), deadline);
        return merchants.awaitSigningSecrets(event.getAgencyId(), event.getMerchantId(), committed.getHook().getVersion(),
                        wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait)
                .thenCompose(active -> client.call(request,
                        merchants.callable(committed.getHook(), event.getAgencyId(), event.getMerchantId()), active, deadline))
                .exceptionally(e -> unavailableWithoutCall(e))
                .thenApply(decision -> recorded(request, committed, decision))
                .thenCompose(decision -> report(event, committed, request, decision));
    }

    /** Every attempt shows in the merchant's call list, refusals included; the record never holds up the decision. */
    private HookDecision recorded(HookRequest request, CheckoutCommitted committed, HookDecision decision) {
        try {
            calls.record(request, committed.getHook(), decision);
        } catch (RuntimeException e) {
            log.warn("hook call not recorded session_id={} webhook_id={}", request.sessionId(), request.webhookId(), e);
        }
        return decision;
    }

    private HookDecision unavailableWithoutCall(Throwable e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        boolean late = cause instanceof HookSecretsUnavailableException missing && "version_not_reached".equals(missing.reason());
        String reason = late ? "deadline_exceeded" : "config_unavailable";
        if (!late) {
            log.warn("hook call not made reason={}", reason, cause);
        }
        return HookDecision.newBuilder().setOutcome(HookOutcome.UNAVAILABLE).setReason(reason).setDurationMs(0).build();
    }

    private CompletableFuture<?> report(CheckoutEvent event, CheckoutCommitted committed, HookRequest request, HookDecision decision) {
        if (decision.getOutcome() == HookOutcome.UNAVAILABLE && committed.getHook().getFailMode() == FailMode.OPEN) {
            metrics.recordFailOpen(request.merchant());
            log.warn("hook unavailable, fail_mode open approves session_id={} merchant={} reason={}",
                    event.getSessionId(), request.merchant(), decision.getReason());
        }
        // approvals are the bulk of a busy system's traffic: debug; anything else is worth a line
        log.atLevel(decision.getOutcome() == HookOutcome.APPROVED ? Level.DEBUG : Level.INFO).log("hook decided session_id={} attempt={} outcome={} reason={} http_status={} duration_ms={}",
                event.getSessionId(), committed.getAttempt(), decision.getOutcome(), decision.getReason(),
                decision.getHttpStatus(), decision.getDurationMs());
        CheckoutCommand command = JournalWorker.report(event, request.trace(), "hook_" + request.webhookId(), "hook-caller",
                clock.instant(), HookDecisionReported.newBuilder().setAttempt(committed.getAttempt())
                        .setWebhookId(request.webhookId()).setDecision(decision).build());
        return commands.append(event.getSessionId(), command, request.trace());
    }

    @Override
    public void close() {
        resources.close();
    }
}
