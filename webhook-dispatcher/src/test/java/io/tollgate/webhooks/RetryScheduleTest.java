package io.tollgate.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.common.config.TollgateConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private static final List<Duration> SVIX = TollgateConfig.DEFAULT_WEBHOOKS_RETRY_SCHEDULE;

    @Test
    void theDefaultIsSvixsScheduleOfEightAttemptsOverAboutADay() {
        RetrySchedule schedule = new RetrySchedule(SVIX, 0, () -> 0.5);

        assertThat(schedule.maxAttempts()).isEqualTo(8);
        assertThat(List.of(1, 2, 3, 4, 5, 6, 7)).map(n -> schedule.next(n, null).orElseThrow()).containsExactly(
                Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofHours(2),
                Duration.ofHours(5), Duration.ofHours(10), Duration.ofHours(10));
        assertThat(schedule.next(8, null)).as("the eighth attempt was the last").isEmpty();
        assertThat(SVIX.stream().reduce(Duration.ZERO, Duration::plus)).isBetween(Duration.ofHours(27), Duration.ofHours(28));
    }

    @Test
    void eachWaitIsJitteredWithinTenPercentEitherWay() {
        assertThat(new RetrySchedule(SVIX, 0.1, () -> 0.0).next(4, null)).contains(Duration.ofMinutes(108));
        assertThat(new RetrySchedule(SVIX, 0.1, () -> 0.999999).next(4, null).orElseThrow())
                .isBetween(Duration.ofMinutes(131), Duration.ofMinutes(132));
        RetrySchedule random = RetrySchedule.jittered(SVIX);
        for (int i = 0; i < 100; i++) {
            assertThat(random.next(2, null).orElseThrow()).isBetween(Duration.ofSeconds(270), Duration.ofSeconds(330));
        }
    }

    @Test
    void retryAfterIsALowerBoundCappedAtADay() {
        RetrySchedule schedule = new RetrySchedule(SVIX, 0, () -> 0.5);

        assertThat(schedule.next(1, Duration.ofSeconds(60))).contains(Duration.ofSeconds(60));
        assertThat(schedule.next(2, Duration.ofSeconds(60))).as("shorter than the step").contains(Duration.ofMinutes(5));
        assertThat(schedule.next(1, Duration.ofDays(3))).contains(RetrySchedule.MAX_RETRY_AFTER);
        assertThat(schedule.next(7, Duration.ofSeconds(1))).contains(Duration.ofHours(10));
        assertThat(schedule.next(8, Duration.ofSeconds(1))).as("Retry-After adds no attempt").isEmpty();
    }

    @Test
    void aScheduleNeedsAWaitAndASaneJitter() {
        assertThatThrownBy(() -> RetrySchedule.jittered(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetrySchedule(SVIX, 1.0, () -> 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
