package io.tollgate.launcher;

import picocli.CommandLine.Command;

@Command(name = "hook-caller", mixinStandardHelpOptions = true,
        description = "Runs the hook caller alone: signed blocking calls to pre-confirmation hooks.")
final class HookCallerCommand extends ServiceCommand {
    @Override
    TollgateStack.Service service() {
        return TollgateStack.Service.HOOK_CALLER;
    }
}
