package io.tollgate.launcher;

import io.javalin.Javalin;
import io.tollgate.common.lifecycle.Resources;
import io.tollgate.payment.standin.Fault;
import io.tollgate.payment.standin.StripeStandIn;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The local Stripe stand-in as a process of its own, for services run apart (point
 * {@code stripe.api.base} at it), optionally flaky. A second, loopback-only control port plays the
 * shopper paying and answers what only Stripe's dashboard would: how many PaymentIntents each session got.
 */
@Command(name = "stripe-stand-in", mixinStandardHelpOptions = true,
        description = {"Runs the local Stripe stand-in alone (not Stripe): PaymentIntents with idempotency keys, "
                + "signed webhooks to --webhook-url (secret from STRIPE_WEBHOOK_SECRET), injected faults.",
                "Control port (127.0.0.1): GET /payment-intents/by-session, GET /payment-intents/held-by-session, "
                + "POST /payment-intents/{id}/pay."})
final class StripeStandInCommand implements Callable<Integer> {
    /** Webhook retries spread over about a minute, so a receiving orchestrator that restarts still gets them. */
    private static final List<Duration> WEBHOOK_RETRIES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(4), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(30));

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDRESS", defaultValue = "127.0.0.1", description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "12111", description = "Stripe API port (default ${DEFAULT-VALUE}; 0 = any).")
    int port;

    @Option(names = "--control-port", paramLabel = "PORT", description = "Control port on 127.0.0.1 (unset: none).")
    Integer controlPort;

    @Option(names = "--webhook-url", paramLabel = "URL", description = "Where to send signed webhook events (needs STRIPE_WEBHOOK_SECRET).")
    URI webhookUrl;

    @Option(names = "--fault-rate", paramLabel = "FRACTION", defaultValue = "0",
            description = "Share of API requests that fail (500, 429 or a dropped connection, at random), 0 to 1 (default ${DEFAULT-VALUE}).")
    double faultRate;

    @Override
    public Integer call() throws Exception {
        String webhookSecret = System.getenv("STRIPE_WEBHOOK_SECRET");
        if (webhookUrl != null && (webhookSecret == null || webhookSecret.isBlank())) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--webhook-url needs STRIPE_WEBHOOK_SECRET in the environment");
        }
        Resources started = new Resources();
        try {
            StripeStandIn standIn = started.add(StripeStandIn.builder().host(host).port(port).webhookRetryDelays(WEBHOOK_RETRIES).start());
            if (webhookUrl != null) {
                standIn.sendWebhooksTo(webhookUrl, webhookSecret);
            }
            if (faultRate > 0) {
                standIn.failRandomly(faultRate, List.of(Fault.SERVER_ERROR, Fault.RATE_LIMITED, Fault.CONNECTION_DROP));
            }
            String control = "";
            if (controlPort != null) {
                Javalin controlApi = control(standIn, controlPort);
                started.add(controlApi::stop);
                control = ", control http://127.0.0.1:" + controlApi.port();
            }
            return Foreground.run(started, spec.commandLine().getOut(), "Stripe stand-in (not Stripe) up at " + standIn.apiBase()
                    + control + ", fault rate " + faultRate + ". Stop with Ctrl-C.");
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }

    private static Javalin control(StripeStandIn standIn, int port) {
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
        });
        app.get("/payment-intents/by-session", ctx -> ctx.json(standIn.paymentIntentsBySession()));
        app.get("/payment-intents/held-by-session", ctx -> ctx.json(standIn.amountHeldBySession()));
        app.post("/payment-intents/{id}/pay", ctx -> {
            String method = ctx.queryParamAsClass("payment_method", String.class).getOrDefault("pm_card_visa");
            try {
                ctx.json(Map.of("status", standIn.pay(ctx.pathParam("id"), method)));
            } catch (IllegalStateException e) {
                ctx.status(409).json(Map.of("error", String.valueOf(e.getMessage())));
            }
        });
        return app.start("127.0.0.1", port);
    }
}
