package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import io.tollgate.common.trace.TraceContext;
import io.tollgate.payment.StripeResult.Canceled;
import io.tollgate.payment.StripeResult.Captured;
import io.tollgate.payment.StripeResult.CreateResult;
import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.StripeResult.Failed;
import io.tollgate.payment.StripeResult.Kind;
import io.tollgate.payment.standin.Fault;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.schema.CancelRequested;
import io.tollgate.schema.CaptureMethod;
import io.tollgate.schema.CaptureRequested;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** stripe-java, through StripeGateway, against the Stripe stand-in over real HTTP. */
class StripeGatewayTest {

    private static final String API_KEY = "sk_test_tollgate_gateway";

    private StripeStandIn standIn;
    private StripeGateway gateway;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
        gateway = new StripeGateway(config());
    }

    @AfterEach
    void stop() {
        standIn.close();
    }

    private StripeGatewayConfig config() {
        return StripeGatewayConfig.of(API_KEY, standIn.apiBase())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .withRetries(4, Duration.ofMillis(5), Duration.ofMillis(40));
    }

    private List<RecordedRequest> creates() {
        return standIn.requests().stream().filter(r -> r.path().equals("/v1/payment_intents")).toList();
    }

    /** stripe-java has no custom-header option: the trace rides on a per-request authenticator, which keeps the key. */
    @Test
    void aTracedGatewaySendsTraceparentOnEveryAttemptAndStillAuthenticates() {
        TraceContext trace = TraceContext.start();
        standIn.failNext(1, Fault.SERVER_ERROR);

        CreateResult result = gateway.withTrace(trace).createPaymentIntent("s_t", "ag_1", "m_1", PaymentRequests.plain("s_t"));
        gateway.createPaymentIntent("s_u", "ag_1", "m_1", PaymentRequests.plain("s_u"));

        assertThat(result).isInstanceOf(Created.class);
        assertThat(creates()).extracting(RecordedRequest::status, RecordedRequest::traceparent).containsExactly(
                tuple(500, trace.traceparent()), tuple(200, trace.traceparent()), tuple(200, null));
    }

    @Test
    void createsThePaymentIntentWithTheSessionKeyAndMetadata() {
        CreateResult result = gateway.createPaymentIntent("s_1", "ag_1", "m_1", PaymentRequests.plain("s_1"));

        assertThat(result).isInstanceOf(Created.class);
        Created created = (Created) result;
        assertThat(created.paymentIntentId()).startsWith("pi_");
        assertThat(created.clientSecret()).startsWith(created.paymentIntentId() + "_secret_");
        assertThat(created.status()).isEqualTo("requires_payment_method");
        assertThat(created.replayed()).isFalse();
        assertThat(created.toString()).doesNotContain(created.clientSecret());

        assertThat(creates()).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("POST");
            assertThat(r.idempotencyKey()).isEqualTo("tollgate_s_1_pi");
            assertThat(r.stripeAccount()).isNull();
            assertThat(r.params())
                    .containsEntry("amount", "2500")
                    .containsEntry("currency", "gbp")
                    .containsEntry("metadata[session_id]", "s_1")
                    .containsEntry("metadata[agency_id]", "ag_1")
                    .containsEntry("metadata[merchant_id]", "m_1")
                    .containsEntry("automatic_payment_methods[enabled]", "true")
                    .doesNotContainKeys("capture_method", "metadata[exemptions]",
                            "payment_method_options[card][request_three_d_secure]");
        });
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void theSameRequestTwiceIsOnePaymentIntentWithTheSameAnswer() {
        Created first = (Created) gateway.createPaymentIntent("s_2", "ag", "m", PaymentRequests.plain("s_2"));
        Created second = (Created) gateway.createPaymentIntent("s_2", "ag", "m", PaymentRequests.plain("s_2"));

        assertThat(second.paymentIntentId()).isEqualTo(first.paymentIntentId());
        assertThat(second.clientSecret()).isEqualTo(first.clientSecret());
        assertThat(second.status()).isEqualTo(first.status());
        assertThat(second.replayed()).isTrue();
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
        assertThat(creates()).extracting(RecordedRequest::replayed).containsExactly(false, true);
    }

    @Test
    void otherParametersUnderTheSameKeyAreAPermanentIdempotencyError() {
        gateway.createPaymentIntent("s_3", "ag", "m", PaymentRequests.plain("s_3"));

        CreateResult result = gateway.createPaymentIntent("s_3", "ag", "m",
                PaymentRequests.forSession("s_3").setAmountMinor(9999).build());

        assertThat(result).isInstanceOfSatisfying(Failed.class, f -> {
            assertThat(f.kind()).isEqualTo(Kind.IDEMPOTENCY);
            assertThat(f.code()).isEqualTo("idempotency_error");
            assertThat(f.permanent()).isTrue();
            assertThat(f.httpStatus()).isEqualTo(400);
        });
        assertThat(creates()).hasSize(2);
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void concurrentRequestsWithOneKeyMakeOnePaymentIntent() throws Exception {
        standIn.latency(Duration.ofMillis(500));
        // two worker instances; the loser sees 409 while the winner is in flight, then the replay
        StripeGatewayConfig patient = config().withRetries(8, Duration.ofMillis(50), Duration.ofMillis(400));
        StripeGateway workerA = new StripeGateway(patient);
        StripeGateway workerB = new StripeGateway(patient);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<CreateResult> a = CompletableFuture.supplyAsync(
                    () -> workerA.createPaymentIntent("s_4", "ag", "m", PaymentRequests.plain("s_4")), pool);
            await().atMost(Duration.ofSeconds(5)).until(() -> standIn.requestsInFlight() == 1);
            CompletableFuture<CreateResult> b = CompletableFuture.supplyAsync(
                    () -> workerB.createPaymentIntent("s_4", "ag", "m", PaymentRequests.plain("s_4")), pool);

            Created ca = (Created) a.get(10, TimeUnit.SECONDS);
            Created cb = (Created) b.get(10, TimeUnit.SECONDS);
            assertThat(cb.paymentIntentId()).isEqualTo(ca.paymentIntentId());
            assertThat(cb.clientSecret()).isEqualTo(ca.clientSecret());
        } finally {
            pool.shutdownNow();
        }
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
        assertThat(creates()).extracting(RecordedRequest::status).contains(409);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_4_pi");
    }

    @Test
    void serverErrorsAreRetriedWithTheSameKey() {
        standIn.failNext(2, Fault.SERVER_ERROR);

        CreateResult result = gateway.createPaymentIntent("s_5", "ag", "m", PaymentRequests.plain("s_5"));

        assertThat(result).isInstanceOf(Created.class);
        assertThat(creates()).extracting(RecordedRequest::status).containsExactly(500, 500, 200);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey)
                .containsExactly("tollgate_s_5_pi", "tollgate_s_5_pi", "tollgate_s_5_pi");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void rateLimitedRequestsAreRetried() {
        standIn.failNext(1, Fault.RATE_LIMITED);

        assertThat(gateway.createPaymentIntent("s_6", "ag", "m", PaymentRequests.plain("s_6")))
                .isInstanceOf(Created.class);
        assertThat(creates()).extracting(RecordedRequest::status).containsExactly(429, 200);
    }

    @Test
    void aDroppedConnectionIsRetriedWithTheSameKey() {
        // the JDK's HttpURLConnection silently resends a POST once when the server drops the connection; the
        // second drop reaches stripe-java as an ApiConnectionException, which only our policy retries
        standIn.failNext(2, Fault.CONNECTION_DROP);

        assertThat(gateway.createPaymentIntent("s_7", "ag", "m", PaymentRequests.plain("s_7")))
                .isInstanceOf(Created.class);
        assertThat(creates()).extracting(RecordedRequest::status).containsExactly(0, 0, 200);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_7_pi");
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
    }

    @Test
    void aReadTimeoutIsRetriedAndStripeAnswersWithTheFirstResult() {
        // the first request outlives our read timeout but completes at Stripe; retries meet it in flight (409)
        // or find its saved answer, never a second intent
        standIn.latency(Duration.ofMillis(600));
        StripeGateway impatient = new StripeGateway(config()
                .withTimeouts(Duration.ofSeconds(1), Duration.ofMillis(200))
                .withRetries(10, Duration.ofMillis(100), Duration.ofMillis(400)));

        CreateResult result = impatient.createPaymentIntent("s_7t", "ag", "m", PaymentRequests.plain("s_7t"));

        assertThat(result).isInstanceOfSatisfying(Created.class, c -> assertThat(c.replayed()).isTrue());
        assertThat(standIn.paymentIntentCount()).isEqualTo(1);
        assertThat(creates()).hasSizeGreaterThan(1);
        assertThat(creates()).extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_7t_pi");
    }

    @Test
    void stripeShouldRetryFalseStopsRetries() {
        standIn.failNext(1, Fault.SERVER_ERROR_DO_NOT_RETRY);

        CreateResult result = gateway.createPaymentIntent("s_8", "ag", "m", PaymentRequests.plain("s_8"));

        assertThat(result).isInstanceOfSatisfying(Failed.class, f -> {
            assertThat(f.httpStatus()).isEqualTo(500);
            assertThat(f.permanent()).isTrue();
        });
        assertThat(creates()).hasSize(1);
    }

    @Test
    void retriesRunOutAsATransientFailure() {
        standIn.failNext(10, Fault.SERVER_ERROR);

        CreateResult result = gateway.createPaymentIntent("s_9", "ag", "m", PaymentRequests.plain("s_9"));

        assertThat(result).isInstanceOfSatisfying(Failed.class, f -> {
            assertThat(f.kind()).isEqualTo(Kind.API);
            assertThat(f.permanent()).isFalse();
            assertThat(f.httpStatus()).isEqualTo(500);
        });
        assertThat(creates()).hasSize(4);
        assertThat(standIn.paymentIntentCount()).isZero();
    }

    @Test
    void anUnreachableStripeIsATransientConnectionFailure() {
        String base = standIn.apiBase();
        standIn.close();
        StripeGateway offline = new StripeGateway(StripeGatewayConfig.of(API_KEY, base)
                .withRetries(2, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertThat(offline.createPaymentIntent("s_10", "ag", "m", PaymentRequests.plain("s_10")))
                .isInstanceOfSatisfying(Failed.class, f -> {
                    assertThat(f.kind()).isEqualTo(Kind.CONNECTION);
                    assertThat(f.code()).isEqualTo("api_connection_error");
                    assertThat(f.permanent()).isFalse();
                    assertThat(f.httpStatus()).isNull();
                });
        standIn = StripeStandIn.start();
    }

    @Test
    void aWrongApiKeyIsPermanentAndNotRetried() {
        StripeGateway wrongKey = new StripeGateway(StripeGatewayConfig.of("sk_live_wrong", standIn.apiBase())
                .withRetries(4, Duration.ofMillis(1), Duration.ofMillis(2)));

        assertThat(wrongKey.createPaymentIntent("s_11", "ag", "m", PaymentRequests.plain("s_11")))
                .isInstanceOfSatisfying(Failed.class, f -> {
                    assertThat(f.kind()).isEqualTo(Kind.AUTHENTICATION);
                    assertThat(f.permanent()).isTrue();
                    assertThat(f.httpStatus()).isEqualTo(401);
                });
        assertThat(creates()).hasSize(1);
    }

    @Test
    void anInvalidRequestIsPermanentAndNotRetried() {
        CreateResult result = gateway.createPaymentIntent("s_12", "ag", "m",
                PaymentRequests.forSession("s_12").setAmountMinor(0).build());

        assertThat(result).isInstanceOfSatisfying(Failed.class, f -> {
            assertThat(f.kind()).isEqualTo(Kind.INVALID_REQUEST);
            assertThat(f.code()).isEqualTo("parameter_invalid_integer");
            assertThat(f.permanent()).isTrue();
        });
        assertThat(creates()).hasSize(1);
    }

    @Test
    void scaForceExemptionsAndManualCaptureReachStripe() {
        gateway.createPaymentIntent("s_13", "ag", "m", PaymentRequests.forSession("s_13")
                .setScaForce(true)
                .setExemptions(List.of("low_value", "trusted_beneficiary"))
                .setCaptureMethod(CaptureMethod.MANUAL)
                .build());

        assertThat(creates()).singleElement().satisfies(r -> assertThat(r.params())
                .containsEntry("payment_method_options[card][request_three_d_secure]", "any")
                .containsEntry("metadata[exemptions]", "low_value,trusted_beneficiary")
                .containsEntry("capture_method", "manual"));
    }

    @Test
    void theConnectedAccountIsSentAndScopesTheKey() {
        Created onAccount = (Created) gateway.createPaymentIntent("s_14", "ag", "m",
                PaymentRequests.forSession("s_14").setStripeAccount("acct_merchant14").build());
        Created onPlatform = (Created) gateway.createPaymentIntent("s_14", "ag", "m", PaymentRequests.plain("s_14"));

        assertThat(creates()).extracting(RecordedRequest::stripeAccount).containsExactly("acct_merchant14", null);
        assertThat(onPlatform.paymentIntentId()).isNotEqualTo(onAccount.paymentIntentId());
        assertThat(standIn.paymentIntentCount("acct_merchant14")).isEqualTo(1);
        assertThat(standIn.paymentIntentCount(null)).isEqualTo(1);
    }

    @Test
    void aManualCaptureIntentIsCapturedOnceWithTheCaptureKey() {
        Created created = (Created) gateway.createPaymentIntent("s_15", "ag", "m",
                PaymentRequests.forSession("s_15").setCaptureMethod(CaptureMethod.MANUAL)
                        .setStripeAccount("acct_15").build());
        assertThat(standIn.pay(created.paymentIntentId(), "pm_card_visa")).isEqualTo("requires_capture");

        CaptureRequested capture = CaptureRequested.newBuilder()
                .setPaymentIntentId(created.paymentIntentId()).setStripeAccount("acct_15").build();
        StripeResult first = gateway.capture("s_15", capture);
        StripeResult again = gateway.capture("s_15", capture);

        assertThat(first).isEqualTo(new Captured(created.paymentIntentId(), "succeeded", 2500));
        assertThat(again).isEqualTo(first);
        assertThat(standIn.requests()).filteredOn(r -> r.path().endsWith("/capture"))
                .extracting(RecordedRequest::idempotencyKey, RecordedRequest::stripeAccount, RecordedRequest::replayed)
                .containsExactly(
                        tuple("tollgate_s_15_capture", "acct_15", false),
                        tuple("tollgate_s_15_capture", "acct_15", true));
    }

    @Test
    void capturingAnIntentThatIsNotHeldIsAPermanentFailure() {
        Created created = (Created) gateway.createPaymentIntent("s_16", "ag", "m",
                PaymentRequests.forSession("s_16").setCaptureMethod(CaptureMethod.MANUAL).build());

        assertThat(gateway.capture("s_16", created.paymentIntentId(), null))
                .isInstanceOfSatisfying(Failed.class, f -> {
                    assertThat(f.code()).isEqualTo("payment_intent_unexpected_state");
                    assertThat(f.permanent()).isTrue();
                    assertThat(f.paymentIntentId()).isEqualTo(created.paymentIntentId());
                });
    }

    @Test
    void cancelUsesTheCancelKeyAndIsIdempotent() {
        Created created = (Created) gateway.createPaymentIntent("s_17", "ag", "m", PaymentRequests.plain("s_17"));
        CancelRequested cancel = CancelRequested.newBuilder()
                .setPaymentIntentId(created.paymentIntentId()).setStripeAccount(null).setReason("session_expired")
                .build();

        StripeResult first = gateway.cancel("s_17", cancel);
        StripeResult again = gateway.cancel("s_17", cancel);

        assertThat(first).isEqualTo(new Canceled(created.paymentIntentId(), "canceled"));
        assertThat(again).isEqualTo(first);
        assertThat(standIn.requests()).filteredOn(r -> r.path().endsWith("/cancel"))
                .extracting(RecordedRequest::idempotencyKey).containsOnly("tollgate_s_17_cancel");
        assertThat(standIn.events()).anySatisfy(e -> assertThat(e).contains("\"payment_intent.canceled\""));
    }

    @Test
    void cancelingAnIntentCanceledElsewhereCountsAsCanceled() {
        Created created = (Created) gateway.createPaymentIntent("s_18", "ag", "m", PaymentRequests.plain("s_18"));
        gateway.cancel("s_18_other_path", created.paymentIntentId(), null);

        assertThat(gateway.cancel("s_18", created.paymentIntentId(), null))
                .isEqualTo(new Canceled(created.paymentIntentId(), "canceled"));
    }

    @Test
    void cancelingAPaidIntentIsAPermanentFailure() {
        Created created = (Created) gateway.createPaymentIntent("s_19", "ag", "m", PaymentRequests.plain("s_19"));
        standIn.pay(created.paymentIntentId(), "pm_card_visa");

        assertThat(gateway.cancel("s_19", created.paymentIntentId(), null))
                .isInstanceOfSatisfying(Failed.class, f -> {
                    assertThat(f.kind()).isEqualTo(Kind.INVALID_REQUEST);
                    assertThat(f.code()).isEqualTo("payment_intent_unexpected_state");
                    assertThat(f.permanent()).isTrue();
                });
    }
}
