package io.tollgate.payment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket on a hand-driven ticker: no wall clock involved. */
class StripeRateLimiterTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<Duration> slept = new ArrayList<>();

    private StripeRateLimiter limiter(double perSecond) {
        return new StripeRateLimiter(perSecond, perSecond, nanos::get, slept::add);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void aQuietAccountSpendsItsBurstThenWaitsOneIntervalPerToken() {
        StripeRateLimiter limiter = limiter(25);

        for (int i = 0; i < 25; i++) {
            assertThat(limiter.reserve("acct_a")).isZero();
        }
        assertThat(limiter.reserve("acct_a")).isEqualTo(Duration.ofMillis(40));
        assertThat(limiter.reserve("acct_a")).isEqualTo(Duration.ofMillis(80));
    }

    @Test
    void tokensComeBackWithTimeButNeverBeyondTheBurst() {
        StripeRateLimiter limiter = limiter(10);
        for (int i = 0; i < 10; i++) {
            limiter.reserve(null);
        }
        assertThat(limiter.reserve(null)).isEqualTo(Duration.ofMillis(100));

        advance(Duration.ofMillis(300)); // three tokens back, one of them owed
        assertThat(limiter.reserve(null)).isZero();
        assertThat(limiter.reserve(null)).isZero();
        assertThat(limiter.reserve(null)).isEqualTo(Duration.ofMillis(100));

        advance(Duration.ofHours(1));
        for (int i = 0; i < 10; i++) {
            assertThat(limiter.reserve(null)).isZero();
        }
        assertThat(limiter.reserve(null)).isPositive();
    }

    @Test
    void eachStripeAccountHasItsOwnBucket() {
        StripeRateLimiter limiter = limiter(2);
        limiter.reserve("acct_busy");
        limiter.reserve("acct_busy");
        assertThat(limiter.reserve("acct_busy")).isPositive();

        assertThat(limiter.reserve("acct_quiet")).isZero();
        assertThat(limiter.reserve(null)).isZero();
    }

    @Test
    void acquireWaitsTheReservedTime() throws InterruptedException {
        StripeRateLimiter limiter = limiter(4);
        for (int i = 0; i < 5; i++) {
            limiter.acquire("acct_a");
        }

        assertThat(slept).containsExactly(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO,
                Duration.ofMillis(250));
    }

    @Test
    void defaultsFollowTheKeyMode() {
        assertThat(StripeRateLimiter.forConfig(StripeGatewayConfig.of("sk_test_x", null)).perSecond())
                .isEqualTo(25);
        assertThat(StripeRateLimiter.forConfig(StripeGatewayConfig.of("sk_live_x", null)).perSecond())
                .isEqualTo(100);
        assertThat(StripeRateLimiter.forConfig(StripeGatewayConfig.of("sk_live_x", null).withWritesPerSecond(7))
                .perSecond()).isEqualTo(7);
    }
}
