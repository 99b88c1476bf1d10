package io.tollgate.orchestrator.config;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.common.kafka.DeadLetter;
import java.time.Instant;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a config fold (merchants, webhook endpoints) inside Kafka Streams: loads the record the
 * command is for from the store, folds the command, and stores and publishes the result — in the
 * task's exactly-once transaction. A command whose key is not the one it names, or that the fold
 * throws on, goes to the dead-letter topic instead of stopping the fold.
 *
 * @param <C> the commands
 * @param <V> the configuration records
 */
public final class ConfigFoldProcessor<C, V> implements Processor<String, C, String, Object> {
    private static final Logger log = LoggerFactory.getLogger(ConfigFoldProcessor.class);

    /** One kind of configuration: how its commands are keyed and described, and its fold. */
    public interface Kind<C, V> {
        /** {@code merchant}, {@code webhook_endpoint}: names the metrics ({@code tollgate.<name>_fold.*}) and log lines. */
        String name();

        /** The key the command must have in the command topic, e.g. {@code agency/merchant}. */
        String key(C command);

        /** The command's ids and actor as {@code key=value} pairs, for log lines; never a secret. */
        String describe(C command);

        String type(C command);

        Instant issuedAt(C command);

        long version(V config);

        ConfigOutcome<V> apply(V current, C command);
    }

    private final Kind<C, V> kind;
    private final String store;
    private final String configsSink;
    private final String deadLetterSink;
    private final Serializer<C> dlqSerializer;
    private final String commandsTopic;
    private final MeterRegistry metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, V> configs;

    ConfigFoldProcessor(Kind<C, V> kind, ConfigTopology.Names names, Serializer<C> dlqSerializer, String commandsTopic,
            MeterRegistry metrics) {
        this.kind = kind;
        this.store = names.store();
        this.configsSink = names.configsSink();
        this.deadLetterSink = names.deadLetterSink();
        this.dlqSerializer = dlqSerializer;
        this.commandsTopic = commandsTopic;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.configs = context.getStateStore(store);
    }

    @Override
    public void process(Record<String, C> record) {
        C command = record.value();
        if (command == null || record.key() == null || !record.key().equals(kind.key(command))) {
            deadLetter(record, "command key must be " + (command == null ? "the one it names" : kind.key(command)));
            return;
        }
        String type = kind.type(command);
        ConfigOutcome<V> outcome;
        try {
            outcome = kind.apply(configs.get(record.key()), command);
        } catch (RuntimeException e) {
            log.error("{}_fold_failed {}", kind.name(), kind.describe(command), e);
            deadLetter(record, e.toString());
            return;
        }
        if (outcome.rejected()) {
            count(type, "rejected");
            log.info("{}_command_rejected {} type={} code={}", kind.name(), kind.describe(command), type,
                    outcome.rejection().getCode());
        } else if (!outcome.written()) {
            count(type, "unchanged");
            log.info("{}_command_unchanged {} type={}", kind.name(), kind.describe(command), type);
        } else {
            count(type, "folded");
            log.info("{}_config_changed {} change={} version={}", kind.name(), kind.describe(command), outcome.change(),
                    kind.version(outcome.config()));
        }
        if (outcome.written()) {
            configs.put(record.key(), outcome.config());
            context.forward(new Record<String, Object>(record.key(), outcome.config(), kind.issuedAt(command).toEpochMilli()),
                    configsSink);
        }
    }

    private void count(String type, String result) {
        Counter.builder("tollgate." + kind.name() + "_fold.commands")
                .description("Commands the " + kind.name() + " config fold folded, by type and result").tags("type", type, "result", result).register(metrics)
                .increment();
    }

    private void deadLetter(Record<String, C> record, String error) {
        Counter.builder("tollgate." + kind.name() + "_fold.dead_letters")
                .description("Commands the " + kind.name() + " config fold dead-lettered").register(metrics).increment();
        log.warn("{}_command_dead_lettered key={} error={}", kind.name(), record.key(), error);
        context.forward(DeadLetter.of(record, dlqSerializer, commandsTopic, error), deadLetterSink);
    }
}
