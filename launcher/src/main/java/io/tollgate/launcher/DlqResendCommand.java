package io.tollgate.launcher;

import io.tollgate.launcher.DeadLetterQueues.Letter;
import io.tollgate.launcher.DeadLetterQueues.Position;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "resend", mixinStandardHelpOptions = true,
        description = {"Appends dead letters again to the command topic they came from: the same key and bytes, their "
                + "headers without the tollgate.* ones, plus tollgate.resent.from=TOPIC:PARTITION:OFFSET. Prints what "
                + "was sent. Refuses (exit 2, nothing sent) anything that is not a dead letter a fold wrote.",
                "A command whose cause was not fixed (a key that is not its session or merchant, a fold bug not yet "
                + "deployed) is dead-lettered again. A repeat is dropped while the fold still remembers the command_id "
                + "(checkout: among the session's last 64 commands; merchants: the merchant's last command, or its "
                + "Idempotency-Key among the last 100); see docs/operations.md."})
final class DlqResendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    DlqCommand dlq;

    @Mixin
    ConfigOptions options;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Chosen chosen;

    @Option(names = "--topic", defaultValue = "all", paramLabel = "QUEUE", completionCandidates = DlqCommand.Selections.class,
            description = "Which dead-letter topic: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    String topic;

    @Option(names = "--dry-run", description = "Print what would be sent; send nothing.")
    boolean dryRun;

    static final class Chosen {
        @Option(names = "--offset", required = true, paramLabel = "TOPIC:PARTITION:OFFSET",
                description = "A dead letter, as list prints it (repeatable).")
        List<String> offsets;

        @Option(names = "--all", required = true, description = "Every dead letter of --topic.")
        boolean all;
    }

    @Override
    public Integer call() throws Exception {
        DlqCommand.checkSelection(spec, topic);
        // a set: the same dead letter named twice (0:5 and 00:5) goes once
        Set<Position> positions = new LinkedHashSet<>();
        if (chosen.offsets != null) {
            for (String text : chosen.offsets) {
                try {
                    positions.add(Position.parse(text));
                } catch (IllegalArgumentException e) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--offset: " + e.getMessage());
                }
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        try (ClusterReader cluster = dlq.connect(options)) {
            DeadLetterQueues queues = new DeadLetterQueues(cluster);
            List<Letter> held = queues.read(queues.select(topic));
            List<Letter> letters = new ArrayList<>();
            List<String> refusals = new ArrayList<>();
            if (chosen.all) {
                if (held.isEmpty()) {
                    out.println("no dead letters to resend");
                    out.flush();
                    return TollgateCli.OK;
                }
                letters.addAll(held);
            } else {
                Map<Position, Letter> byPosition = held.stream().collect(Collectors.toMap(Letter::position, Function.identity()));
                for (Position position : positions) {
                    Letter letter = byPosition.get(position);
                    if (letter != null) {
                        letters.add(letter);
                    } else if (queues.queueOf(position.topic()).isEmpty()) {
                        refusals.add(position + " is not on a dead-letter topic (" + String.join(", ", queues.topicNames()) + ")");
                    } else if (queues.select(topic).stream().noneMatch(q -> q.topic().name().equals(position.topic()))) {
                        refusals.add(position + " is not on the dead-letter topic --topic " + topic + " chose");
                    } else {
                        refusals.add(position + " is not a dead letter: there is no such record (dead letters are kept 7 days)");
                    }
                }
            }
            letters.forEach(letter -> DeadLetterQueues.refusal(letter).ifPresent(refusals::add));
            if (!refusals.isEmpty()) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("tollgate dlq resend: refused, nothing sent:");
                refusals.forEach(r -> err.println("  " + r));
                if (chosen.all) {
                    err.println("resend the others with --offset");
                }
                err.flush();
                return TollgateCli.USAGE;
            }
            if (dryRun) {
                letters.forEach(letter -> out.printf("would resend %s -> %s  %s%n", letter.position(),
                        letter.sourceTopic().orElseThrow(), DlqCommand.describe(letter)));
                out.printf("dry run: %d dead letter(s) would be resent; nothing sent%n", letters.size());
            } else {
                resend(cluster, letters, out);
            }
            out.flush();
            return TollgateCli.OK;
        }
    }

    /** One at a time, each acknowledged before the next is printed: what the output lists was sent. */
    private static void resend(ClusterReader cluster, List<Letter> letters, PrintWriter out) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(cluster.clients().producer("tollgate-dlq-resend"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Letter letter : letters) {
                RecordMetadata sent = producer.send(DeadLetterQueues.resendRecord(letter)).get();
                out.printf("resent %s -> %s  %s%n", letter.position(), new Position(sent.topic(), sent.partition(), sent.offset()),
                        DlqCommand.describe(letter));
                out.flush();
            }
        }
        out.printf("resent %d dead letter(s)%n", letters.size());
    }
}
