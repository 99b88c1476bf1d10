package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.payment.StripeResult.Created;
import io.tollgate.payment.StripeResult.Failed;
import io.tollgate.payment.StripeResult.RefundResult;
import io.tollgate.payment.StripeResult.Refunded;
import io.tollgate.payment.standin.RecordedRequest;
import io.tollgate.payment.standin.StripeStandIn;
import io.tollgate.schema.RefundRequested;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A payment that beat the session's cancel goes back: stripe-java's Refund.create against the stand-in. */
class StripeRefundTest {

    private StripeStandIn standIn;
    private StripeGateway gateway;

    @BeforeEach
    void start() {
        standIn = StripeStandIn.start();
        gateway = new StripeGateway(StripeGatewayConfig.of("sk_test_tollgate_refund", standIn.apiBase())
                .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(3))
                .withRetries(3, Duration.ofMillis(5), Duration.ofMillis(20)));
    }

    @AfterEach
    void stop() {
        standIn.close();
    }

    private String paidIntent(String sessionId) {
        Created created = (Created) gateway.createPaymentIntent(sessionId, "ag", "m", PaymentRequests.plain(sessionId));
        assertThat(standIn.pay(created.paymentIntentId(), "pm_card_visa")).isEqualTo("succeeded");
        return created.paymentIntentId();
    }

    private static RefundRequested refund(String paymentIntentId) {
        return RefundRequested.newBuilder().setPaymentIntentId(paymentIntentId).setStripeAccount(null)
                .setAmountMinor(2500).setReason("session_canceled").build();
    }

    private List<RecordedRequest> refunds() {
        return standIn.requests().stream().filter(r -> r.path().equals("/v1/refunds")).toList();
    }

    @Test
    void refundsTheWholePaymentWithAKeyNamingSessionAndIntent() {
        String pi = paidIntent("s_late");

        RefundResult result = gateway.refund("s_late", refund(pi));

        assertThat(result).isInstanceOfSatisfying(Refunded.class, r -> {
            assertThat(r.paymentIntentId()).isEqualTo(pi);
            assertThat(r.refundId()).startsWith("re_");
            assertThat(r.amountMinor()).isEqualTo(2500);
        });
        assertThat(standIn.amountRefunded(pi)).isEqualTo(2500);
        assertThat(refunds()).singleElement().satisfies(r -> {
            assertThat(r.idempotencyKey()).isEqualTo("tollgate_s_late_refund_" + pi);
            assertThat(r.params()).containsEntry("payment_intent", pi).containsEntry("metadata[session_id]", "s_late")
                    .containsEntry("metadata[tollgate_reason]", "session_canceled");
        });
    }

    @Test
    void aRedeliveredRefundGivesNothingBackTwice() {
        String pi = paidIntent("s_twice");
        Refunded first = (Refunded) gateway.refund("s_twice", refund(pi));

        Refunded again = (Refunded) gateway.refund("s_twice", refund(pi));

        assertThat(again.refundId()).as("Stripe replays the first answer").isEqualTo(first.refundId());
        assertThat(standIn.amountRefunded(pi)).isEqualTo(2500);
    }

    @Test
    void anIntentWithoutAPaymentCannotBeRefundedAndSaysSoPermanently() {
        Created created = (Created) gateway.createPaymentIntent("s_unpaid", "ag", "m", PaymentRequests.plain("s_unpaid"));

        RefundResult result = gateway.refund("s_unpaid", refund(created.paymentIntentId()));

        assertThat(result).isInstanceOfSatisfying(Failed.class, f -> {
            assertThat(f.code()).isEqualTo("charge_not_refundable");
            assertThat(f.permanent()).isTrue();
        });
        assertThat(standIn.amountRefunded(created.paymentIntentId())).isZero();
    }
}
