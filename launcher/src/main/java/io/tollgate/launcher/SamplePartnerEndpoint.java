package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The demo's downstream partner: a webhook endpoint that verifies each delivery's Standard Webhooks
 * signature with the secret it was given when it registered, and keeps what arrived. Answers 401 to
 * anything that does not verify, so the dispatcher would retry it.
 */
final class SamplePartnerEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One delivery as the partner saw it. */
    record Received(String webhookId, String type, String sessionId, boolean verified) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Javalin server;
    private volatile String secret;

    SamplePartnerEndpoint() {
        server = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        server.post("/orders", this::receive);
        server.start("127.0.0.1", 0);
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    /** The partner keeps the secret the endpoint's creation returned. */
    void trust(String secret) {
        this.secret = secret;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    private void receive(Context ctx) throws IOException {
        String body = ctx.body();
        boolean verified = SignedCalls.verified(ctx, body, secret);
        JsonNode message = JSON.readTree(body);
        received.add(new Received(ctx.header("webhook-id"), message.path("type").asText(),
                message.at("/data/session_id").asText(), verified));
        ctx.status(verified ? 204 : 401);
    }

    @Override
    public void close() {
        server.stop();
    }
}
