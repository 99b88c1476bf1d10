package io.tollgate.webhooks;

import static io.tollgate.webhooks.DispatcherTestBed.anything;
import static io.tollgate.webhooks.DispatcherTestBed.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.common.webhooks.DeliveryIds;
import io.tollgate.schema.DeliveryKind;
import io.tollgate.schema.DeliveryStatus;
import io.tollgate.schema.DisableEndpoint;
import io.tollgate.schema.OrderEvent;
import io.tollgate.schema.ReplayEndpoint;
import io.tollgate.schema.ReportEndpointHealth;
import io.tollgate.schema.ResendDelivery;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookDelivery;
import io.tollgate.schema.WebhookRequest;
import io.tollgate.schema.WebhookSigning;
import io.tollgate.webhooks.DispatcherTestBed.Endpoint;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dispatcher on a real in-process KRaft broker, delivering to real HTTP receivers on loopback
 * ({@code interop/webhook-receiver.mjs}) that check every signature with the official Standard
 * Webhooks JS library, or every JWT with {@code jose}. Each test has its own topics and agency;
 * schedules are shortened so retries take milliseconds, not hours.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookDispatcherTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<Duration> FAST = List.of(Duration.ofMillis(300), Duration.ofMillis(600), Duration.ofMillis(900));
    private static final List<String> PAID = List.of("order.paid");

    private WebhookReceiver receiver;
    private DispatcherTestBed bed;
    private String agency;

    @BeforeAll
    void startReceiver() {
        receiver = new WebhookReceiver();
    }

    @AfterAll
    void stopReceiver() {
        receiver.close();
    }

    @BeforeEach
    void newWorld() {
        bed = new DispatcherTestBed("webhooks");
        agency = "agency_" + UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    void endWorld() {
        bed.close();
    }

    @Test
    void anOrderEventReachesTheEndpointSignedAsStandardWebhooksAndTheJsLibraryVerifiesIt() throws Exception {
        Endpoint endpoint = endpoint("/standard", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of());
        bed.start(bed.settings(FAST));
        OrderEvent paid = event(agency, "sess_a", "order.paid", 2500, "GBP", "studio");

        bed.publish(paid);

        JsonNode seen = awaitReceived("/standard", 1).get(0);
        assertThat(seen.get("verified").get(0).asBoolean()).as(seen.toString()).isTrue();
        assertThat(seen.get("content_type").asText()).startsWith("application/json");
        assertThat(seen.get("webhook_id").asText())
                .isEqualTo(DeliveryIds.webhookId(agency, endpoint.id(), paid.getEventId())).startsWith("msg_");
        JsonNode body = JSON.readTree(seen.get("body").asText());
        assertThat(body.get("type").asText()).isEqualTo("order.paid");
        assertThat(body.at("/data/session_id").asText()).isEqualTo("sess_a");
        assertThat(body.at("/data/amount_minor").asLong()).isEqualTo(2500);
        assertThat(body.at("/data/currency").asText()).isEqualTo("GBP");
        assertThat(body.at("/data/merchant_id").asText()).isEqualTo("studio");
        WebhookDelivery logged = awaitEnded(endpoint.id());
        assertThat(logged.getStatus()).isEqualTo(DeliveryStatus.SUCCEEDED);
        assertThat(logged.getAttempts()).isEqualTo(1);
        assertThat(logged.getLastAttempt().getHttpStatus()).isEqualTo(200);
        assertThat(logged.getKind()).isEqualTo(DeliveryKind.EVENT);
    }

    @Test
    void aJwtEndpointGetsSwapsBodyWhichJoseVerifiesWithAnExpiryAndTheData() throws Exception {
        Endpoint endpoint = endpoint("/jwt", PAID, anything(), WebhookSigning.JWT, 1, List.of());
        bed.start(bed.settings(FAST));

        bed.publish(event(agency, "sess_j", "order.paid", 4200, "EUR", "gym"));

        JsonNode seen = awaitReceived("/jwt", 1).get(0);
        assertThat(seen.get("verified").get(0).asBoolean()).as(seen.toString()).isTrue();
        assertThat(JSON.readTree(seen.get("body").asText()).fieldNames()).toIterable().containsExactly("jwt");
        JsonNode claims = seen.get("claims");
        assertThat(claims.get("aud").asText()).isEqualTo(endpoint.id());
        assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(300);
        assertThat(claims.get("jti").asText()).isEqualTo(seen.get("webhook_id").asText());
        assertThat(claims.get("nonce").asText()).isNotBlank();
        assertThat(claims.get("type").asText()).isEqualTo("order.paid");
        assertThat(claims.at("/data/amount_minor").asLong()).isEqualTo(4200);
        assertThat(seen.at("/jwt_header/alg").asText()).isEqualTo("HS256");
        assertThat(seen.get("webhook_signature").isNull()).isTrue();
    }

    @Test
    void duringARotationBothSecretsSignAndEachVerifiesAloneInBothSchemes() {
        Endpoint standard = endpoint("/rotating", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 2, List.of());
        Endpoint jwt = endpoint("/rotating-jwt", PAID, anything(), WebhookSigning.JWT, 2, List.of());
        // each receiver path holds the two secrets and an unrelated one, and checks with each alone
        receiver.path(paths.get("/rotating"), "standard", List.of(standard.secrets().get(0), standard.secrets().get(1),
                new io.tollgate.common.signing.SigningSecrets().next()), null, List.of());
        receiver.path(paths.get("/rotating-jwt"), "jwt", List.of(jwt.secrets().get(0), jwt.secrets().get(1),
                new io.tollgate.common.signing.SigningSecrets().next()), jwt.id(), List.of());
        start();

        bed.publish(event(agency, "sess_r", "order.paid", 100, "GBP", "studio"));

        JsonNode seen = awaitReceived("/rotating", 1).get(0);
        assertThat(seen.get("webhook_signature").asText().split(" ")).hasSize(2);
        assertThat(texts(seen.get("verified"))).containsExactly("true", "true", "false");
        JsonNode jwtSeen = awaitReceived("/rotating-jwt", 1).get(0);
        assertThat(texts(jwtSeen.get("verified"))).containsExactly("true", "true", "false");
    }

    @Test
    void aFlappingEndpointIsRetriedOnTheScheduleWithTheSameWebhookIdUntilItAnswers2xx() {
        Endpoint endpoint = endpoint("/flapping", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1,
                List.of("503", "500"));
        start();

        bed.publish(event(agency, "sess_f", "order.paid", 100, "GBP", "studio"));

        List<JsonNode> seen = awaitReceived("/flapping", 3);
        assertThat(seen).extracting(s -> s.get("answered").asText()).containsExactly("503", "500", "200");
        assertThat(seen).extracting(s -> s.get("webhook_id").asText()).containsOnly(seen.get(0).get("webhook_id").asText());
        assertThat(seen).allSatisfy(s -> assertThat(s.get("verified").get(0).asBoolean()).isTrue());
        // each wait is its step of the schedule, give or take the 10 % jitter
        assertThat(gap(seen, 0, 1)).isGreaterThanOrEqualTo(270);
        assertThat(gap(seen, 1, 2)).isGreaterThanOrEqualTo(540);
        WebhookDelivery ended = awaitEnded(endpoint.id());
        assertThat(ended.getStatus()).isEqualTo(DeliveryStatus.SUCCEEDED);
        assertThat(ended.getAttempts()).isEqualTo(3);
        List<WebhookDelivery> history = bed.deliveryLog().stream().filter(d -> d.getEndpointId().equals(endpoint.id())).toList();
        assertThat(history).extracting(WebhookDelivery::getAttempts).containsExactly(0, 1, 2, 3);
        assertThat(history.get(1).getLastAttempt().getError()).isEqualTo("http_503");
        assertThat(history.get(1).getNextAttemptAt()).isAfter(history.get(1).getLastAttempt().getAt());
    }

    @Test
    void retryAfterIsHonouredOverAShorterStep() {
        endpoint("/busy", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of("429:2"));
        start();

        bed.publish(event(agency, "sess_b", "order.paid", 100, "GBP", "studio"));

        List<JsonNode> seen = awaitReceived("/busy", 2);
        assertThat(gap(seen, 0, 1)).isGreaterThanOrEqualTo(1900);
    }

    @Test
    void whenRetriesRunOutTheDeliveryFailsAndTheEndpointIsReportedFailingThenDisabled() throws Exception {
        Endpoint endpoint = endpoint("/down", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1,
                List.of("500", "500", "500", "500", "500", "500", "500", "500"));
        bed.start(bed.settings(FAST).withDisableAfter(Duration.ofMillis(500)));

        bed.publish(event(agency, "sess_d", "order.paid", 100, "GBP", "studio"));

        WebhookCommand first = await().atMost(Duration.ofSeconds(10)).until(() -> commandsFor(endpoint.id()),
                c -> !c.isEmpty()).get(0);
        ReportEndpointHealth failing = (ReportEndpointHealth) first.getPayload();
        assertThat(failing.getFailing()).isTrue();
        assertThat(failing.getDetail()).isEqualTo("http_500");
        assertThat(first.getActor()).isEqualTo(EndpointHealth.ACTOR);
        // what the endpoint fold makes of the report, which every dispatcher then reads
        bed.update(endpoint.record(), e -> e.setFailingSince(failing.getObservedAt()));

        WebhookDelivery ended = awaitEnded(endpoint.id());
        assertThat(ended.getStatus()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(ended.getFinalReason()).isEqualTo("retries_exhausted");
        assertThat(ended.getAttempts()).isEqualTo(4);
        List<WebhookCommand> commands = await().atMost(Duration.ofSeconds(10)).until(() -> commandsFor(endpoint.id()),
                c -> c.stream().anyMatch(x -> x.getPayload() instanceof DisableEndpoint));
        assertThat(commands).filteredOn(c -> c.getPayload() instanceof DisableEndpoint).first()
                .satisfies(c -> assertThat(((DisableEndpoint) c.getPayload()).getReason())
                        .contains("every delivery failed since " + failing.getObservedAt()).contains("http_500"));
    }

    @Test
    void a410DisablesTheEndpointAtOnceAndIsNotRetried() {
        Endpoint endpoint = endpoint("/gone", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of("410"));
        start();

        bed.publish(event(agency, "sess_g", "order.paid", 100, "GBP", "studio"));

        WebhookDelivery ended = awaitEnded(endpoint.id());
        assertThat(ended.getStatus()).isEqualTo(DeliveryStatus.FAILED);
        assertThat(ended.getFinalReason()).isEqualTo("gone");
        assertThat(ended.getAttempts()).isEqualTo(1);
        List<WebhookCommand> commands = await().atMost(Duration.ofSeconds(10)).until(() -> commandsFor(endpoint.id()),
                c -> !c.isEmpty());
        assertThat(commands.get(0).getPayload()).isInstanceOfSatisfying(DisableEndpoint.class,
                d -> assertThat(d.getReason()).contains("410"));
        assertThat(receiver.received(paths.get("/gone"))).hasSize(1);
    }

    @Test
    void aRestartInTheMiddleOfTheRetriesLosesNothing() throws Exception {
        Endpoint endpoint = endpoint("/restart", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of("503"));
        List<Duration> slow = List.of(Duration.ofSeconds(3), Duration.ofSeconds(3));
        WebhookDispatcherService first = bed.start(bed.settings(slow));
        OrderEvent paid = event(agency, "sess_x", "order.paid", 100, "GBP", "studio");
        bed.publish(paid);
        awaitReceived("/restart", 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> bed.deliveryLog().stream()
                .anyMatch(d -> d.getEndpointId().equals(endpoint.id()) && d.getAttempts() == 1));

        bed.stop(first);
        OrderEvent whileDown = event(agency, "sess_y", "order.paid", 200, "GBP", "studio");
        bed.publish(whileDown);
        bed.start(bed.settings(slow));

        List<JsonNode> seen = awaitReceived("/restart", 3);
        assertThat(seen).extracting(s -> s.get("webhook_id").asText()).containsExactlyInAnyOrder(
                DeliveryIds.webhookId(agency, endpoint.id(), paid.getEventId()),
                DeliveryIds.webhookId(agency, endpoint.id(), paid.getEventId()),
                DeliveryIds.webhookId(agency, endpoint.id(), whileDown.getEventId()));
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(latest(endpoint.id()))
                .extracting(WebhookDelivery::getStatus).containsOnly(DeliveryStatus.SUCCEEDED).hasSize(2));
        // the retry after the restart waited out the recorded schedule rather than starting over
        assertThat(gap(seen.stream().filter(s -> s.get("webhook_id").asText()
                .equals(DeliveryIds.webhookId(agency, endpoint.id(), paid.getEventId()))).toList(), 0, 1))
                .isGreaterThanOrEqualTo(2700);
    }

    @Test
    void aStuckEndpointDoesNotSlowAnother() throws Exception {
        endpoint("/stuck", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1,
                IntStream.range(0, 20).mapToObj(i -> "hang").toList());
        endpoint("/quick", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of());
        // attempts to the stuck endpoint hang for the whole test rather than time out and retry
        bed.start(bed.settings(FAST, Duration.ofSeconds(60)));
        for (int i = 0; i < 10; i++) {
            bed.publish(event(agency, "sess_s" + i, "order.paid", 100, "GBP", "studio"));
        }

        List<JsonNode> quick = awaitReceived("/quick", 10);

        // every quick delivery arrived while the stuck endpoint still held its first ones, within its own limit of 4
        assertThat(receiver.received(paths.get("/stuck"))).hasSize(4);
        assertThat(quick).hasSize(10);
        receiver.release(paths.get("/stuck"));
    }

    @Test
    void oneSessionsEventsArriveInOrderEvenWhenTheFirstNeedsARetry() {
        endpoint("/ordered", List.of("order.confirmed", "order.paid"), anything(), WebhookSigning.STANDARD_WEBHOOKS, 1,
                List.of("503"));
        start();

        bed.publish(event(agency, "sess_o", "order.confirmed", 100, "GBP", "studio"));
        bed.publish(event(agency, "sess_o", "order.paid", 100, "GBP", "studio"));

        List<JsonNode> seen = awaitReceived("/ordered", 3);
        assertThat(seen).extracting(s -> type(s) + " " + s.get("answered").asText())
                .containsExactly("order.confirmed 503", "order.confirmed 200", "order.paid 200");
    }

    @Test
    void conditionsAndTriggersChooseTheEventsAndAnotherAgencysEventsNeverArrive() {
        WebhookConditions bigGbpAtStudio = WebhookConditions.newBuilder().setMerchantIds(List.of("studio"))
                .setCurrencies(List.of("GBP")).setAmountMinorOver(1000L).setAmountMinorUnder(null).setDecisions(List.of())
                .build();
        endpoint("/filtered", PAID, bigGbpAtStudio, WebhookSigning.STANDARD_WEBHOOKS, 1, List.of());
        start();
        String other = "agency_other_" + UUID.randomUUID().toString().substring(0, 6);

        bed.publish(event(agency, "sess_c1", "order.paid", 500, "GBP", "studio"));      // too small
        bed.publish(event(agency, "sess_c2", "order.paid", 5000, "EUR", "studio"));     // other currency
        bed.publish(event(agency, "sess_c3", "order.paid", 5000, "GBP", "gym"));        // other merchant
        bed.publish(event(agency, "sess_c4", "order.failed", 5000, "GBP", "studio"));   // not a trigger
        bed.publish(event(other, "sess_c5", "order.paid", 5000, "GBP", "studio"));      // another agency
        bed.publish(event(agency, "sess_c6", "order.paid", 5000, "GBP", "studio"));     // this one

        List<JsonNode> seen = awaitReceived("/filtered", 1);
        // the last event is through; nothing the conditions refuse came before or after it
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> receiver.received(paths.get("/filtered")).size() == 1);
        assertThat(session(seen.get(0))).isEqualTo("sess_c6");
    }

    @Test
    void aResendAndAReplaySendAgainUnderTheSameWebhookIdAndShowInTheLog() {
        Endpoint endpoint = endpoint("/again", PAID, anything(), WebhookSigning.STANDARD_WEBHOOKS, 1, List.of());
        start();
        Instant before = Instant.now().minusSeconds(1);
        bed.publish(event(agency, "sess_p1", "order.paid", 100, "GBP", "studio"));
        bed.publish(event(agency, "sess_p2", "order.paid", 100, "GBP", "studio"));
        awaitReceived("/again", 2);
        WebhookDelivery first = await().atMost(Duration.ofSeconds(10)).until(() -> latest(endpoint.id()).stream()
                .filter(d -> d.getSessionId().equals("sess_p1") && d.getStatus() == DeliveryStatus.SUCCEEDED).findFirst()
                .orElse(null), d -> d != null);

        String resendId = "wrq_resend_" + UUID.randomUUID();
        bed.request(request(endpoint, resendId, ResendDelivery.newBuilder().setDeliveryId(first.getDeliveryId())
                .setSessionId("sess_p1").setOriginal(first).build()), "sess_p1", null);
        String replayId = "wrq_replay_" + UUID.randomUUID();
        for (int p = 0; p < DispatcherTestBed.PARTITIONS; p++) {
            bed.request(request(endpoint, replayId, ReplayEndpoint.newBuilder().setSince(before).setUntil(Instant.now())
                    .build()), agency + "/" + endpoint.id(), p);
        }

        List<JsonNode> seen = awaitReceived("/again", 5);
        assertThat(seen.stream().filter(s -> session(s).equals("sess_p1")))
                .extracting(s -> s.get("webhook_id").asText()).containsOnly(first.getWebhookId()).hasSize(3);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(latest(endpoint.id()))
                .extracting(WebhookDelivery::getKind, WebhookDelivery::getStatus)
                .containsOnly(org.assertj.core.groups.Tuple.tuple(DeliveryKind.EVENT, DeliveryStatus.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(DeliveryKind.RESEND, DeliveryStatus.SUCCEEDED),
                        org.assertj.core.groups.Tuple.tuple(DeliveryKind.REPLAY, DeliveryStatus.SUCCEEDED))
                .hasSize(5));
        assertThat(latest(endpoint.id())).filteredOn(d -> d.getKind() == DeliveryKind.RESEND).singleElement()
                .satisfies(d -> assertThat(d.getOrigin()).isEqualTo(first.getDeliveryId()));
        assertThat(latest(endpoint.id())).filteredOn(d -> d.getKind() == DeliveryKind.REPLAY)
                .allSatisfy(d -> assertThat(d.getOrigin()).isEqualTo(replayId));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private Endpoint endpoint(String path, List<String> triggers, WebhookConditions conditions, WebhookSigning signing,
            int secrets, List<String> plan) {
        String unique = path + "-" + UUID.randomUUID().toString().substring(0, 6);
        Endpoint endpoint = bed.endpoint(agency, receiver.url(unique), triggers, conditions, signing, secrets);
        paths.put(path, unique);
        receiver.path(unique, signing == WebhookSigning.JWT ? "jwt" : "standard", endpoint.secrets(), endpoint.id(), plan);
        return endpoint;
    }

    private final java.util.Map<String, String> paths = new java.util.concurrent.ConcurrentHashMap<>();

    private void start() {
        try {
            bed.start(bed.settings(FAST));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private List<JsonNode> awaitReceived(String path, int count) {
        String unique = paths.getOrDefault(path, path);
        return await().atMost(Duration.ofSeconds(20)).until(() -> receiver.received(unique), r -> r.size() >= count);
    }

    private WebhookDelivery awaitEnded(String endpointId) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> latest(endpointId).stream()
                .filter(d -> d.getStatus() != DeliveryStatus.PENDING).findFirst().orElse(null), d -> d != null);
    }

    /** The newest record of each of the endpoint's deliveries. */
    private List<WebhookDelivery> latest(String endpointId) {
        java.util.Map<String, WebhookDelivery> byId = new java.util.LinkedHashMap<>();
        bed.deliveryLog().stream().filter(d -> d.getEndpointId().equals(endpointId))
                .forEach(d -> byId.put(d.getDeliveryId(), d));
        return List.copyOf(byId.values());
    }

    private List<WebhookCommand> commandsFor(String endpointId) {
        return bed.commands().stream().filter(c -> c.getEndpointId().equals(endpointId)).toList();
    }

    private WebhookRequest request(Endpoint endpoint, String requestId, Object payload) {
        return WebhookRequest.newBuilder().setRequestId(requestId).setAgencyId(agency).setEndpointId(endpoint.id())
                .setRequestedAt(Instant.now()).setActor("partner:test").setPayload(payload).build();
    }

    private static long gap(List<JsonNode> seen, int from, int to) {
        return seen.get(to).get("at").asLong() - seen.get(from).get("at").asLong();
    }

    private static String type(JsonNode seen) {
        try {
            return JSON.readTree(seen.get("body").asText()).get("type").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String session(JsonNode seen) {
        try {
            return JSON.readTree(seen.get("body").asText()).at("/data/session_id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }
}
