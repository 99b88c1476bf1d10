package io.tollgate.launcher;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true, description = "Prints a session's timeline from the journal.")
final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Option(names = "--session", required = true, paramLabel = "ID", description = "The session id.")
    String sessionId;

    @Option(names = "--json", description = "Print the timeline as JSON.")
    boolean json;

    @Override
    public Integer call() {
        return TollgateCli.notYet(spec, "comes with audit and replay");
    }
}
