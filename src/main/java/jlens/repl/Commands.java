package jlens.repl;

/** Builds the one command registry from the command families. */
final class Commands {
    private Commands() {}

    static CommandRegistry registry() {
        return new CommandRegistry()
                .addAll(ModelCommands.all())
                .addAll(TextCommands.all())
                .addAll(HookCommands.all())
                .add(SplitCommands.command())
                .addAll(StatsCommands.all())
                .addAll(ProbeCommands.all())
                .addAll(DetectCommands.all())
                .addAll(CircuitCommands.all())
                .addAll(GraphCommands.all())
                .add(GenerateCommands.command())
                .addAll(SteerCommands.all())
                .addAll(SaeCommands.all())
                .add(PromptCommands.command())
                .add(CorpusCommands.command())
                .add(SaveCommand.command())
                .add(ViewCommand.command())
                .add(Tour.command())
                .addAll(ShellCommands.all())
                .alias("exit", "quit")
                ;
    }
}
