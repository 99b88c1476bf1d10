package io.tollgate.orchestrator.merchants;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.crypto.SecretBox;
import io.tollgate.common.kafka.SharedKafka;
import io.tollgate.orchestrator.merchants.PartnerClient.Reply;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A restart (new Streams app instance and API over the same topics) keeps every merchant, hook and secret. */
@ExtendWith(SharedKafka.class)
class MerchantRestartTest {
    static final String KEY = "tg_test_restart_0123456789";
    static final Map<String, List<String>> PARTNER_KEYS = Map.of("acme", List.of(TollgateConfig.partnerKeyHash(KEY)));

    @Test
    void configurationAndSecretsSurviveARestart() throws Exception {
        String prefix = SharedKafka.uniqueName("merchant-restart");
        // the same master key across the restart, as MasterKeys gives `up` from the data dir
        byte[] masterKey = Base64.getDecoder().decode(SecretBox.newMasterKeyBase64());
        InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        MerchantTestApp.TestTopics topics = MerchantTestApp.TestTopics.create(prefix, registry);
        String m = "m1";
        String putKey = "put-1";
        String hookBody = "{\"url\":\"https://hooks.example.com/h\",\"fail_mode\":\"open\",\"timeout_ms\":2500}";

        String first;
        String second;
        long version;
        try (MerchantTestApp before = MerchantTestApp.start(topics, prefix + "-app", false, new SecretBox(masterKey), PARTNER_KEYS)) {
            PartnerClient client = PartnerClient.bearer(before, KEY);
            assertThat(client.put(MerchantApiTest.merchant("acme", m), null, "{\"display_name\":\"Shop\"}").status()).isEqualTo(200);
            first = client.put(MerchantApiTest.hook("acme", m), putKey, hookBody).json().get("secret").asText();
            Reply rotated = client.post(MerchantApiTest.rotate("acme", m), "rotate-1", null);
            second = rotated.json().get("secret").asText();
            version = rotated.json().get("version").asLong();
        }

        try (MerchantTestApp after = MerchantTestApp.start(topics, prefix + "-app", false, new SecretBox(masterKey), PARTNER_KEYS)) {
            PartnerClient client = PartnerClient.bearer(after, KEY);

            Reply hook = client.get(MerchantApiTest.hook("acme", m));
            assertThat(hook.status()).as(hook.toString()).isEqualTo(200);
            assertThat(hook.json().get("fail_mode").asText()).isEqualTo("open");
            assertThat(hook.json().get("timeout_ms").asInt()).isEqualTo(2500);
            assertThat(hook.json().get("version").asLong()).isEqualTo(version);
            assertThat(client.get(MerchantApiTest.merchant("acme", m)).json().get("display_name").asText()).isEqualTo("Shop");
            assertThat(after.directory().signingSecrets("acme", m, version, Duration.ofSeconds(5)))
                    .containsExactly(second, first);

            // the Idempotency-Keys are remembered too: replaying gives the first answer, secret included
            Reply replay = client.put(MerchantApiTest.hook("acme", m), putKey, hookBody);
            assertThat(replay.status()).isEqualTo(200);
            assertThat(replay.json().get("secret").asText()).isEqualTo(first);

            // and the fold goes on from the restored state, not from scratch
            Reply changed = client.put(MerchantApiTest.hook("acme", m), "put-2", "{\"url\":\"https://hooks.example.com/v2\"}");
            assertThat(changed.status()).as(changed.toString()).isEqualTo(200);
            assertThat(changed.json().get("version").asLong()).isEqualTo(version + 1);
            assertThat(changed.json().has("secret")).as("an update shows no secret").isFalse();
            assertThat(after.directory().signingSecrets("acme", m, version + 1, Duration.ofSeconds(5)))
                    .containsExactly(second, first);
        }
    }
}
