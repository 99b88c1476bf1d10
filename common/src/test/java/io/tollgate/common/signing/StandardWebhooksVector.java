package io.tollgate.common.signing;

import java.time.Instant;

/** The test vector published with the Standard Webhooks specification (its reference libraries' tests). */
public final class StandardWebhooksVector {
    public static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public static final String WEBHOOK_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    public static final Instant TIMESTAMP = Instant.ofEpochSecond(1614265330);
    public static final String BODY = "{\"test\": 2432232314}";
    public static final String SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private StandardWebhooksVector() {
    }
}
