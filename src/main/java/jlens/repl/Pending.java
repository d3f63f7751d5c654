package jlens.repl;

/** Says plainly which part of jlens a command is waiting for, when this build lacks it. */
final class Pending {
    private Pending() {}

    static UserError missing(String command, String pkg) {
        return new UserError("'" + command + "' needs " + pkg + ", which this build does not include yet");
    }
}
