package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.StripeClient;
import com.stripe.exception.ApiException;
import com.stripe.exception.CardException;
import com.stripe.exception.StripeException;
import com.stripe.model.PaymentIntent;
import com.stripe.net.RequestOptions;
import com.stripe.param.PaymentIntentConfirmParams;
import com.stripe.param.PaymentIntentCreateParams;
import io.tollgate.payment.standin.Fault;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.payment.standin.StripeStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The retry policy, fed real stripe-java exceptions from the stand-in; waits go to a recording sleeper, so
 * nothing here depends on the wall clock.
 */
class StripeRetryPolicyTest {

    private final List<Duration> waits = new ArrayList<>();
    private StripeStandIn standIn;
    private StripeClient client;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
        client = StripeClient.builder().setApiKey("sk_test_policy").setApiBase(standIn.apiBase())
                .setMaxNetworkRetries(0).setReadTimeout(3000).build();
    }

    @AfterEach
    void stop() {
        standIn.close();
    }

    private StripeRetryPolicy policy(int attempts, double random) {
        return new StripeRetryPolicy(attempts, Duration.ofMillis(100), Duration.ofSeconds(1), () -> random,
                waits::add);
    }

    private PaymentIntent createIntent() throws StripeException {
        return client.paymentIntents().create(PaymentIntentCreateParams.builder()
                .setAmount(1000L).setCurrency("eur").build(), RequestOptions.builder()
                .setIdempotencyKey("tollgate_policy_pi").build());
    }

    @Test
    void aCardDeclineIsNotRetried() throws Exception {
        PaymentIntent pi = createIntent();
        standIn.clearRequests();
        StripeRetryPolicy policy = policy(5, 0.5);

        assertThatThrownBy(() -> policy.execute("confirm", "s_policy", attempt -> client.paymentIntents().confirm(
                pi.getId(), PaymentIntentConfirmParams.builder().setPaymentMethod("pm_card_chargeDeclined").build(),
                RequestOptions.builder().setIdempotencyKey("tollgate_policy_confirm").build())))
                .isInstanceOfSatisfying(CardException.class, e -> {
                    assertThat(e.getCode()).isEqualTo("card_declined");
                    assertThat(e.getDeclineCode()).isEqualTo("generic_decline");
                    assertThat(e.getStatusCode()).isEqualTo(402);
                    assertThat(e.getStripeError().getPaymentIntent().getLastPaymentError().getCode())
                            .isEqualTo("card_declined");
                    assertThat(policy.isRetryable(e)).isFalse();
                });
        assertThat(standIn.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void transientErrorsAreRetriedWithTheSameRequestUntilAttemptsRunOut() {
        standIn.failNext(3, Fault.SERVER_ERROR);
        StripeRetryPolicy policy = policy(3, 0.0);

        assertThatThrownBy(() -> policy.execute("create", "s_policy", attempt -> createIntent()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getStatusCode()).isEqualTo(500));
        assertThat(standIn.requests()).extracting(RecordedRequest::idempotencyKey)
                .containsExactly("tollgate_policy_pi", "tollgate_policy_pi", "tollgate_policy_pi");
        assertThat(waits).containsExactly(Duration.ofMillis(50), Duration.ofMillis(100));
    }

    @Test
    void aConflictAndARateLimitAreRetried() throws Exception {
        standIn.failNext(1, Fault.RATE_LIMITED);
        StripeRetryPolicy policy = policy(3, 0.0);

        PaymentIntent pi = policy.execute("create", "s_policy", attempt -> createIntent());

        assertThat(pi.getId()).startsWith("pi_");
        assertThat(standIn.requests()).extracting(RecordedRequest::status).containsExactly(429, 200);
        assertThat(waits).hasSize(1);
    }

    @Test
    void stripeShouldRetryFalseWinsOverA500() {
        standIn.failNext(1, Fault.SERVER_ERROR_DO_NOT_RETRY);
        StripeRetryPolicy policy = policy(5, 0.0);

        assertThatThrownBy(() -> policy.execute("create", "s_policy", attempt -> createIntent()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(policy.isRetryable(e)).isFalse());
        assertThat(standIn.requests()).hasSize(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void backoffDoublesUpToTheCapWithJitterInTheUpperHalf() {
        StripeRetryPolicy low = policy(10, 0.0);
        StripeRetryPolicy high = policy(10, 0.999_999);

        assertThat(low.backoff(1)).isEqualTo(Duration.ofMillis(50));
        assertThat(low.backoff(2)).isEqualTo(Duration.ofMillis(100));
        assertThat(low.backoff(3)).isEqualTo(Duration.ofMillis(200));
        assertThat(low.backoff(5)).isEqualTo(Duration.ofMillis(500));
        assertThat(low.backoff(40)).isEqualTo(Duration.ofMillis(500));
        assertThat(high.backoff(1)).isBetween(Duration.ofMillis(99), Duration.ofMillis(100));
        assertThat(high.backoff(4)).isBetween(Duration.ofMillis(799), Duration.ofMillis(800));
        assertThat(high.backoff(5)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
        assertThat(high.backoff(200)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
    }
}
