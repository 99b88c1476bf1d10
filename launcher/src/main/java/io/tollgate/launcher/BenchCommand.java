package io.tollgate.launcher;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Runs the load benchmark and its in-run baseline.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options;

    @Unmatched
    List<String> rest;

    @Override
    public Integer call() {
        return TollgateCli.notYet(spec, "comes with the benchmark");
    }
}
