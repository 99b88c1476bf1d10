package io.tollgate.common.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.internals.Exit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (combined broker and KRaft controller) running inside this JVM,
 * for {@code tollgate demo}/{@code up} and for tests. It needs only Kafka's Maven artifacts.
 *
 * <p>This is the only class that touches Kafka's undocumented server classes ({@code KafkaRaftServer},
 * {@code KafkaConfig}, {@code StorageTool}, {@code Exit}); when a Kafka upgrade moves them, only this
 * file changes.
 *
 * <p>With a given data directory the broker keeps its data there across restarts (the directory is
 * formatted once); without one it uses a temp directory that {@link #close()} deletes.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

    private static final String HOST = "127.0.0.1";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;
    private static final Duration SHUTDOWN_AFTER_FAILURE_TIMEOUT = Duration.ofSeconds(20);

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final boolean deleteOnClose;
    private final DataDirLock lock;
    private final String bootstrapServers;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, Path dataDir, boolean deleteOnClose, DataDirLock lock,
            String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.deleteOnClose = deleteOnClose;
        this.lock = lock;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker and returns once it answers {@code describeCluster} with a node.
     *
     * @param dataDirOrNull the directory the broker owns (created if missing, kept on close); null
     *     for a temp directory deleted on close
     * @throws IllegalStateException if the broker cannot start (its cause says why)
     */
    public static EmbeddedKafka start(Path dataDirOrNull) {
        boolean temp = dataDirOrNull == null;
        Path dir;
        try {
            dir = temp ? Files.createTempDirectory("tollgate-kafka-") : Files.createDirectories(dataDirOrNull);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the embedded broker's data directory " + dataDirOrNull, e);
        }
        // Kafka's own log-dir lock is taken only after the controller has opened the metadata log,
        // so a second broker on a kept directory would first disturb the running one's quorum
        DataDirLock lock = DataDirLock.acquire(dir);
        preventKafkaFromExitingTheJvm();
        RuntimeException failure = null;
        // the free ports are found before the broker binds them, so another process may take one in between
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            try {
                return startIn(dir, temp, lock);
            } catch (RuntimeException e) {
                failure = e;
                if (!causedByBind(e)) {
                    break;
                }
                log.warn("embedded_kafka_port_taken attempt={} retrying=true", attempt);
            }
        }
        lock.release();
        if (temp) {
            deleteRecursively(dir);
        }
        throw failure;
    }

    /** {@code host:port} of the broker's PLAINTEXT listener. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The directory holding the broker's data (a temp directory unless one was given). */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits for it; deletes the data directory if it was a temp one. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long started = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.release();
            if (deleteOnClose) {
                deleteRecursively(dataDir);
            }
        }
        log.info("embedded_kafka_stopped bootstrap_servers={} took_ms={}", bootstrapServers,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }

    private static EmbeddedKafka startIn(Path dir, boolean temp, DataDirLock lock) {
        long started = System.nanoTime();
        int brokerPort = freePort();
        int controllerPort = freePort();
        Properties props = serverProperties(dir, brokerPort, controllerPort);
        Path propertiesFile = dir.resolve("server.properties");
        writeProperties(props, propertiesFile);
        format(propertiesFile, logDir(dir));

        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw new IllegalStateException("the embedded Kafka broker did not start in " + dir + ": " + e.getMessage(), e);
        }
        String bootstrap = HOST + ":" + brokerPort;
        try {
            awaitReady(bootstrap);
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw e;
        }
        log.info("embedded_kafka_ready bootstrap_servers={} data_dir={} took_ms={}", bootstrap, dir,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return new EmbeddedKafka(server, dir, temp, lock, bootstrap);
    }

    private static Properties serverProperties(Path dir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.putAll(Map.ofEntries(
                Map.entry("process.roles", "broker,controller"),
                Map.entry("node.id", "1"),
                Map.entry("controller.quorum.voters", "1@" + HOST + ":" + controllerPort),
                Map.entry("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort),
                Map.entry("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort),
                Map.entry("controller.listener.names", "CONTROLLER"),
                Map.entry("inter.broker.listener.name", "PLAINTEXT"),
                Map.entry("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"),
                Map.entry("log.dirs", logDir(dir).toString()),
                // one node: every internal topic has one replica, and transactions (EOS) need these too
                Map.entry("offsets.topic.replication.factor", "1"),
                Map.entry("offsets.topic.num.partitions", "5"),
                Map.entry("transaction.state.log.replication.factor", "1"),
                Map.entry("transaction.state.log.min.isr", "1"),
                Map.entry("transaction.state.log.num.partitions", "5"),
                Map.entry("share.coordinator.state.topic.replication.factor", "1"),
                Map.entry("share.coordinator.state.topic.min.isr", "1"),
                Map.entry("group.initial.rebalance.delay.ms", "0"),
                // services create their topics (TopicProvisioner checks co-partitioning); an
                // auto-created topic would silently get the wrong partition count
                Map.entry("auto.create.topics.enable", "false"),
                // the default dedupe buffer takes 128 MB of heap at start
                Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024)),
                // Transactions v2: a fold's first writes after a commit meet CONCURRENT_TRANSACTIONS until
                // the commit markers are out, and the broker retries them itself; its default 20 ms
                // between tries would land on every confirm passing through that moment
                Map.entry("add.partitions.to.txn.retry.backoff.ms", "1"),
                Map.entry("num.network.threads", "2"),
                Map.entry("num.io.threads", "4"),
                Map.entry("num.recovery.threads.per.data.dir", "1")));
        return p;
    }

    /** Formats a new data directory; a kept one (it has meta.properties) keeps its cluster id and data. */
    private static void format(Path propertiesFile, Path logDir) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            code = StorageTool.execute(new String[] {"format", "--cluster-id", Uuid.randomUuid().toString(),
                    "--config", propertiesFile.toString()}, out);
        } catch (RuntimeException e) {
            throw new IllegalStateException("formatting the embedded broker's storage failed: " + e.getMessage()
                    + " " + output.toString(StandardCharsets.UTF_8).trim(), e);
        }
        if (code != 0) {
            throw new IllegalStateException("formatting the embedded broker's storage failed (code " + code + "): "
                    + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static Path logDir(Path dataDir) {
        return dataDir.resolve("logs").toAbsolutePath();
    }

    private static void awaitReady(String bootstrap) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(config)) {
            Exception last = null;
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                            .nodes().get(10, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the embedded broker", e);
                }
            }
            throw new IllegalStateException("the embedded Kafka broker at " + bootstrap + " was not ready within "
                    + READY_TIMEOUT.toSeconds() + " s", last);
        }
    }

    /**
     * Kafka ends the process through {@code Exit} on a fatal error. In a test JVM or next to our own
     * services that would kill everything without a word, so it throws (and is logged) instead. This
     * is process-wide and deliberately never reset: any embedded broker may still be running.
     */
    private static void preventKafkaFromExitingTheJvm() {
        Exit.setExitProcedure((code, message) -> {
            log.error("embedded_kafka_fatal action=exit code={} message={}", code, message);
            throw new IllegalStateException("the embedded Kafka broker tried to exit the JVM (code " + code + "): " + message);
        });
        Exit.setHaltProcedure((code, message) -> {
            log.error("embedded_kafka_fatal action=halt code={} message={}", code, message);
            throw new IllegalStateException("the embedded Kafka broker tried to halt the JVM (code " + code + "): " + message);
        });
    }

    /**
     * Stops a broker whose start failed. Kafka's shutdown of a half-started server can wait forever
     * on its raft thread, so this waits a bounded time and then leaves the rest to JVM exit.
     */
    private static void shutdownQuietly(KafkaRaftServer server) {
        Thread stopper = new Thread(() -> {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                log.warn("embedded_kafka_shutdown_failed error={}", e.toString());
            }
        }, "embedded-kafka-stopper");
        stopper.setDaemon(true);
        stopper.start();
        try {
            stopper.join(SHUTDOWN_AFTER_FAILURE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (stopper.isAlive()) {
            log.warn("embedded_kafka_shutdown_stuck waited_ms={}", SHUTDOWN_AFTER_FAILURE_TIMEOUT.toMillis());
        }
    }

    private static boolean causedByBind(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException || String.valueOf(t.getMessage()).contains("failed to bind")) {
                return true;
            }
        }
        return false;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free local port for the embedded broker", e);
        }
    }

    private static void writeProperties(Properties props, Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "written by Tollgate's EmbeddedKafka on each start (ports change)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    log.warn("embedded_kafka_cleanup_failed path={} error={}", path, e.toString());
                }
            });
        } catch (IOException e) {
            log.warn("embedded_kafka_cleanup_failed path={} error={}", dir, e.toString());
        }
    }

    /** An exclusive lock on a data directory, across processes and within this JVM. */
    private static final class DataDirLock {
        private final Path file;
        private final FileChannel channel;
        private final FileLock lock;

        private DataDirLock(Path file, FileChannel channel, FileLock lock) {
            this.file = file;
            this.channel = channel;
            this.lock = lock;
        }

        static DataDirLock acquire(Path dir) {
            Path file = dir.resolve(".tollgate-kafka.lock");
            FileChannel channel = null;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return new DataDirLock(file, channel, lock);
                }
            } catch (OverlappingFileLockException e) {
                // held by a broker in this JVM; reported below
            } catch (IOException e) {
                closeQuietly(channel);
                throw new UncheckedIOException("cannot lock the embedded broker's data directory " + dir, e);
            }
            closeQuietly(channel);
            throw new IllegalStateException("the data directory " + dir + " is in use by another embedded Kafka "
                    + "broker; stop it or choose another --data-dir");
        }

        void release() {
            try {
                lock.release();
            } catch (IOException e) {
                log.warn("embedded_kafka_unlock_failed path={} error={}", file, e.toString());
            }
            closeQuietly(channel);
        }

        private static void closeQuietly(FileChannel channel) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    log.warn("embedded_kafka_unlock_failed error={}", e.toString());
                }
            }
        }
    }
}
