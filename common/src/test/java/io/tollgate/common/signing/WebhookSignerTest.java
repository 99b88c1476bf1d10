package io.tollgate.common.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.standardwebhooks.Webhook;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

    private final WebhookSigner signer = new WebhookSigner();

    @Test
    void reproducesTheStandardWebhooksTestVector() {
        SignatureHeaders headers = signer.sign(StandardWebhooksVector.WEBHOOK_ID, StandardWebhooksVector.TIMESTAMP,
                StandardWebhooksVector.BODY, List.of(StandardWebhooksVector.SECRET));

        assertThat(headers.signature()).isEqualTo(StandardWebhooksVector.SIGNATURE);
        assertThat(headers.timestamp()).isEqualTo(1614265330L);
        assertThat(headers.webhookId()).isEqualTo(StandardWebhooksVector.WEBHOOK_ID);
    }

    @Test
    void duringRotationEachSecretSignsAndEachSignatureVerifiesAlone() throws Exception {
        String oldSecret = new SigningSecrets().next();
        String newSecret = new SigningSecrets().next();
        Instant now = Instant.now();

        SignatureHeaders headers = signer.sign("msg_1", now, "{\"a\":1}", List.of(newSecret, oldSecret));

        String[] signatures = headers.signature().split(" ");
        assertThat(signatures).hasSize(2).allSatisfy(s -> assertThat(s).startsWith("v1,"));
        for (String secret : List.of(oldSecret, newSecret)) {
            new Webhook(secret).verify("{\"a\":1}", Map.of(
                    "webhook-id", List.of("msg_1"),
                    "webhook-timestamp", List.of(Long.toString(now.getEpochSecond())),
                    "webhook-signature", List.of(headers.signature())));
        }
        assertThat(signatures[0]).isEqualTo(new Webhook(newSecret).sign("msg_1", now.getEpochSecond(), "{\"a\":1}"));
        assertThat(signatures[1]).isEqualTo(new Webhook(oldSecret).sign("msg_1", now.getEpochSecond(), "{\"a\":1}"));
    }

    @Test
    void refusesToSignWithoutASecret() {
        assertThatThrownBy(() -> signer.sign("msg_1", Instant.now(), "{}", List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBrokenSecretIsReportedWithoutEchoingIt() {
        assertThatThrownBy(() -> signer.sign("msg_1", Instant.now(), "{}", List.of("whsec_not-base64!!")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("not-base64");
    }
}
