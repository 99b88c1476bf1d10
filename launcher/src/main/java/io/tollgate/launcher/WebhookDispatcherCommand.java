package io.tollgate.launcher;

import picocli.CommandLine.Command;

@Command(name = "webhook-dispatcher", mixinStandardHelpOptions = true,
        description = "Runs the webhook dispatcher alone: sends order events to partners' webhook endpoints.")
final class WebhookDispatcherCommand extends ServiceCommand {
    @Override
    TollgateStack.Service service() {
        return TollgateStack.Service.WEBHOOK_DISPATCHER;
    }
}
