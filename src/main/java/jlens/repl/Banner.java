package jlens.repl;

import jlens.model.Gpt2Config;

/** The lines printed at start-up: what was loaded and how the output is drawn. */
final class Banner {
    private Banner() {}

    static String modeName(jlens.chart.ColorMode m) {
        return switch (m) {
            case TRUECOLOR -> "truecolor";
            case COLOR256 -> "256";
            case COLOR16 -> "16";
            case MONO -> "mono";
        };
    }

    static String text(Session s) {
        return text(s, false);
    }

    /** The banner; in JShell, commands run through {@code jl("...")}, so that is what it names. */
    static String text(Session s, boolean jshell) {
        StringBuilder b = new StringBuilder(jshell
                ? "jlens: look inside GPT-2. jl(\"help\") lists commands, jl(\"hist 5\") runs one; ws is the Java API.\n"
                : "jlens: look inside GPT-2. Try 'tour'; 'help' lists commands; Ctrl-D leaves.\n");
        if (s.workspace().hasModel()) {
            Gpt2Config c = s.workspace().config();
            b.append("model ").append(s.workspace().modelName()).append(": ").append(c.nLayer()).append(" layers, ").append(c.nHead())
                    .append(" heads, d_model ").append(c.nEmbd()).append(", ").append(s.workspace().model().device()).append(", ")
                    .append(s.workspace().model().dtype().toString().toLowerCase(java.util.Locale.ROOT)).append(", ")
                    .append(s.workspace().model().processing().describe()).append('\n');
            if (s.workspace().modelNote() != null) {
                b.append(s.workspace().modelNote()).append('\n');
                ModelCommands.noteShown(s); // 'model' then does not print it again
            }
            try {
                b.append("engine: ").append(jlens.model.EngineInfo.current().describe()).append('\n');
            } catch (RuntimeException e) {
                // the banner never fails over engine details
            }
        } else {
            b.append("no model loaded; 'load gpt2' or 'load DIR'\n");
        }
        b.append("colour: ").append(modeName(s.style().mode())).append(s.settings().color().equals("auto") ? " (detected" : " (set").append("; change with 'set color truecolor|256|16|mono')");
        return Format.wrap(b.toString(), s.textWidth());
    }
}
