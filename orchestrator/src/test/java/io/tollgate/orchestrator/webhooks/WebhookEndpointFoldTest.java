package io.tollgate.orchestrator.webhooks;

import static io.tollgate.common.crypto.NamedSecrets.name;
import static io.tollgate.common.crypto.NamedSecrets.sealed;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.orchestrator.config.ConfigOutcome;
import io.tollgate.orchestrator.config.IdempotentAnswers;
import io.tollgate.schema.CreateEndpoint;
import io.tollgate.schema.DeleteEndpoint;
import io.tollgate.schema.DisableEndpoint;
import io.tollgate.schema.ReportEndpointHealth;
import io.tollgate.schema.RotateEndpointSecret;
import io.tollgate.schema.UpdateEndpoint;
import io.tollgate.schema.WebhookCommand;
import io.tollgate.schema.WebhookConditions;
import io.tollgate.schema.WebhookEndpoint;
import io.tollgate.schema.WebhookSigning;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every command of the endpoint fold, as a pure function of the endpoint and the command. */
class WebhookEndpointFoldTest {
    private static final Instant T0 = Instant.parse("2026-03-01T10:00:00Z");
    private static final long DAY = Duration.ofDays(1).toMillis();

    private final WebhookEndpointFold fold = new WebhookEndpointFold();
    private int counter;

    @Test
    void createMakesAnEnabledEndpointWithOneSecretAndRecordsTheKeysAnswer() {
        WebhookEndpoint created = applied(null, command(T0, "k1", "h1", "partner", create("s1")));

        assertThat(created.getEnabled()).isTrue();
        assertThat(created.getEnabledAt()).isEqualTo(T0);
        assertThat(created.getVersion()).isEqualTo(1);
        assertThat(created.getSecrets()).singleElement().satisfies(s -> assertThat(name(s.getSecret())).isEqualTo("s1"));
        assertThat(IdempotentAnswers.find(created.getIdempotency(), "k1")).hasValueSatisfying(a -> {
            assertThat(a.getRequestHash()).isEqualTo("h1");
            assertThat(name(a.getSecret())).isEqualTo("s1");
        });
    }

    @Test
    void theSameCommandOrKeyTwiceChangesNothingAndAKeyWithAnotherRequestIsRefused() {
        WebhookCommand create = command(T0, "k1", "h1", "partner", create("s1"));
        WebhookEndpoint created = applied(null, create);

        assertThat(fold.apply(created, create).written()).isFalse();
        assertThat(fold.apply(created, command(T0, "k1", "h1", "partner", create("s2"))).written()).isFalse();
        ConfigOutcome<WebhookEndpoint> reused = fold.apply(created, command(T0, "k1", "other", "partner", create("s3")));
        assertThat(reused.rejection().getCode()).isEqualTo(IdempotentAnswers.KEY_REUSED);
        ConfigOutcome<WebhookEndpoint> exists = fold.apply(created, command(T0, null, null, "partner", create("s3")));
        assertThat(exists.rejection().getCode()).isEqualTo(WebhookEndpointFold.ENDPOINT_EXISTS);
        assertThat(exists.config().getLastRejection().getCode()).isEqualTo(WebhookEndpointFold.ENDPOINT_EXISTS);
    }

