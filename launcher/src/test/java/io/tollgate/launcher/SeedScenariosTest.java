package io.tollgate.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.schema.CheckoutEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The seed scenarios end to end with the real services — orchestrator, hook-caller, payment worker —
 * on an in-process KRaft broker, a signed call to a real HTTP hook, and stripe-java against the
 * Stripe stand-in with its signed webhooks; then the auditor's tools on what they left behind.
 */
class SeedScenariosTest {

    @Test
    void everySeedScenarioEndsAsTheSeedSaysAndReplaysExactly() throws Exception {
        String partnerKey = KeysNewCommand.newKey();
        TollgateConfig config = TollgateConfig.builder().devMode(true).port(0).managementPort(0).partitions(2)
                .addDevPartnerKey(DemoScenarios.AGENCY, partnerKey).commitIntervalMs(10).build();
        StringWriter printed = new StringWriter();
        try (TollgateStack stack = TollgateStack.start(config, TollgateStack.all());
             SampleCapacityHook hook = new SampleCapacityHook();
             SamplePartnerEndpoint partnerEndpoint = new SamplePartnerEndpoint()) {
            int failures = new DemoScenarios(stack, partnerKey, hook, partnerEndpoint, new PrintWriter(printed, true)).run();
            assertThat(failures).as(printed.toString()).isZero();
            // approved, approved by fail-open, deferred (held), and the webhook scenario's: the rejected
            // and the fail-closed commits never reached Stripe
            assertThat(stack.stripeStandIn().orElseThrow().paymentIntentCount()).isEqualTo(4);
            // the partner got the paid order once, signed: the dispatcher delivered it at the first attempt
            assertThat(partnerEndpoint.received()).singleElement().satisfies(r -> {
                assertThat(r.type()).isEqualTo("order.paid");
                assertThat(r.verified()).isTrue();
                assertThat(r.webhookId()).startsWith("msg_");
            });

            List<String> cluster = List.of("--bootstrap-servers", stack.bootstrapServers(),
                    "--schema-registry-url", stack.registryUrl(), "--set", "partitions=2");
            String session = firstSession(printed.toString());

            Run replay = run("replay", cluster);
            assertThat(replay.exit()).as(replay.out()).isZero();
            assertThat(replay.out()).contains("reproduced exactly").doesNotContain("difference");

            Run audit = run("audit", cluster, "--session", session);
            assertThat(audit.exit()).as(audit.out()).isZero();
            assertThat(audit.out()).contains("hash chain intact").contains("SessionCreated").contains("SessionPaid");

            forgeJournalEvent(stack, session);

            Run replayAfter = run("replay", cluster);
            assertThat(replayAfter.exit()).isEqualTo(TollgateCli.FAILURE);
            assertThat(replayAfter.out()).contains("1 difference(s)").contains("session " + session);
            Run auditAfter = run("audit", cluster, "--session", session, "--json");
            assertThat(auditAfter.exit()).isEqualTo(TollgateCli.FAILURE);
            assertThat(auditAfter.out()).contains("\"chain_intact\" : false");
        }
        assertThat(printed.toString())
                .contains("SessionPaid")
                .contains("\"reason\":\"class_full\"")
                .contains("pre_confirmation_unavailable")
                .contains("fail_mode open: approved by default")
                .contains("PaymentAuthorized").contains("funds held")
                .contains("PartnerConfirmed").contains("CaptureRequested")
                .contains("partner endpoint received order.paid").contains("signature verified: true")
                .contains("order.paid succeeded, 1 attempt(s), http 204");
    }

    private record Run(int exit, String out) {
    }

    private static Run run(String command, List<String> cluster, String... more) {
        StringWriter out = new StringWriter();
        CommandLine cli = TollgateCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        List<String> args = new java.util.ArrayList<>(List.of(command));
        args.addAll(cluster);
        args.addAll(List.of(more));
        return new Run(cli.execute(args.toArray(String[]::new)), out.toString());
    }

    private static String firstSession(String printed) {
        Matcher m = Pattern.compile("POST /v2/sessions/(sess_[0-9a-f]+)/confirm").matcher(printed);
        assertThat(m.find()).as(printed).isTrue();
        return m.group(1);
    }

    /** What a tamperer with write access to the journal could do: append an event no command caused. */
    private static void forgeJournalEvent(TollgateStack stack, String session) {
        var journal = stack.topics().checkoutEvents();
        CheckoutEvent forged = CheckoutEvent.newBuilder().setEventId("forged").setSessionId(session)
                .setAgencyId(DemoScenarios.AGENCY).setMerchantId("studio").setSeq(99)
                .setOccurredAt(java.time.Instant.parse("2026-01-01T00:00:00Z")).setCausedBy("nobody").setActor("tamperer")
                .setPrevHash("0".repeat(64))
                .setPayload(io.tollgate.schema.SessionCanceled.newBuilder().setReason("forged").build()).build();
        try (KafkaProducer<String, CheckoutEvent> producer = new KafkaProducer<>(stack.kafka().producer("forger"),
                journal.keySerde().serializer(), journal.valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(journal.name(), session, forged));
        }
    }
}
