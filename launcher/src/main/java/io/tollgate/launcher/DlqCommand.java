package io.tollgate.launcher;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

@Command(name = "dlq", mixinStandardHelpOptions = true, description = "Inspects (list) and resends (resend) dead letters.")
final class DlqCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Parameters(index = "0", arity = "0..1", paramLabel = "list|resend")
    String action;

    @Unmatched
    List<String> rest;

    @Override
    public Integer call() {
        return TollgateCli.notYet(spec, "comes with dead letters");
    }
}
