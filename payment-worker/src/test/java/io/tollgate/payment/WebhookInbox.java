package io.tollgate.payment;

import io.javalin.Javalin;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A real HTTP endpoint that receives the stand-in's webhooks as they were sent, for tests. */
final class WebhookInbox implements AutoCloseable {

    record Received(String body, String signature) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Deque<Integer> answers = new ArrayDeque<>();
    private final Javalin app;

    WebhookInbox() {
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        app.post("/stripe/webhook", ctx -> {
            Integer answer;
            synchronized (answers) {
                answer = answers.poll();
            }
            received.add(new Received(ctx.body(), ctx.header("Stripe-Signature")));
            ctx.status(answer == null ? 200 : answer);
        });
        app.start("127.0.0.1", 0);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + app.port() + "/stripe/webhook");
    }

    /** The next deliveries are answered with these statuses, then 200. */
    void answerNext(int... statuses) {
        synchronized (answers) {
            for (int s : statuses) {
                answers.add(s);
            }
        }
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    /** Received webhooks whose body is an event of {@code type}. */
    List<Received> ofType(String type) {
        return received.stream().filter(r -> r.body().contains("\"type\":\"" + type + "\"")).toList();
    }

    @Override
    public void close() {
        app.stop();
    }
}
