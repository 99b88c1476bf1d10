package io.tollgate.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.schema.OrderEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RestSchemaRegistryClientTest {

    @Test
    void theNextUrlIsTriedWhenOneIsUnreachable() throws IOException {
        try (SchemaRegistryServer server = SchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            SchemaRegistryClient client = new RestSchemaRegistryClient(unusedUrl() + " , " + server.url() + "/");

            int id = client.register("orders-value", OrderEvent.getClassSchema());

            assertThat(server.registry().schemaById(id)).isEqualTo(OrderEvent.getClassSchema());
        }
    }

    @Test
    void aProxyErrorPageSurfacesAsItsStatusNotAsUnreachable() throws IOException {
        HttpServer proxy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        proxy.createContext("/", exchange -> {
            byte[] page = "<html><body>502 Bad Gateway</body></html>".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html");
            exchange.sendResponseHeaders(502, page.length);
            exchange.getResponseBody().write(page);
            exchange.close();
        });
        proxy.start();
        try {
            SchemaRegistryClient client = new RestSchemaRegistryClient("http://127.0.0.1:" + proxy.getAddress().getPort());

            assertThatThrownBy(() -> client.schemaById(1)).isInstanceOfSatisfying(SchemaRegistryException.class,
                    e -> assertThat(e.httpStatus()).isEqualTo(502));
        } finally {
            proxy.stop(0);
        }
    }

    @Test
    void cachingClientAsksTheRegistryOncePerSchema() {
        CountingRegistry counting = new CountingRegistry(new InMemorySchemaRegistry());
        CachingSchemaRegistryClient cached = new CachingSchemaRegistryClient(counting);

        int id = cached.register("orders-value", OrderEvent.getClassSchema());
        cached.register("orders-value", OrderEvent.getClassSchema());
        cached.idOf("orders-value", OrderEvent.getClassSchema());
        cached.schemaById(id);

        assertThat(counting.calls).isEqualTo(1);
    }

    private static String unusedUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }

    /** Counts what reaches the real registry behind the cache. */
    private static final class CountingRegistry implements SchemaRegistryClient {
        private final SchemaRegistryClient delegate;
        private int calls;

        CountingRegistry(SchemaRegistryClient delegate) {
            this.delegate = delegate;
        }

        @Override
        public int register(String subject, org.apache.avro.Schema schema) {
            calls++;
            return delegate.register(subject, schema);
        }

        @Override
        public int idOf(String subject, org.apache.avro.Schema schema) {
            calls++;
            return delegate.idOf(subject, schema);
        }

        @Override
        public org.apache.avro.Schema schemaById(int id) {
            calls++;
            return delegate.schemaById(id);
        }

        @Override
        public RegisteredSchema latest(String subject) {
            calls++;
            return delegate.latest(subject);
        }
    }
}
