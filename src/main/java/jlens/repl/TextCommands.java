package jlens.repl;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import jlens.chart.TerminalText;

/** {@code text} and {@code tokens}: what the model reads. */
final class TextCommands {
    private TextCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("text", "text \"...\"",
                        "set the text (\\n for a newline); prints characters, tokens and the token strip",
                        """
                        Sets the text the model reads and prints, as the notebook does, its length in characters
                        and unique characters, its token count and unique tokens, and the token strip with
                        positive and negative positions (spaces shown as ·, newlines as ⏎). In double quotes,
                        \\n is a newline, \\t a tab, \\" a quote. Without an argument, shows the current text.
                        Setting a text drops the last run's activations.
                        Examples:
                          text "Be who you are and say what you feel,\\n      because those who mind don't matter"
                          text""",
                        Command.ArgCompleter.NONE,
                        (s, a) -> {
                            if (!a.hasNext()) {
                                if (s.workspace().text() == null) {
                                    throw new UserError("no text yet; give one with text \"...\"");
                                }
                                s.println("text " + Words.quote(s.workspace().text()));
                                report(s);
                                return;
                            }
                            List<String> rest = a.rest();
                            s.workspace().text(String.join(" ", rest));
                            report(s);
                        }),
                new Command("tokens", "tokens", "list the tokens: position, negative position, id, token",
                        """
                        Lists every token of the text: position, position from the end, token id, the BPE token
                        (Ġ is a space) and the text piece it stands for.
                        Example:
                          text "The cat sat on the mat. The cat sat on the mat."
                          tokens""",
                        Command.ArgCompleter.NONE,
                        (s, a) -> {
                            a.end();
                            long[] ids = s.workspace().ids();
                            String[] bpe = s.workspace().model().tokenizer().tokenStrings(ids);
                            String[] pieces = s.workspace().tokenPieces();
                            TextTable t = new TextTable("pos", "neg", "id", "token", "text");
                            for (int i = 0; i < ids.length; i++) {
                                t.row(i, i - ids.length, ids[i], bpe[i], Words.quote(pieces[i]));
                            }
                            s.out().print(t);
                        }));
    }

    /** Characters, unique characters, tokens, unique tokens, then the strip. */
    static void report(Session s) {
        String text = s.workspace().text();
        long[] ids = s.workspace().ids();
        long uniqueChars = text.codePoints().distinct().count();
        Set<Long> uniqueTokens = new HashSet<>();
        for (long id : ids) {
            uniqueTokens.add(id);
        }
        int chars = text.codePointCount(0, text.length());
        s.println(chars + (chars == 1 ? " character (" : " characters (") + uniqueChars + " unique), " + ids.length
                + (ids.length == 1 ? " token (" : " tokens (") + uniqueTokens.size() + " unique)");
        s.out().print(strip(s.workspace().tokenPieces(), s.chartWidth()));
    }

    /**
     * The token strip: each token in a cell with its position above and its negative position below, wrapped
     * to the width.
     */
    static String strip(String[] pieces, int width) {
        StringBuilder out = new StringBuilder();
        StringBuilder top = new StringBuilder();
        StringBuilder mid = new StringBuilder();
        StringBuilder bottom = new StringBuilder();
        int n = pieces.length;
        for (int i = 0; i < n; i++) {
            String tok = Format.visible(pieces[i]);
            String pos = Integer.toString(i);
            String neg = Integer.toString(i - n);
            int w = Math.max(TerminalText.width(tok), Math.max(pos.length(), neg.length()));
            if (mid.length() > 0 && displayWidth(mid) + w + 1 > width) {
                flush(out, top, mid, bottom);
            }
            if (mid.length() > 0) {
                top.append(' ');
                mid.append('|');
                bottom.append(' ');
            }
            top.append(pad(pos, w));
            mid.append(pad(tok, w));
            bottom.append(pad(neg, w));
        }
        flush(out, top, mid, bottom);
        return out.toString();
    }

    private static void flush(StringBuilder out, StringBuilder top, StringBuilder mid, StringBuilder bottom) {
        out.append("  ").append(top.toString().stripTrailing()).append('\n');
        out.append("  ").append(mid.toString().stripTrailing()).append('\n');
        out.append("  ").append(bottom.toString().stripTrailing()).append('\n');
        top.setLength(0);
        mid.setLength(0);
        bottom.setLength(0);
    }

    private static int displayWidth(StringBuilder b) {
        return TerminalText.width(b.toString()) + 2;
    }

    private static String pad(String s, int w) {
        return s + " ".repeat(Math.max(0, w - TerminalText.width(s)));
    }
}
