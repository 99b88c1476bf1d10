package io.tollgate.launcher;

import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that runs one service alone until stopped, for scaling out on real infrastructure
 * ({@code tollgate orchestrator | hook-caller | payment-worker | webhook-dispatcher --config FILE}).
 */
abstract class ServiceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    abstract TollgateStack.Service service();

    @Override
    public Integer call() throws Exception {
        return UpCommand.runUntilStopped(spec, options.load(Map.of()), EnumSet.of(service()));
    }
}
