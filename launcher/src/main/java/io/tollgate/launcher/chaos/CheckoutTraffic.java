package io.tollgate.launcher.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.launcher.PartnerApi;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shoppers checking out through the public API of both orchestrators while processes die: each creates a
 * session and confirms it, moving to the other instance with the same {@code Idempotency-Key} when one does
 * not answer (what a client behind a load balancer sees), and most pay when the confirm answers 200. Every
 * session the API said it created is remembered, for the checks at the end. Also the probe the recovery
 * times are measured with: one checkout through one given instance, on a merchant whose hook never flaps.
 */
final class CheckoutTraffic implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckoutTraffic.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String STEADY = "steady";
    private static final List<String> LOAD_MERCHANTS = List.of(STEADY, "flapping-closed", "flapping-open", "flapping-closed");
    /** How long a shopper keeps trying the API before giving up a request (both instances, one key). */
    private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(60);
    private static final int CONFIRM_ATTEMPTS = 3;
    private static final double PAYING_SHARE = 0.75;

    /** A session the API answered 201 for. */
    record Tracked(String sessionId, Instant createdAt) {
    }

    private final ChaosDeployment deployment;
    private final List<PartnerApi> apis = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Queue<Tracked> sessions = new ConcurrentLinkedQueue<>();
    private final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
    private final AtomicLong started = new AtomicLong();
    private final ThreadPoolExecutor shoppers = (ThreadPoolExecutor) Executors.newFixedThreadPool(16, daemon("chaos-shopper"));
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(daemon("chaos-load"));

    CheckoutTraffic(ChaosDeployment deployment) {
        this.deployment = deployment;
        for (String url : deployment.apiUrls()) {
            apis.add(new PartnerApi(url, deployment.partnerKey(), http));
        }
    }

    /** The merchants and their hooks: one that always approves, two on the flapping hook (fail closed, fail open). */
    void setUp() throws IOException, InterruptedException {
        PartnerApi api = apis.get(0);
        api.registerMerchant(ChaosDeployment.AGENCY, STEADY, deployment.hookUrl("/approve"), "closed", 2000, "sync");
        api.registerMerchant(ChaosDeployment.AGENCY, "flapping-closed", deployment.hookUrl("/flap"), "closed", 1000, "sync");
        api.registerMerchant(ChaosDeployment.AGENCY, "flapping-open", deployment.hookUrl("/flap"), "open", 1000, "sync");
    }

    /** Starts {@code perSecond} checkouts a second, on a fixed schedule, until {@link #stopLoad}. */
    void startLoad(double perSecond) {
        long periodMicros = Math.round(1_000_000 / perSecond);
        clock.scheduleAtFixedRate(() -> {
            long n = started.getAndIncrement();
            // an API that stalls must not pile up shoppers without bound: a checkout that cannot start is counted
            if (shoppers.getActiveCount() >= shoppers.getMaximumPoolSize()) {
                count("load_skipped_all_shoppers_busy");
                return;
            }
            shoppers.execute(() -> checkout(n));
        }, 0, periodMicros, TimeUnit.MICROSECONDS);
    }

    /** Stops starting checkouts and waits for those under way. */
    void stopLoad(Duration wait) throws InterruptedException {
        clock.shutdownNow();
        shoppers.shutdown();
        if (!shoppers.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS)) {
            log.warn("chaos_load_stop shoppers_still_running={}", shoppers.getActiveCount());
            shoppers.shutdownNow();
        }
    }

    private void checkout(long n) {
        String merchant = LOAD_MERCHANTS.get((int) (n % LOAD_MERCHANTS.size()));
        int instance = (int) (n % apis.size());
        Optional<String> id = create(instance, merchant, true, "");
        if (id.isEmpty()) {
            return;
        }
        for (int attempt = 1; attempt <= CONFIRM_ATTEMPTS; attempt++) {
            Answer confirm = confirm(instance, id.get(), true);
            count("confirm_" + confirm.outcome());
            if (confirm.status() == 200) {
                String paymentIntent = confirm.body().path("payment_intent").path("id").asText(null);
                if (paymentIntent != null && n % 100 < PAYING_SHARE * 100) {
                    pay(paymentIntent);
                }
                return;
            }
            if (!"503_pre_confirmation_unavailable".equals(confirm.outcome())) {
                return;
            }
            // fail closed: the session stays open and the shopper tries again, as a checkout page would
            Wait.pause(1000);
        }
    }

    /**
     * One checkout through {@code instance} alone on the steady merchant: true when the session was created and
     * the confirm answered 200 (hook approved, PaymentIntent created) within the API's normal budget.
     */
    boolean probe(int instance) {
        Optional<String> id = create(instance, STEADY, false, "probe_");
        if (id.isEmpty()) {
            return false;
        }
        Answer confirm = confirm(instance, id.get(), false);
        count("probe_confirm_" + confirm.outcome());
        return confirm.status() == 200;
    }

    int instances() {
        return apis.size();
    }

    /** Creates a session; outcomes are counted under {@code label} (probes apart from the load). */
    private Optional<String> create(int instance, String merchant, boolean failOver, String label) {
        String body = "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{\"id\":\"seat\",\"name\":\"Seat\",\"quantity\":1,"
                + "\"unit_amount_minor\":1500}],\"total_minor\":1500,\"currency\":\"GBP\"}}";
        Answer created = send(instance, "POST", "/v2/sessions", body, failOver);
        if (created.status() != 201) {
            count(label + "create_" + created.outcome());
            return Optional.empty();
        }
        String id = created.body().path("id").asText();
        sessions.add(new Tracked(id, Instant.now()));
        count(label + "create_201");
        return Optional.of(id);
    }

    private Answer confirm(int instance, String sessionId, boolean failOver) {
        return send(instance, "POST", "/v2/sessions/" + sessionId + "/confirm", "{}", failOver);
    }

    private void pay(String paymentIntent) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(deployment.standInControlUrl() + "/payment-intents/" + paymentIntent + "/pay"))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            count("pay_" + http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        } catch (IOException e) {
            count("pay_no_answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What the API answered; {@code status} 0 when no instance answered in time. */
    private record Answer(int status, JsonNode body, String outcome) {
    }

    /**
     * Sends one request with one idempotency key; with {@code failOver}, an instance that does not answer or
     * answers 5xx for a reason of its own (not the hook's 503) is replaced by the other until {@link #GIVE_UP_AFTER}.
     */
    private Answer send(int instance, String method, String path, String body, boolean failOver) {
        String key = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + GIVE_UP_AFTER.toNanos();
        int target = instance;
        while (true) {
            Answer answer;
            try {
                HttpResponse<String> response = apis.get(target).send(method, path, body, key);
                JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
                String code = json.path("error").path("code").asText("");
                answer = new Answer(response.statusCode(), json, response.statusCode() + (code.isEmpty() ? "" : "_" + code));
            } catch (IOException e) {
                answer = new Answer(0, JSON.nullNode(), "no_answer");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Answer(0, JSON.nullNode(), "interrupted");
            }
            boolean instanceProblem = answer.status() == 0
                    || (answer.status() >= 500 && !answer.outcome().equals("503_pre_confirmation_unavailable"));
            if (!instanceProblem || !failOver || System.nanoTime() > deadline) {
                return answer;
            }
            count("failover_after_" + answer.outcome());
            target = (target + 1) % apis.size();
            Wait.pause(250);
        }
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
    }

    /** Every session the API answered 201 for, probes included. */
    List<Tracked> sessions() {
        return List.copyOf(sessions);
    }

    /** What the shoppers met, by outcome (e.g. {@code confirm_200}, {@code failover_after_no_answer}). */
    Map<String, Long> outcomes() {
        Map<String, Long> copy = new TreeMap<>();
        outcomes.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /** A session's status as the API tells it through any instance: empty for 404, "?" when no instance answers. */
    Optional<String> status(String sessionId) {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                HttpResponse<String> response = apis.get(attempt % apis.size()).send("GET", "/v2/sessions/" + sessionId, null, null);
                if (response.statusCode() == 404) {
                    return Optional.empty();
                }
                if (response.statusCode() == 200) {
                    return Optional.of(JSON.readTree(response.body()).path("status").asText());
                }
            } catch (IOException e) {
                // the next attempt asks the other instance
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            Wait.pause(500);
        }
        return Optional.of("?");
    }

    /** PaymentIntents per session, as the Stripe stand-in has them. */
    Map<String, Long> paymentIntentsBySession() throws IOException, InterruptedException {
        return bySession("/payment-intents/by-session");
    }

    /** Minor units of the shopper's money each session holds at the stand-in (received and not refunded, or authorized). */
    Map<String, Long> amountHeldBySession() throws IOException, InterruptedException {
        return bySession("/payment-intents/held-by-session");
    }

    private Map<String, Long> bySession(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(deployment.standInControlUrl()
                + path)).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
        Map<String, Long> counts = new TreeMap<>();
        JSON.readTree(response.body()).fields().forEachRemaining(e -> counts.put(e.getKey(), e.getValue().asLong()));
        return counts;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong n = new AtomicLong();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public void close() {
        clock.shutdownNow();
        shoppers.shutdownNow();
    }
}