    @Test
    void updateChangesWhatItNamesAndDisablingAndEnablingRecordWhyAndWhen() {
        WebhookEndpoint created = applied(null, command(T0, null, null, "partner", create("s1")));

        WebhookEndpoint off = applied(created, command(T0.plusSeconds(10), null, null, "partner:acme:k",
                UpdateEndpoint.newBuilder().setEnabled(false).setTriggers(List.of("order.failed")).build()));
        assertThat(off.getEnabled()).isFalse();
        assertThat(off.getTriggers()).containsExactly("order.failed");
        assertThat(off.getUrl()).isEqualTo(created.getUrl());
        assertThat(off.getDisabledReason()).isEqualTo("disabled by the partner");
        assertThat(off.getDisabledBy()).isEqualTo("partner:acme:k");

        WebhookEndpoint on = applied(off, command(T0.plusSeconds(20), null, null, "partner",
                UpdateEndpoint.newBuilder().setEnabled(true).setDescription("").build()));
        assertThat(on.getEnabled()).isTrue();
        assertThat(on.getEnabledAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(on.getDisabledReason()).isNull();
        assertThat(on.getDescription()).isNull();
        assertThat(on.getVersion()).isEqualTo(3);
    }

    @Test
    void healthReportsSetAndClearFailingSinceOnlyWhenItIsNews() {
        WebhookEndpoint created = applied(null, command(T0, null, null, "partner", create("s1")));

        WebhookEndpoint failing = applied(created, command(T0.plusSeconds(60), null, null, "webhook-dispatcher",
                health(true, T0.plusSeconds(59), "http_503")));
        assertThat(failing.getFailingSince()).isEqualTo(T0.plusSeconds(59));
        assertThat(failing.getFailureDetail()).isEqualTo("http_503");
        assertThat(fold.apply(failing, command(T0.plusSeconds(90), null, null, "webhook-dispatcher",
                health(true, T0.plusSeconds(89), "timeout"))).written()).as("already failing: the first failure counts")
                .isFalse();
        assertThat(fold.apply(failing, command(T0.plusSeconds(90), null, null, "webhook-dispatcher",
                health(false, T0.plusSeconds(30), null))).written()).as("a success from before the failing began").isFalse();

        WebhookEndpoint recovered = applied(failing, command(T0.plusSeconds(120), null, null, "webhook-dispatcher",
                health(false, T0.plusSeconds(119), null)));
        assertThat(recovered.getFailingSince()).isNull();
    }

    @Test
    void theDispatcherDisablesAnEndpointButNotWithAVerdictFromBeforeThePartnerEnabledItAgain() {
        WebhookEndpoint created = applied(null, command(T0, null, null, "partner", create("s1")));

        WebhookEndpoint gone = applied(created, command(T0.plusSeconds(5), null, null, "webhook-dispatcher",
                DisableEndpoint.newBuilder().setReason("the endpoint answered 410 Gone").setObservedAt(T0.plusSeconds(4))
                        .build()));
        assertThat(gone.getEnabled()).isFalse();
        assertThat(gone.getDisabledReason()).contains("410");
        assertThat(gone.getDisabledBy()).isEqualTo("webhook-dispatcher");

        WebhookEndpoint enabled = applied(gone, command(T0.plusSeconds(100), null, null, "partner",
                UpdateEndpoint.newBuilder().setEnabled(true).build()));
        ConfigOutcome<WebhookEndpoint> stale = fold.apply(enabled, command(T0.plusSeconds(101), null, null,
                "webhook-dispatcher", DisableEndpoint.newBuilder().setReason("late").setObservedAt(T0.plusSeconds(50)).build()));
        assertThat(stale.written()).isFalse();
        assertThat(stale.config().getEnabled()).isTrue();
    }

    @Test
    void rotationKeepsThePreviousSecretForTheGraceAndDeleteDropsEverySecret() {
        WebhookEndpoint created = applied(null, command(T0, null, null, "partner", create("s1")));

        WebhookEndpoint rotated = applied(created, command(T0.plusSeconds(60), "r1", "hr", "partner",
                RotateEndpointSecret.newBuilder().setSecret(sealed("s2")).setGraceMs(DAY).build()));
        assertThat(rotated.getSecrets()).extracting(s -> name(s.getSecret())).containsExactly("s2", "s1");
        assertThat(rotated.getSecrets().get(1).getExpiresAt()).isEqualTo(T0.plusSeconds(60).plusMillis(DAY));
        assertThat(name(IdempotentAnswers.find(rotated.getIdempotency(), "r1").orElseThrow().getSecret())).isEqualTo("s2");

        WebhookEndpoint deleted = applied(rotated, command(T0.plusSeconds(120), null, null, "partner",
                DeleteEndpoint.newBuilder().build()));
        assertThat(deleted.getDeletedAt()).isEqualTo(T0.plusSeconds(120));
        assertThat(deleted.getSecrets()).isEmpty();
        assertThat(deleted.getEnabled()).isFalse();
        assertThat(fold.apply(deleted, command(T0.plusSeconds(130), null, null, "partner",
                UpdateEndpoint.newBuilder().setEnabled(true).build())).rejection().getCode())
                .isEqualTo(WebhookEndpointFold.ENDPOINT_NOT_FOUND);
    }

    @Test
    void foldingTheSameCommandsAgainGivesTheSameEndpoint() {
        List<WebhookCommand> commands = List.of(command(T0, "k", "h", "partner", create("s1")),
                command(T0.plusSeconds(1), null, null, "webhook-dispatcher", health(true, T0, "timeout")),
                command(T0.plusSeconds(2), "r", "hr", "partner",
                        RotateEndpointSecret.newBuilder().setSecret(sealed("s2")).setGraceMs(DAY).build()));

        assertThat(foldAll(commands)).isEqualTo(foldAll(commands));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private WebhookEndpoint foldAll(List<WebhookCommand> commands) {
        WebhookEndpoint endpoint = null;
        for (WebhookCommand command : commands) {
            endpoint = fold.apply(endpoint, command).config();
        }
        return endpoint;
    }

    private WebhookEndpoint applied(WebhookEndpoint current, WebhookCommand command) {
        ConfigOutcome<WebhookEndpoint> outcome = fold.apply(current, command);
        assertThat(outcome.rejected()).as(String.valueOf(outcome.rejection())).isFalse();
        assertThat(outcome.written()).isTrue();
        return outcome.config();
    }

    private WebhookCommand command(Instant at, String key, String hash, String actor, Object payload) {
        return WebhookCommand.newBuilder().setCommandId("wcmd-" + (++counter)).setAgencyId("acme").setEndpointId("we_1")
                .setIssuedAt(at).setActor(actor).setIdempotencyKey(key).setRequestHash(hash).setPayload(payload).build();
    }

    private static CreateEndpoint create(String secret) {
        return CreateEndpoint.newBuilder().setUrl("https://partner.example.com/orders").setDescription(null)
                .setTriggers(new ArrayList<>(List.of("order.paid"))).setConditions(WebhookConditions.newBuilder()
                        .setMerchantIds(List.of()).setCurrencies(List.of()).setDecisions(List.of()).build())
                .setEnabled(true).setSigning(WebhookSigning.STANDARD_WEBHOOKS).setSecret(sealed(secret)).build();
    }

    private static ReportEndpointHealth health(boolean failing, Instant observed, String detail) {
        return ReportEndpointHealth.newBuilder().setFailing(failing).setObservedAt(observed).setDetail(detail).build();
    }
}
