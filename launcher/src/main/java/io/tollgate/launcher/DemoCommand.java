package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Starts the embedded stack, runs the seed scenarios, prints each session's timeline, exits 0.")
final class DemoCommand implements Callable<Integer> {
    static final Map<String, String> DEFAULTS = Map.of(TollgateConfig.Setting.DEV_MODE.key(), "true");

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        String partnerKey = KeysNewCommand.newKey();
        TollgateConfig config = options.load(DEFAULTS).toBuilder()
                .addDevPartnerKey(DemoScenarios.AGENCY, partnerKey)
                .port(0)
                .managementPort(0)
                .build();
        var out = spec.commandLine().getOut();
        try (TollgateStack stack = TollgateStack.start(config, TollgateStack.all());
             SampleCapacityHook hook = new SampleCapacityHook();
             SamplePartnerEndpoint partnerEndpoint = new SamplePartnerEndpoint()) {
            out.println("Kafka (KRaft): " + stack.bootstrapServers());
            out.println("Schema registry: " + stack.registryUrl());
            out.println("API: " + stack.apiUrl().orElseThrow());
            stack.stripeStandIn().ifPresent(s -> out.println("Stripe: local stand-in at " + s.apiBase() + " (not Stripe)"));
            roundTrip(stack, out);
            int failures = new DemoScenarios(stack, partnerKey, hook, partnerEndpoint, out).run();
            out.println();
            out.println(failures == 0 ? "All seed scenarios ended as expected." : failures + " scenario(s) did not end as expected.");
            out.flush();
            return failures == 0 ? TollgateCli.OK : TollgateCli.FAILURE;
        }
    }

    /** A command through the Confluent wire format and back, to show what is on the topics. */
    private static void roundTrip(TollgateStack stack, java.io.PrintWriter out) {
        var topic = stack.topics().checkoutCommands();
        var command = io.tollgate.schema.CheckoutCommand.newBuilder()
                .setCommandId("demo-roundtrip").setSessionId("sess_demo").setAgencyId(DemoScenarios.AGENCY)
                .setMerchantId("studio").setIssuedAt(java.time.Instant.parse("2026-01-01T00:00:00Z")).setActor("demo")
                .setPayload(io.tollgate.schema.PartnerConfirm.newBuilder().build()).build();
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), command);
        var back = topic.valueSerde().deserializer().deserialize(topic.name(), bytes);
        out.printf("wire format: magic %d, schema id %d, %d bytes of Avro; read back: %s%n",
                bytes[0], ByteBuffer.wrap(bytes, 1, 4).getInt(), bytes.length - 5, back);
    }
}
