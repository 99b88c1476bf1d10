package io.tollgate.launcher;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"Prints the dead letters, oldest first, one per line: where it is (TOPIC:PARTITION:OFFSET, "
                + "what resend --offset takes), its time, key and source topic, the command (type, command_id, session "
                + "or merchant) when its bytes decode, and the fold's error. Exits 0, also when there are none."})
final class DlqListCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    DlqCommand dlq;

    @Mixin
    ConfigOptions options;

    @Option(names = "--topic", defaultValue = "all", paramLabel = "QUEUE", completionCandidates = DlqCommand.Selections.class,
            description = "Which dead-letter topic: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--limit", defaultValue = "100", paramLabel = "N", description = "Print the newest N (default ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        DlqCommand.checkSelection(spec, topic);
        if (limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1, got " + limit);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (ClusterReader cluster = dlq.connect(options)) {
            DeadLetterQueues queues = new DeadLetterQueues(cluster);
            // by time across the queues, so that --limit keeps the newest whichever topic they are on
            List<DeadLetterQueues.Letter> letters = queues.read(queues.select(topic)).stream()
                    .sorted(Comparator.comparing(DeadLetterQueues.Letter::timestamp)).toList();
            List<DeadLetterQueues.Letter> shown = letters.subList(Math.max(0, letters.size() - limit), letters.size());
            if (json) {
                out.println(DlqCommand.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(asJson(shown)));
            } else if (letters.isEmpty()) {
                out.println("no dead letters in " + String.join(", ", queues.select(topic).stream().map(q -> q.topic().name()).toList()));
            } else {
                for (DeadLetterQueues.Letter letter : shown) {
                    out.printf("%s  %s  %s%n", letter.position(), letter.timestamp(), DlqCommand.describe(letter));
                }
                out.printf("%d dead letter(s)%s%n", letters.size(),
                        shown.size() < letters.size() ? ", the newest " + shown.size() + " shown (--limit)" : "");
            }
            out.flush();
            return TollgateCli.OK;
        }
    }

    private static ArrayNode asJson(List<DeadLetterQueues.Letter> letters) {
        ArrayNode array = DlqCommand.JSON.createArrayNode();
        for (DeadLetterQueues.Letter letter : letters) {
            ObjectNode node = array.addObject();
            node.put("dlq_topic", letter.record().topic());
            node.put("partition", letter.record().partition());
            node.put("offset", letter.record().offset());
            node.put("position", letter.position().toString());
            node.put("timestamp", letter.timestamp().toString());
            node.put("key", letter.record().key());
            node.put("error", letter.error().orElse(null));
            node.put("source_topic", letter.sourceTopic().orElse(null));
            DeadLetterQueues.CommandSummary command = letter.command();
            if (command == null) {
                node.putNull("command");
            } else {
                node.putObject("command").put("type", command.type()).put("command_id", command.commandId())
                        .put(command.subjectField(), command.subject());
            }
            node.put("undecodable", letter.undecodable());
        }
        return array;
    }
}
