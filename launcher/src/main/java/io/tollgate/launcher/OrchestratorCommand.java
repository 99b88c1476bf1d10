package io.tollgate.launcher;

import picocli.CommandLine.Command;

@Command(name = "orchestrator", mixinStandardHelpOptions = true,
        description = "Runs the HTTP API and the checkout, merchant and webhook endpoint folds alone, for scaling out.")
final class OrchestratorCommand extends ServiceCommand {
    @Override
    TollgateStack.Service service() {
        return TollgateStack.Service.ORCHESTRATOR;
    }
}
