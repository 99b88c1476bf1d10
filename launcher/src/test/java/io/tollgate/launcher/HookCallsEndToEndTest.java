package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.launcher.EndToEndStack.Reply;
import io.tollgate.launcher.RecordingMerchantHook.Received;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The hook's test and call-list routes with the real services wired as {@code tollgate up} wires
 * them: the orchestrator sends test calls through the hook-caller's client, the hook-caller logs
 * the real calls, and the orchestrator lists both. Merchants are real HTTP servers that verify
 * every signature with the Standard Webhooks library.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HookCallsEndToEndTest {
    private static final String AGENCY = EndToEndStack.AGENCY;

    private final String acmeKey = e2e.key(AGENCY);
    private final String globexKey = e2e.key("globex");
    @RegisterExtension
    static final EndToEndStack e2e = new EndToEndStack("hook-calls-e2e", AGENCY, "globex");

    @Test
    void aTestOfAnApprovingHookIsSignedTypedAsATestAndListed() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/approve"));

        Reply test = send(acmeKey, "POST", test(m), null, null);

        assertThat(test.status()).as(test.json().toString()).isEqualTo(200);
        assertThat(test.json().get("outcome").asText()).isEqualTo("approved");
        assertThat(test.json().get("http_status").asInt()).isEqualTo(200);
        assertThat(test.json().get("parsed").asBoolean()).isTrue();
        assertThat(test.json().get("latency_ms").asLong()).isNotNegative();
        assertThat(test.json().get("url").asText()).isEqualTo(e2e.hooks().url("/approve"));
        assertThat(test.json().get("problems")).isEmpty();
        Received received = onlyCallTo(m);
        assertThat(received.verified()).isTrue();
        assertThat(received.type()).isEqualTo("checkout.pre_confirmation.test");
        assertThat(received.webhookId()).isEqualTo(test.json().get("webhook_id").asText());

        JsonNode listed = awaitListed(m, test.json().get("webhook_id").asText());
        assertThat(listed.get("test").asBoolean()).isTrue();
        assertThat(listed.get("attempt").asInt()).isZero();
        assertThat(listed.get("session_id").asText()).isEqualTo(received.sessionId());
        assertThat(listed.get("outcome").asText()).isEqualTo("approved");
        assertThat(listed.get("http_status").asInt()).isEqualTo(200);
    }

    @Test
    void aTestOfARejectingHookShowsTheReasonAndMessage() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/reject"));

        Reply test = send(acmeKey, "POST", test(m), null, null);

        assertThat(test.status()).isEqualTo(200);
        assertThat(test.json().get("outcome").asText()).isEqualTo("rejected");
        assertThat(test.json().get("parsed").asBoolean()).isTrue();
        assertThat(test.json().get("reason").asText()).isEqualTo("class_full");
        assertThat(test.json().get("message").asText()).isEqualTo("Sorry, that class is full");
        assertThat(onlyCallTo(m).verified()).isTrue();
        assertThat(awaitListed(m, test.json().get("webhook_id").asText()).get("outcome").asText()).isEqualTo("rejected");
    }

    @Test
    void aTestOfAFailingHookIsAnAnswerThatNamesTheProblem() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/fail"));

        Reply test = send(acmeKey, "POST", test(m), null, null);

        assertThat(test.status()).isEqualTo(200);
        assertThat(test.json().get("outcome").asText()).isEqualTo("unavailable");
        assertThat(test.json().get("parsed").asBoolean()).isFalse();
        assertThat(test.json().get("http_status").asInt()).isEqualTo(500);
        assertThat(test.json().get("reason").asText()).isEqualTo("http_5xx");
        assertThat(texts(test.json().get("problems"))).singleElement().asString().contains("HTTP 500");
        assertThat(onlyCallTo(m).verified()).isTrue();
        JsonNode listed = awaitListed(m, test.json().get("webhook_id").asText());
        assertThat(listed.get("reason").asText()).isEqualTo("http_5xx");
        assertThat(listed.get("test").asBoolean()).isTrue();
    }

    @Test
    void aTestOfAClosedPortSaysNothingListens() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        String m = merchantWithHook("http://127.0.0.1:" + closedPort + "/hook");

        Reply test = send(acmeKey, "POST", test(m), null, null);

        assertThat(test.status()).isEqualTo(200);
        assertThat(test.json().get("outcome").asText()).isEqualTo("unavailable");
        assertThat(test.json().get("reason").asText()).isEqualTo("connection_refused");
        assertThat(test.json().get("http_status").isNull()).isTrue();
        assertThat(texts(test.json().get("problems"))).singleElement().asString().contains("nothing listens");
        assertThat(awaitListed(m, test.json().get("webhook_id").asText()).get("reason").asText())
                .isEqualTo("connection_refused");
    }

    @Test
    void anotherAgencyGets404AndTheHookHearsNothing() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/approve"));

        Reply test = send(globexKey, "POST", test(m), null, null);
        Reply calls = send(globexKey, "GET", calls(m), null, null);

        assertThat(test.status()).isEqualTo(404);
        assertThat(calls.status()).isEqualTo(404);
        assertThat(e2e.hooks().receivedBy(m)).isEmpty();
    }

    @Test
    void aSecondTestWhileOneIsRunningIs429() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/slow"));

        CompletableFuture<Reply> first = CompletableFuture.supplyAsync(() -> send(acmeKey, "POST", test(m), null, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> !e2e.hooks().receivedBy(m).isEmpty());
        Reply second = send(acmeKey, "POST", test(m), null, null);
        e2e.hooks().releaseSlow();

        assertThat(second.status()).isEqualTo(429);
        assertThat(second.json().at("/error/code").asText()).isEqualTo("test_in_progress");
        assertThat(first.get(10, TimeUnit.SECONDS).json().get("outcome").asText()).isEqualTo("approved");
        assertThat(e2e.hooks().receivedBy(m)).hasSize(1);
    }

    @Test
    void callsMadeForACheckoutAreListedWithTheirSessionAndAttempt() throws Exception {
        String m = merchantWithHook(e2e.hooks().url("/reject"));
        Reply session = send(acmeKey, "POST", "/v2/sessions", "{\"merchant_id\":\"" + m + "\",\"cart\":{\"items\":[{"
                + "\"name\":\"Spin 6pm\",\"quantity\":1,\"unit_amount_minor\":2500}],\"total_minor\":2500,\"currency\":\"GBP\"}}",
                null);
        assertThat(session.status()).as(session.json().toString()).isEqualTo(201);
        String sessionId = session.json().get("id").asText();

        Reply confirm = send(acmeKey, "POST", "/v2/sessions/" + sessionId + "/confirm", "{}", "confirm-" + sessionId);
        assertThat(confirm.status()).as(confirm.json().toString()).isEqualTo(409);

        Received received = onlyCallTo(m);
        assertThat(received.type()).isEqualTo("checkout.pre_confirmation");
        JsonNode listed = awaitListed(m, received.webhookId());
        assertThat(listed.get("session_id").asText()).isEqualTo(sessionId);
        assertThat(listed.get("attempt").asInt()).isEqualTo(1);
        assertThat(listed.get("test").asBoolean()).isFalse();
        assertThat(listed.get("outcome").asText()).isEqualTo("rejected");
        assertThat(listed.get("reason").asText()).isEqualTo("class_full");
        assertThat(listed.get("http_status").asInt()).isEqualTo(200);
        assertThat(listed.get("timed_out").asBoolean()).isFalse();
    }

    private String merchantWithHook(String url) {
        return e2e.merchantWithHook(acmeKey, url);
    }

    private Received onlyCallTo(String merchant) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !e2e.hooks().receivedBy(merchant).isEmpty());
        assertThat(e2e.hooks().receivedBy(merchant)).hasSize(1);
        return e2e.hooks().receivedBy(merchant).get(0);
    }

    /** The call's entry in GET …/calls, once the log has reached this instance's view. */
    private JsonNode awaitListed(String merchant, String webhookId) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> {
            Reply calls = send(acmeKey, "GET", calls(merchant), null, null);
            assertThat(calls.status()).isEqualTo(200);
            return StreamSupport.stream(calls.json().get("data").spliterator(), false)
                    .filter(c -> c.get("webhook_id").asText().equals(webhookId)).findFirst().orElse(null);
        }, entry -> entry != null);
    }

    private static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String test(String merchant) {
        return "/v2/agencies/" + AGENCY + "/merchants/" + merchant + "/pre-confirmation/test";
    }

    private static String calls(String merchant) {
        return "/v2/agencies/" + AGENCY + "/merchants/" + merchant + "/pre-confirmation/calls";
    }

    private Reply send(String key, String method, String path, String body, String idempotencyKey) {
        return e2e.send(key, method, path, body, idempotencyKey);
    }
}
