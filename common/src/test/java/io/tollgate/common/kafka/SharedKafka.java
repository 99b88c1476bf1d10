package io.tollgate.common.kafka;

import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded Kafka broker for the whole test JVM, started on first use (about 2 s) and shared by
 * every test class, which keep apart by naming their topics and application ids with
 * {@link #uniqueName(String)}.
 *
 * <p>Use it as {@code @ExtendWith(SharedKafka.class)}, which also closes the broker when JUnit
 * finishes (through the root store), or call {@link #bootstrapServers()} from anywhere; without the
 * extension a JVM shutdown hook closes it.
 */
public final class SharedKafka implements BeforeAllCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedKafka.class);
    private static final Pattern LEGAL_PREFIX = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    @Override
    public void beforeAll(ExtensionContext context) {
        // AutoCloseable store values are closed when the root context closes, i.e. when JUnit is done
        context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(SharedBroker.class, key -> new SharedBroker(), SharedBroker.class);
    }

    /** The shared broker's bootstrap servers; starts it if this is the first use in this JVM. */
    public static String bootstrapServers() {
        return Holder.STARTED.kafka().bootstrapServers();
    }

    /** A new Admin client on the shared broker; the caller closes it. */
    public static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /**
     * A name no other test in this JVM (or a previous run against a kept broker) uses, legal as a
     * Kafka topic name, application id or group id: {@code prefix-<12 hex>}.
     */
    public static String uniqueName(String prefix) {
        if (!LEGAL_PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("prefix must be 1-200 of letters, digits, '.', '_' or '-', got '" + prefix + "'");
        }
        return prefix + "-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /** The broker, or why it could not start, so every later caller sees the original failure. */
    private record Started(EmbeddedKafka broker, RuntimeException failure) {
        static Started start() {
            try {
                EmbeddedKafka broker = EmbeddedKafka.start(null);
                Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "shared-kafka-shutdown"));
                return new Started(broker, null);
            } catch (RuntimeException e) {
                return new Started(null, e);
            }
        }

        EmbeddedKafka kafka() {
            if (failure != null) {
                throw new IllegalStateException("the shared embedded Kafka broker could not start", failure);
            }
            return broker;
        }
    }

    // the JVM's class-initialisation lock makes this a thread-safe "start once, on first use"
    private static final class Holder {
        static final Started STARTED = Started.start();
    }

    private static final class SharedBroker implements AutoCloseable {
        SharedBroker() {
            Holder.STARTED.kafka();
        }

        @Override
        public void close() {
            Holder.STARTED.kafka().close();
        }
    }
}
