package io.tollgate.launcher;

import io.tollgate.common.lifecycle.Resources;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.KafkaSchemaLog;
import io.tollgate.schemas.registry.SchemaRegistryServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Tollgate's in-process schema registry as a process of its own: the Confluent registry API over the
 * {@code _tollgate_schemas} topic, so that services running apart share one registry without a
 * Confluent one. It keeps nothing else: killed and started again, it reads its schemas back from Kafka.
 */
@Command(name = "registry", mixinStandardHelpOptions = true,
        description = {"Serves the schema registry alone (Confluent API, schemas stored in the cluster's "
                + "_tollgate_schemas topic), for services run as separate processes (schema.registry.url)."})
final class RegistryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,…]", required = true,
            defaultValue = "${env:TOLLGATE_BOOTSTRAP_SERVERS}", description = "Kafka (default: TOLLGATE_BOOTSTRAP_SERVERS).")
    String bootstrapServers;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8081", description = "Port (default ${DEFAULT-VALUE}; 0 = any free port).")
    int port;

    @Override
    public Integer call() throws Exception {
        Resources started = new Resources();
        try {
            InMemorySchemaRegistry registry = new InMemorySchemaRegistry(started.add(new KafkaSchemaLog(bootstrapServers)));
            SchemaRegistryServer server = started.add(SchemaRegistryServer.start(registry, host, port));
            return Foreground.run(started, spec.commandLine().getOut(), "Schema registry up at " + server.url()
                    + " (schemas in _tollgate_schemas on " + bootstrapServers + "). Stop with Ctrl-C.");
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }
}
