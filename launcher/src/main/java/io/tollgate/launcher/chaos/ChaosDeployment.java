package io.tollgate.launcher.chaos;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.lifecycle.Resources;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tollgate deployed as users run it: a three-node Kafka cluster, a schema registry, two orchestrators,
 * a hook-caller and a payment worker, each a process of its own started with its {@code tollgate} command
 * and a config file; plus what Tollgate talks to, also as processes: a flaky Stripe stand-in and a merchant
 * hook that flaps. Every role can be killed and started again the same way.
 */
final class ChaosDeployment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ChaosDeployment.class);
    static final String AGENCY = "chaos";
    private static final String SERVICE_HEAP = "256m";

    /** What kind of process a role is; each kind is killed at least once per round. */
    enum Kind { BROKER, REGISTRY, ORCHESTRATOR, HOOK_CALLER, PAYMENT_WORKER }

    /**
     * A process the suite kills, and how it tells the process serves again.
     *
     * @param apiInstance index in {@link #apiUrls()} of the API this process serves; -1 for none
     */
    record Role(String name, Kind kind, ChildProcess process, BooleanSupplier ready, int apiInstance) {
    }

    /**
     * @param staticMembership each service gets {@code instance.id} (its role name) and the default session timeout;
     *     false gives the behaviour before static membership: dynamic members and Kafka's 45 s session timeout
     * @param serviceSettings extra settings for every service, by key
     */
    record Settings(Path dir, Duration sessionTtl, int partitions, double stripeFaultRate, double hookErrorRate,
            double hookSlowRate, boolean staticMembership, Map<String, String> serviceSettings) {
    }

    private final Resources started = new Resources();
    private final Map<String, Role> roles = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Ports ports = new Ports();
    private final SecureRandom random = new SecureRandom();
    private final String partnerKey = "tg_chaos_" + HexFormat.of().formatHex(bytes(16));
    private final List<String> apiUrls = new ArrayList<>();
    private KraftCluster cluster;
    private String registryUrl;
    private String standInUrl;
    private String standInControlUrl;
    private String hookUrl;

    private ChaosDeployment() {
    }

    /** Starts every process and returns once each serves; on failure stops what it started. */
    static ChaosDeployment start(Settings settings, ChildJvm jvm, Duration timeout) {
        ChaosDeployment deployment = new ChaosDeployment();
        try {
            deployment.boot(settings, jvm, timeout);
            return deployment;
        } catch (RuntimeException e) {
            deployment.close();
            throw e;
        }
    }

    private void boot(Settings settings, ChildJvm jvm, Duration timeout) {
        cluster = started.add(KraftCluster.start(settings.dir().resolve("kafka"), jvm, ports, timeout));
        for (int id = 1; id <= KraftCluster.NODES; id++) {
            int node = id;
            roles.put("broker-" + id, new Role("broker-" + id, Kind.BROKER, cluster.node(id), () -> cluster.nodeServes(node), -1));
        }
        log.info("chaos_kafka_ready bootstrap_servers={}", cluster.bootstrapServers());

        int registryPort = ports.next();
        registryUrl = "http://127.0.0.1:" + registryPort;
        ChildProcess registry = started.add(jvm.tollgate("registry", "128m", List.of("registry", "--bootstrap-servers",
                cluster.bootstrapServers(), "--port", String.valueOf(registryPort)), Map.of()));
        add(new Role("registry", Kind.REGISTRY, registry, () -> answers200(registryUrl + "/subjects"), -1));

        String webhookSecret = "whsec_" + Base64.getEncoder().encodeToString(bytes(24));
        String masterKey = Base64.getEncoder().encodeToString(bytes(32));
        int standInPort = ports.next();
        int controlPort = ports.next();
        int[] apiPorts = {ports.next(), ports.next()};
        standInUrl = "http://127.0.0.1:" + standInPort;
        standInControlUrl = "http://127.0.0.1:" + controlPort;
        // Stripe sends to one endpoint; its retries (about a minute) outlast a restart of that orchestrator
        ChildProcess standIn = started.add(jvm.tollgate("stripe-stand-in", "128m", List.of("stripe-stand-in", "--port",
                String.valueOf(standInPort), "--control-port", String.valueOf(controlPort), "--fault-rate",
                String.valueOf(settings.stripeFaultRate()), "--webhook-url", "http://127.0.0.1:" + apiPorts[0] + "/v2/stripe/webhook"),
                Map.of("STRIPE_WEBHOOK_SECRET", webhookSecret)));
        int hookPort = ports.next();
        hookUrl = "http://127.0.0.1:" + hookPort;
        ChildProcess hook = started.add(jvm.tollgate("merchant-hook", "96m", List.of("flapping-hook", "--port", String.valueOf(hookPort),
                "--error-rate", String.valueOf(settings.hookErrorRate()), "--slow-rate", String.valueOf(settings.hookSlowRate())), Map.of()));
        standIn.start();
        hook.start();
        registry.start();

        Map<String, String> environment = Map.of("TOLLGATE_MASTER_KEY", masterKey, "STRIPE_API_KEY", "sk_test_tollgate_chaos",
                "STRIPE_WEBHOOK_SECRET", webhookSecret);
        for (int i = 0; i < apiPorts.length; i++) {
            apiUrls.add("http://127.0.0.1:" + apiPorts[i]);
            service(settings, jvm, "orchestrator-" + (i + 1), Kind.ORCHESTRATOR, i, apiPorts[i], environment);
        }
        service(settings, jvm, "hook-caller", Kind.HOOK_CALLER, -1, 0, environment);
        service(settings, jvm, "payment-worker", Kind.PAYMENT_WORKER, -1, 0, environment);

        awaitReady(List.of("registry"), timeout);
        Wait.until("the Stripe stand-in and the merchant hook listen", timeout,
                () -> answers(standInControlUrl + "/payment-intents/by-session") && answers(hookUrl + "/approve"));
        // the first orchestrator creates the topics; the others start once they exist
        roles.get("orchestrator-1").process().start();
        awaitReady(List.of("orchestrator-1"), timeout);
        List.of("orchestrator-2", "hook-caller", "payment-worker").forEach(name -> roles.get(name).process().start());
        awaitReady(List.of("orchestrator-2", "hook-caller", "payment-worker"), timeout);
    }

    private void service(Settings settings, ChildJvm jvm, String name, Kind kind, int apiInstance, int apiPort,
            Map<String, String> environment) {
        int managementPort = ports.next();
        Path dir = settings.dir().resolve(name);
        Properties config = new Properties();
        config.put("bootstrap.servers", cluster.bootstrapServers());
        config.put("schema.registry.url", registryUrl);
        config.put("stripe.api.base", standInUrl);
        config.put("management.port", String.valueOf(managementPort));
        if (apiPort > 0) {
            config.put("port", String.valueOf(apiPort));
        }
        config.put("advertised.host", "127.0.0.1");
        // loopback hook URLs (the flapping merchant) need dev mode; the master key is still given, and shared
        config.put("dev.mode", "true");
        config.put("partner.keys", TollgateConfig.partnerKeyEntry(AGENCY, partnerKey));
        config.put("data.dir", dir.resolve("data").toAbsolutePath().toString());
        config.put("session.ttl", settings.sessionTtl().toSeconds() + "s");
        config.put("partitions", String.valueOf(settings.partitions()));
        if (settings.staticMembership()) {
            config.put("instance.id", name);
        } else {
            config.put("kafka.session.timeout.ms", "45000");
        }
        config.putAll(settings.serviceSettings());
        Path file = dir.resolve("tollgate.properties");
        try {
            Files.createDirectories(dir);
            try (OutputStream out = Files.newOutputStream(file)) {
                config.store(out, "written by tollgate chaos for " + name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        String command = switch (kind) {
            case ORCHESTRATOR -> "orchestrator";
            case HOOK_CALLER -> "hook-caller";
            case PAYMENT_WORKER -> "payment-worker";
            default -> throw new IllegalArgumentException(kind + " is not a service");
        };
        ChildProcess process = started.add(jvm.tollgate(name, SERVICE_HEAP, List.of(command, "--config", file.toString()), environment));
        add(new Role(name, kind, process, () -> answers200("http://127.0.0.1:" + managementPort + "/health"), apiInstance));
    }

    private void add(Role role) {
        roles.put(role.name(), role);
    }

    private void awaitReady(List<String> names, Duration timeout) {
        for (String name : names) {
            Role role = roles.get(name);
            Wait.until(name + " serves (log: " + role.process().logFile() + ")", timeout, () -> {
                if (!role.process().alive()) {
                    throw new IllegalStateException(name + " exited while starting; see " + role.process().logFile());
                }
                return role.ready().getAsBoolean();
            });
            log.info("chaos_role_ready role={}", name);
        }
    }

    private boolean answers200(String url) {
        return status(url) == 200;
    }

    private boolean answers(String url) {
        return status(url) > 0;
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    Role role(String name) {
        Role role = roles.get(name);
        if (role == null) {
            throw new IllegalArgumentException("no role '" + name + "'; roles: " + roles.keySet());
        }
        return role;
    }

    List<Role> roles() {
        return List.copyOf(roles.values());
    }

    KraftCluster cluster() {
        return cluster;
    }

    List<String> apiUrls() {
        return List.copyOf(apiUrls);
    }

    String partnerKey() {
        return partnerKey;
    }

    String registryUrl() {
        return registryUrl;
    }

    String standInControlUrl() {
        return standInControlUrl;
    }

    String hookUrl(String path) {
        return hookUrl + path;
    }

    /** Stops every process (SIGTERM, then SIGKILL), the services before Kafka. */
    @Override
    public void close() {
        started.close();
    }
}
