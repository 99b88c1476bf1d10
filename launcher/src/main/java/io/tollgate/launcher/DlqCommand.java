package io.tollgate.launcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = {"Inspects (list) and resends (resend) the commands the folds dead-lettered "
                + "(checkout.commands.v1.dlq, merchants.commands.v1.dlq).",
                "Reads a running cluster: --bootstrap-servers (and --schema-registry-url unless the in-process "
                + "registry's _tollgate_schemas topic is on that cluster)."},
        subcommands = {DlqListCommand.class, DlqResendCommand.class})
final class DlqCommand implements Callable<Integer> {
    static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    /** Prefix of every topic name; only tests set it, to keep their own topics on a shared broker. */
    String topicPrefix = "";

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing subcommand (list or resend)");
    }

    /** Checks {@code --topic} before anything connects. */
    static void checkSelection(CommandSpec spec, String selection) {
        if (!DeadLetterQueues.SELECTIONS.contains(selection)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--topic must be one of " + String.join(", ", DeadLetterQueues.SELECTIONS) + ", got '" + selection + "'");
        }
    }

    ClusterReader connect(ConfigOptions options) {
        return ClusterReader.connect(options.load(ClusterReader.DEFAULTS), topicPrefix);
    }

    /** One dead letter on one line: key, source, the command when it decodes, and the fold's error last (it is the longest). */
    static String describe(DeadLetterQueues.Letter letter) {
        StringBuilder line = new StringBuilder("key=").append(letter.record().key() == null ? "(none)" : letter.record().key())
                .append(" source=").append(letter.sourceTopic().orElse("(none)"));
        DeadLetterQueues.CommandSummary command = letter.command();
        if (command != null) {
            line.append(' ').append(command.type()).append(" command_id=").append(command.commandId())
                    .append(' ').append(command.subjectField()).append('=').append(command.subject());
        } else {
            line.append(" undecodable=").append(quoted(letter.undecodable()));
        }
        return line.append(" error=").append(letter.error().map(DlqCommand::quoted).orElse("(none)")).toString();
    }

    /** Quoted and escaped as a JSON string: an exception's text may hold quotes or line breaks. */
    private static String quoted(String text) {
        try {
            return JSON.writeValueAsString(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code --topic}'s values, for the help text. */
    static final class Selections implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return DeadLetterQueues.SELECTIONS.iterator();
        }
    }
}
