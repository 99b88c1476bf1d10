package io.tollgate.orchestrator.merchants;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.CompactedTopicView;
import io.tollgate.common.kafka.KafkaClients;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.kafka.Topic;
import io.tollgate.common.kafka.TopicProvisioner;
import io.tollgate.common.kafka.TopicSpec;
import io.tollgate.common.merchants.MerchantDirectory;
import io.tollgate.orchestrator.api.HttpApi;
import io.tollgate.orchestrator.api.JsonBodies;
import io.tollgate.orchestrator.api.PartnerAuth;
import io.tollgate.schema.MerchantCommand;
import io.tollgate.schema.MerchantConfig;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.serde.AvroSerde;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;

/**
 * What the orchestrator does for merchant configuration, and nothing else, on the shared broker: a
 * Streams app with the config fold, the merchants.v1 view, and the HTTP API with {@link MerchantApi}
 * on a free port. Tests start several over the same topics (a restart; a second instance).
 */
final class MerchantTestApp implements AutoCloseable {
    static final int PARTITIONS = 2;

    /** The merchant topics under a unique prefix, so test classes sharing the broker keep apart. */
    record TestTopics(Topic<String, MerchantCommand> commands, Topic<String, MerchantConfig> merchants,
            Topic<String, byte[]> deadLetters) {

        static TestTopics create(String prefix, SchemaRegistryClient registry) {
            TestTopics topics = new TestTopics(
                    new Topic<>(new TopicSpec(prefix + ".merchants.commands.v1", PARTITIONS,
                            Map.of("cleanup.policy", "delete", "retention.ms", "-1"), "merchants"),
                            Serdes.String(), AvroSerde.forValues(MerchantCommand.class, registry)),
                    new Topic<>(new TopicSpec(prefix + ".merchants.v1", PARTITIONS, Map.of("cleanup.policy", "compact"),
                            "merchants"), Serdes.String(), AvroSerde.forValues(MerchantConfig.class, registry)),
                    new Topic<>(TopicSpec.of(prefix + ".merchants.commands.v1.dlq", 1), Serdes.String(), Serdes.ByteArray()));
            try (Admin admin = SharedKafka.admin()) {
                TopicProvisioner.ensure(admin, List.of(topics.commands.spec(), topics.merchants.spec(),
                        topics.deadLetters.spec()));
            }
            return topics;
        }
    }

    private final String applicationId;
    private final Path stateDir;
    private final KafkaStreams streams;
    private final CompactedTopicView<MerchantConfig> view;
    private final MerchantDirectory directory;
    private final MerchantApi merchantApi;
    private final HttpApi api;
    private final int port;

    private MerchantTestApp(String applicationId, Path stateDir, KafkaStreams streams, CompactedTopicView<MerchantConfig> view,
            MerchantDirectory directory, MerchantApi merchantApi, HttpApi api, int port) {
        this.applicationId = applicationId;
        this.stateDir = stateDir;
        this.streams = streams;
        this.view = view;
        this.directory = directory;
        this.merchantApi = merchantApi;
        this.api = api;
        this.port = port;
    }

    static MerchantTestApp start(TestTopics topics, String applicationId, boolean devMode, SecretBox secretBox,
            Map<String, List<String>> partnerKeyHashes) throws InterruptedException {
        KafkaClients kafka = new KafkaClients(SharedKafka.bootstrapServers());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Path stateDir = tempDir();

        Topology topology = MerchantTopology.addTo(new Topology(), topics.commands(), topics.merchants(), topics.deadLetters(),
                metrics);
        Properties props = new Properties();
        props.putAll(kafka.streams(applicationId, stateDir, 10, 1));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        KafkaStreams streams = new KafkaStreams(topology, props);
        streams.start();

        CompactedTopicView<MerchantConfig> view = new CompactedTopicView<>(topics.merchants(),
                kafka.consumer(applicationId + "-view", null)).start();
        awaitRunning(streams);
        if (!view.awaitCaughtUp(Duration.ofSeconds(30))) {
            throw new IllegalStateException("merchants view did not catch up");
        }
        MerchantDirectory directory = new MerchantDirectory(view, secretBox, Clock.systemUTC());
        MerchantApi merchantApi = new MerchantApi(
                new MerchantApi.Settings(devMode, Duration.ofSeconds(10), MerchantApi.Settings.DEFAULT_SECRET_GRACE,
                        Clock.systemUTC()),
                new PartnerAuth(partnerKeyHashes), new JsonBodies(new ObjectMapper()), secretBox, directory,
                topics.commands(), kafka);
        HttpApi api = new HttpApi(new ObjectMapper(), () -> true, List.of(), List.of(merchantApi), new SimpleMeterRegistry());
        int port = api.start(0);
        return new MerchantTestApp(applicationId, stateDir, streams, view, directory, merchantApi, api, port);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    int port() {
        return port;
    }

    MerchantDirectory directory() {
        return directory;
    }

    /** The fold's state store changelog: it holds configs too, so it must not hold secrets in clear either. */
    String changelogTopic() {
        return applicationId + "-" + MerchantTopology.STORE + "-changelog";
    }

    @Override
    public void close() {
        api.close();
        merchantApi.close();
        view.close();
        // leave the group, so that a restarted app is given the partitions at once
        streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(10)));
        deleteRecursively(stateDir);
    }

    private static void awaitRunning(KafkaStreams streams) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (System.nanoTime() > until || streams.state() == KafkaStreams.State.ERROR) {
                throw new IllegalStateException("merchant fold did not reach RUNNING: " + streams.state());
            }
            Thread.sleep(20);
        }
    }

    private static Path tempDir() {
        try {
            return Files.createTempDirectory("merchant-streams-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
