package io.tollgate.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "payment-worker", mixinStandardHelpOptions = true,
        description = "Runs the payment worker alone: creates Stripe PaymentIntents for approved checkouts.")
final class PaymentWorkerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Override
    public Integer call() throws Exception {
        return UpCommand.runUntilStopped(spec, options.load(java.util.Map.of()),
                java.util.EnumSet.of(TollgateStack.Service.PAYMENT_WORKER));
    }
}
