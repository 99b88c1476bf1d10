package io.tollgate.orchestrator.merchants;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.DeadLetter;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link MerchantConfigFold} inside Kafka Streams: loads the merchant's config from the store,
 * folds the command, and stores and publishes the new config to merchants.v1 — in the task's
 * exactly-once transaction. A command whose key is not its {@code agency/merchant} goes to the DLQ.
 */
public final class MerchantConfigProcessor implements Processor<String, MerchantCommand, String, Object> {
    public static final String STORE = "merchant-configs";
    static final String CONFIGS = "to-merchants";
    static final String DLQ = "to-merchant-commands-dlq";

    private static final Logger log = LoggerFactory.getLogger(MerchantConfigProcessor.class);

    private final MerchantConfigFold fold;
    private final Serializer<MerchantCommand> dlqSerializer;
    private final String commandsTopic;
    private final MeterRegistry metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, MerchantConfig> configs;

    public MerchantConfigProcessor(MerchantConfigFold fold, Serializer<MerchantCommand> dlqSerializer, String commandsTopic,
            MeterRegistry metrics) {
        this.fold = fold;
        this.dlqSerializer = dlqSerializer;
        this.commandsTopic = commandsTopic;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.configs = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, MerchantCommand> record) {
        MerchantCommand command = record.value();
        if (command == null || record.key() == null
                || !record.key().equals(MerchantDirectory.key(command.getAgencyId(), command.getMerchantId()))) {
            deadLetter(record, "command key must be its agency_id/merchant_id");
            return;
        }
        String type = command.getPayload().getClass().getSimpleName();
        MerchantConfigFold.Outcome outcome;
        try {
            outcome = fold.apply(configs.get(record.key()), command);
        } catch (RuntimeException e) {
            log.error("merchant_fold_failed agency_id={} merchant_id={} command_id={}", command.getAgencyId(),
                    command.getMerchantId(), command.getCommandId(), e);
            deadLetter(record, e.toString());
            return;
        }
        if (outcome.rejected()) {
            count(type, "rejected");
            log.info("merchant_command_rejected agency_id={} merchant_id={} command_id={} type={} code={} actor={}",
                    command.getAgencyId(), command.getMerchantId(), command.getCommandId(), type,
                    outcome.rejection().getCode(), command.getActor());
        } else if (!outcome.written()) {
            count(type, "duplicate");
            log.info("merchant_command_duplicate agency_id={} merchant_id={} command_id={} type={}", command.getAgencyId(),
                    command.getMerchantId(), command.getCommandId(), type);
        } else {
            count(type, "folded");
            log.info("merchant_config_changed agency_id={} merchant_id={} command_id={} change={} version={} actor={}",
                    command.getAgencyId(), command.getMerchantId(), command.getCommandId(), outcome.change(),
                    outcome.config().getVersion(), command.getActor());
        }
        if (outcome.written()) {
            configs.put(record.key(), outcome.config());
            context.forward(new Record<String, Object>(record.key(), outcome.config(), command.getIssuedAt().toEpochMilli()),
                    CONFIGS);
        }
    }

    private void count(String type, String result) {
        Counter.builder("tollgate.merchant_fold.commands").description("Merchant commands the config fold folded, by type and result")
                .tags("type", type, "result", result).register(metrics).increment();
    }

    private void deadLetter(Record<String, MerchantCommand> record, String error) {
        Counter.builder("tollgate.merchant_fold.dead_letters").description("Merchant commands the config fold dead-lettered")
                .register(metrics).increment();
        log.warn("merchant_command_dead_lettered key={} error={}", record.key(), error);
        context.forward(DeadLetter.of(record, dlqSerializer, commandsTopic, error), DLQ);
    }
}
