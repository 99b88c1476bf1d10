package io.tollgate.launcher;

import picocli.CommandLine.Command;

@Command(name = "payment-worker", mixinStandardHelpOptions = true,
        description = "Runs the payment worker alone: creates Stripe PaymentIntents for approved checkouts.")
final class PaymentWorkerCommand extends ServiceCommand {
    @Override
    TollgateStack.Service service() {
        return TollgateStack.Service.PAYMENT_WORKER;
    }
}
