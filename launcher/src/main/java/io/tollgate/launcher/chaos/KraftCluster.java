package io.tollgate.launcher.chaos;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Kafka cluster of three KRaft nodes (broker and controller each), every node a process of its own
 * ({@code kafka.Kafka server.properties}, from the Maven artifacts on the class path), with the settings
 * of a real cluster: replication factor 3 and {@code min.insync.replicas} 2 for every topic, internal ones
 * included, so one node may die without losing a write or refusing one.
 */
final class KraftCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KraftCluster.class);
    static final int NODES = 3;
    private static final String HOST = "127.0.0.1";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private record BrokerNode(int id, int port, ChildProcess process) {
    }

    private final List<BrokerNode> nodes;
    private final Admin admin;

    private KraftCluster(List<BrokerNode> nodes) {
        this.nodes = nodes;
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) REQUEST_TIMEOUT.toMillis()));
    }

    /** Formats and starts the nodes in {@code dir}; returns once every node serves. */
    static KraftCluster start(Path dir, ChildJvm jvm, Ports ports, Duration timeout) {
        long began = System.nanoTime();
        List<int[]> endpoints = new ArrayList<>();
        for (int id = 1; id <= NODES; id++) {
            endpoints.add(new int[] {ports.next(), ports.next()});
        }
        String voters = "";
        for (int id = 1; id <= NODES; id++) {
            voters += (id > 1 ? "," : "") + id + "@" + HOST + ":" + endpoints.get(id - 1)[1];
        }
        String clusterId = Uuid.randomUuid().toString();
        List<BrokerNode> nodes = new ArrayList<>();
        for (int id = 1; id <= NODES; id++) {
            int port = endpoints.get(id - 1)[0];
            int controllerPort = endpoints.get(id - 1)[1];
            Path nodeDir = dir.resolve("broker-" + id);
            Path propertiesFile = nodeDir.resolve("server.properties");
            write(serverProperties(id, port, controllerPort, voters, nodeDir.resolve("logs")), propertiesFile);
            format(clusterId, propertiesFile);
            nodes.add(new BrokerNode(id, port, jvm.process("broker-" + id, "384m", "kafka.Kafka",
                    List.of(propertiesFile.toString()), Map.of())));
        }
        log.info("chaos_kafka_formatted nodes={} took_ms={}", NODES, (System.nanoTime() - began) / 1_000_000);
        KraftCluster cluster = new KraftCluster(nodes);
        try {
            nodes.forEach(node -> node.process().start());
            Wait.until("all " + NODES + " Kafka nodes serve", timeout, () -> cluster.servingNodes().size() == NODES);
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    private static Properties serverProperties(int id, int port, int controllerPort, String voters, Path logDir) {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", String.valueOf(id)),
                Map.entry("controller.quorum.voters", voters),
                Map.entry("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logDir.toAbsolutePath().toString()),
                // what a production cluster of three runs: every write on two nodes at least before it is acknowledged
                Map.entry("default.replication.factor", "3"),
                Map.entry("min.insync.replicas", "2"),
                Map.entry("offsets.topic.replication.factor", "3"),
                Map.entry("transaction.state.log.replication.factor", "3"),
                Map.entry("transaction.state.log.min.isr", "2"),
                Map.entry("share.coordinator.state.topic.replication.factor", "3"),
                Map.entry("share.coordinator.state.topic.min.isr", "2"),
                Map.entry("unclean.leader.election.enable", "false"),
                Map.entry("auto.create.topics.enable", "false"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // fewer internal partitions and threads: three brokers share two cores with seven other processes
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("num.network.threads", "2"),
                Map.entry("num.io.threads", "2"),
                Map.entry("num.replica.fetchers", "1"),
                Map.entry("num.recovery.threads.per.data.dir", "1"),
                Map.entry("background.threads", "2"),
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024)),
                // as EmbeddedKafka: a fold's write refused just after a commit is retried by the broker at once
                Map.entry("add.partitions.to.txn.retry.backoff.ms", "1")));
        return p;
    }

    String bootstrapServers() {
        return nodes.stream().map(n -> HOST + ":" + n.port()).collect(Collectors.joining(","));
    }

    /** The process of node {@code id} (1 to 3). */
    ChildProcess node(int id) {
        return nodes.get(id - 1).process();
    }

    /**
     * Whether node {@code id} serves: its listener accepts connections (right after a kill the other nodes still
     * list the dead one until the controller fences it, so only its own port tells that it is back) and the
     * cluster lists it.
     */
    boolean nodeServes(int id) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, nodes.get(id - 1).port()), 1_000);
        } catch (IOException e) {
            return false;
        }
        return servingNodes().contains(id);
    }

    /** Ids of the nodes the cluster lists as brokers now. */
    Set<Integer> servingNodes() {
        try {
            return admin.describeCluster().nodes().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).stream()
                    .map(Node::id).collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }

    /**
     * Whether every partition of every topic has all its replicas in sync: what an operator checks before taking
     * the next node down, since two nodes out of three down at once is below {@code min.insync.replicas}.
     */
    boolean fullyReplicated() {
        try {
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return described.values().stream().flatMap(t -> t.partitions().stream())
                    .allMatch(p -> p.leader() != null && p.isr().size() == p.replicas().size());
        } catch (Exception e) {
            return false;
        }
    }

    /** The replication factor of every partition of every topic, with how many partitions have it. */
    Map<Integer, Long> replicationFactors() {
        try {
            Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names()
                    .get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return admin.describeTopics(topics).allTopicNames().get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .values().stream().flatMap(t -> t.partitions().stream())
                    .collect(Collectors.groupingBy(p -> p.replicas().size(), Collectors.counting()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe the cluster's topics: " + e, e);
        }
    }

    private static void format(String clusterId, Path propertiesFile) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(new String[] {"format", "--cluster-id", clusterId, "--config", propertiesFile.toString()}, out);
        }
        if (code != 0) {
            throw new IllegalStateException("formatting " + propertiesFile + " failed (code " + code + "): "
                    + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static void write(Properties props, Path file) {
        try {
            Files.createDirectories(file.getParent());
            try (OutputStream out = Files.newOutputStream(file)) {
                props.store(out, "written by tollgate chaos");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(5));
        nodes.forEach(node -> node.process().close());
    }
}
