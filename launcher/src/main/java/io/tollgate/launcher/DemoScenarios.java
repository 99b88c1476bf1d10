package io.tollgate.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/**
 * The seed scenarios, run through the public API exactly as a partner would: register a merchant
 * and its pre-confirmation hook, open sessions, confirm, and print each session's timeline; and a
 * downstream partner's webhook endpoint receiving the paid order (SWAP's outbound webhooks).
 */
final class DemoScenarios {
    static final String AGENCY = "demo-agency";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PartnerApi partner;
    private final TollgateStack stack;
    private final SampleCapacityHook hook;
    private final SamplePartnerEndpoint partnerEndpoint;
    private final PrintWriter out;
    private int failures;

    DemoScenarios(TollgateStack stack, String partnerKey, SampleCapacityHook hook, SamplePartnerEndpoint partnerEndpoint,
            PrintWriter out) {
        this.stack = stack;
        this.partner = new PartnerApi(stack.apiUrl().orElseThrow(), partnerKey,
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        this.hook = hook;
        this.partnerEndpoint = partnerEndpoint;
        this.out = out;
    }

    /** Runs every scenario; returns how many did not end as the seed says. */
    int run() throws Exception {
        merchant("studio", hook.url("/capacity-check"), "closed", 5000, "sync");
        merchant("studio-slow-closed", hook.url("/slow"), "closed", 500, "sync");
        merchant("studio-slow-open", hook.url("/slow"), "open", 500, "sync");
        merchant("studio-by-approval", hook.url("/capacity-check"), "closed", 5000, "deferred");

        scenario("1. class available -> PaymentIntent -> paid", "studio", "yoga-7am", 200, true);
        scenario("2. class full -> 409 pre_confirmation_rejected, order.failed(class_full)", "studio", "spin-6pm", 409, false);
        scenario("3. hook times out, fail_mode=closed -> 503 pre_confirmation_unavailable", "studio-slow-closed", "yoga-7am", 503, false);
        scenario("4. hook times out, fail_mode=open -> 200, approved by default with a warning", "studio-slow-open", "yoga-7am", 200, false);
        deferredScenario("5. deferred to the partner -> 202, shopper's funds held, partner confirms -> captured, paid",
                "studio-by-approval", "yoga-7am");
        webhookScenario("6. a partner's webhook endpoint receives order.paid, signed (Standard Webhooks)", "studio", "yoga-7am");
        return failures;
    }

    private void merchant(String merchant, String url, String failMode, int timeoutMs, String mode) throws Exception {
        hook.trust(merchant, partner.registerMerchant(AGENCY, merchant, url, failMode, timeoutMs, mode));
        out.printf("registered merchant %s/%s, hook %s (fail_mode=%s, mode=%s)%n", AGENCY, merchant, url, failMode, mode);
    }

    private void scenario(String title, String merchant, String classId, int expectedStatus, boolean pay) throws Exception {
        out.println();
        out.println("== " + title);
        String id = createSession(merchant, classId);
        HttpResponse<String> confirm = confirm(id);
        boolean ok = confirm.statusCode() == expectedStatus;
        if (pay && ok) {
            ok = shopperPays(confirm) && awaitStatus(id, "paid");
        }
        finish(id, ok);
    }

    /** Smart Glocal's flow: the shopper pays now, the money is only held, the partner decides later. */
    private void deferredScenario(String title, String merchant, String classId) throws Exception {
        out.println();
        out.println("== " + title);
        String id = createSession(merchant, classId);
        HttpResponse<String> confirm = confirm(id);
        boolean ok = confirm.statusCode() == 202 && shopperPays(confirm) && awaitStatus(id, "awaiting_partner");
        if (ok) {
            HttpResponse<String> decided = partner.send("POST", "/v2/sessions/" + id + "/partner-confirm", "{}", null);
            out.printf("POST /v2/sessions/%s/partner-confirm -> %d %s%n", id, decided.statusCode(), decided.body());
            ok = decided.statusCode() == 200 && awaitStatus(id, "paid");
        }
        finish(id, ok);
    }

    /** SWAP's outbound webhooks: the partner registers an endpoint for paid orders and gets one, signed. */
    private void webhookScenario(String title, String merchant, String classId) throws Exception {
        out.println();
        out.println("== " + title);
        HttpResponse<String> created = partner.send("POST", "/v2/agencies/" + AGENCY + "/webhook-endpoints",
                "{\"url\":\"" + partnerEndpoint.url("/orders") + "\",\"triggers\":[\"order.paid\"],"
                        + "\"description\":\"demo partner: paid orders\"}", UUID.randomUUID().toString());
        PartnerApi.require(created, 201);
        JsonNode endpoint = JSON.readTree(created.body());
        partnerEndpoint.trust(endpoint.get("secret").asText());
        String endpointId = endpoint.get("id").asText();
        out.printf("POST /v2/agencies/%s/webhook-endpoints -> 201 id=%s triggers=%s signing=%s (secret shown once)%n", AGENCY,
                endpointId, endpoint.get("triggers"), endpoint.get("signing").asText());
        String id = createSession(merchant, classId);
        HttpResponse<String> confirm = confirm(id);
        boolean ok = confirm.statusCode() == 200 && shopperPays(confirm) && awaitStatus(id, "paid");
        SamplePartnerEndpoint.Received got = ok ? awaitWebhook(id) : null;
        if (got == null) {
            ok = false;
        } else {
            out.printf("partner endpoint received %s for %s: webhook-id %s, signature verified: %s%n", got.type(),
                    got.sessionId(), got.webhookId(), got.verified());
            ok = got.verified() && "order.paid".equals(got.type());
            JsonNode delivery = JSON.readTree(partner.send("GET", "/v2/agencies/" + AGENCY + "/webhook-endpoints/" + endpointId
                    + "/deliveries?limit=1", null, null).body()).path("data").path(0);
            out.printf("GET …/webhook-endpoints/%s/deliveries -> %s %s, %d attempt(s), http %s in %s ms%n", endpointId,
                    delivery.path("event_type").asText(), delivery.path("status").asText(), delivery.path("attempts").asInt(),
                    delivery.path("http_status").asText(), delivery.path("latency_ms").asText());
        }
        finish(id, ok);
    }

    private SamplePartnerEndpoint.Received awaitWebhook(String sessionId) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            for (SamplePartnerEndpoint.Received received : partnerEndpoint.received()) {
                if (sessionId.equals(received.sessionId())) {
                    return received;
                }
            }
            Thread.sleep(100);
        }
        return null;
    }

    private String createSession(String merchant, String classId) throws Exception {
        String body = "{\"merchant_id\":\"" + merchant + "\",\"cart\":{\"items\":[{\"id\":\"" + classId + "\",\"name\":\"" + classId
                + " class\",\"quantity\":1,\"unit_amount_minor\":2500}],\"total_minor\":2500,\"currency\":\"GBP\"},"
                + "\"extensions\":{\"booking\":{\"class_schedule_id\":\"" + classId + "\"}}}";
        HttpResponse<String> created = partner.send("POST", "/v2/sessions", body, UUID.randomUUID().toString());
        PartnerApi.require(created, 201);
        return JSON.readTree(created.body()).get("id").asText();
    }

    private HttpResponse<String> confirm(String id) throws Exception {
        long started = System.nanoTime();
        HttpResponse<String> confirm = partner.send("POST", "/v2/sessions/" + id + "/confirm", "{}", "confirm-" + id);
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        out.printf("POST /v2/sessions/%s/confirm -> %d in %d ms %s%n", id, confirm.statusCode(), tookMs, confirm.body());
        return confirm;
    }

    /** The shopper completes the PaymentIntent at the Stripe stand-in, which then sends its signed webhook. */
    private boolean shopperPays(HttpResponse<String> confirm) throws Exception {
        if (stack.stripeStandIn().isEmpty()) {
            return true;
        }
        String pi = JSON.readTree(confirm.body()).at("/payment_intent/id").asText();
        String status = stack.stripeStandIn().get().pay(pi, "pm_card_visa");
        out.println("shopper paid " + pi + " at the Stripe stand-in (" + status + "); waiting for its signed webhook");
        return true;
    }

    private void finish(String id, boolean ok) throws Exception {
        printTimeline(id);
        if (!ok) {
            failures++;
            out.println("!! scenario did not end as expected");
        }
    }

    private boolean awaitStatus(String id, String status) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < until) {
            if (status.equals(JSON.readTree(partner.send("GET", "/v2/sessions/" + id, null, null).body()).path("status").asText())) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private void printTimeline(String id) throws Exception {
        JsonNode session = JSON.readTree(partner.send("GET", "/v2/sessions/" + id, null, null).body());
        out.printf("session %s is %s; timeline:%n", id, session.path("status").asText());
        for (JsonNode entry : session.path("timeline")) {
            out.printf("  #%-2d %-24s %-14s %s%n", entry.path("seq").asInt(), entry.path("type").asText(),
                    entry.path("actor").asText().replaceAll(":[0-9a-f]{12}$", ""), entry.path("summary").asText());
        }
        out.flush();
    }

}
