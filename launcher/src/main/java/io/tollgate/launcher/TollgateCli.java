package io.tollgate.launcher;

import io.tollgate.common.config.TollgateConfig;
import io.tollgate.common.config.TollgateConfig.InvalidConfigException;
import io.tollgate.launcher.chaos.ChaosCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code tollgate} command line (design.md, "CLI"). Commands start services; they hold no business logic. */
@Command(name = "tollgate",
        mixinStandardHelpOptions = true,
        versionProvider = TollgateCli.Version.class,
        description = "Event-sourced checkout orchestrator on Apache Kafka with a blocking pre-confirmation hook.",
        subcommands = {
            DemoCommand.class,
            UpCommand.class,
            OrchestratorCommand.class,
            HookCallerCommand.class,
            PaymentWorkerCommand.class,
            WebhookDispatcherCommand.class,
            KeysCommand.class,
            AuditCommand.class,
            ReplayCommand.class,
            DlqCommand.class,
            BenchCommand.class,
            ChaosCommand.class,
            RegistryCommand.class,
            StripeStandInCommand.class,
            FlappingHookCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:failure while running",
            "2:usage error, or a request refused (e.g. dlq resend of a record that is not a dead letter)",
            "3:invalid configuration (the message names the setting)"
        },
        footer = "%nSettings: file (--config) < environment < flags; see docs/configuration.md.")
public final class TollgateCli implements Runnable {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    static final int INVALID_CONFIG = 3;

    private static final Logger log = LoggerFactory.getLogger(TollgateCli.class);

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code; {@link #main} only adds the exit. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TollgateCli());
        cli.setExecutionExceptionHandler(TollgateCli::handle);
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
    }

    /** Where the embedded broker keeps its data: {@code <data dir>/kafka}, or a temp directory. */
    static Path embeddedKafkaDir(TollgateConfig config) {
        return config.dataDir().map(dir -> dir.resolve("kafka")).orElse(null);
    }

    private static int handle(Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (e instanceof InvalidConfigException) {
            err.println("tollgate: invalid configuration: " + e.getMessage());
            return INVALID_CONFIG;
        }
        StringBuilder message = new StringBuilder("tollgate " + commandLine.getCommandName() + ": " + e.getMessage());
        for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            message.append("\n  caused by: ").append(cause);
        }
        err.println(message);
        log.debug("command_failed command={}", commandLine.getCommandName(), e);
        return FAILURE;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TollgateCli.class.getPackage().getImplementationVersion();
            return new String[] {"tollgate " + (version == null ? "(development build)" : version)};
        }
    }
}
