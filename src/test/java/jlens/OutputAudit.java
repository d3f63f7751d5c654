package jlens;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import jlens.chart.TerminalText;

/**
 * Checks what a jlens run printed, on every capture of output in the suite (the test sessions' buffers, the test
 * terminal, the command line's streams, the child JVMs' stdout and stderr), so a path that breaks a rule fails
 * whichever test reaches it:
 * <ul>
 * <li>once jlens's own colour escapes (SGR, {@code ESC[...m}, which only the chart encoder writes) are taken out, no
 * line may hold a character a terminal would act on;</li>
 * <li>no output may hold the Hugging Face token planted in the suite's environment ({@code HF_TOKEN}, set in the
 * pom for every test JVM and the JVMs they start), nor a line of it.</li>
 * </ul>
 */
public final class OutputAudit {
    private static final Pattern OWN_COLOUR = Pattern.compile("\u001b\\[[0-9;]*m");
    /** The token the pom plants in every test JVM's environment; the audit fails on any output that shows it. */
    public static final String PLANTED_TOKEN_VARIABLE = "HF_TOKEN";

    private OutputAudit() {}

    /** Returns {@code output} unchanged, or throws naming the first line that breaks a rule. */
    public static String check(String output) {
        String[] lines = output.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            // carriage returns redraw a progress bar in place; tabs only move right
            String rest = OWN_COLOUR.matcher(lines[i]).replaceAll("").replace("\r", "").replace("\t", "");
            if (!TerminalText.isSafe(rest)) {
                throw new AssertionError("line " + (i + 1) + " of the output holds a control character: "
                        + TerminalText.escape(lines[i]));
            }
        }
        return checkSecrets(output);
    }

    /** Returns {@code output} unchanged, or throws if it shows the planted token (or a line of it, or of {@code more}). */
    public static String checkSecrets(String output, String... more) {
        List<String> secrets = new ArrayList<>(secretParts(System.getenv(PLANTED_TOKEN_VARIABLE)));
        for (String m : more) {
            secrets.addAll(secretParts(m));
        }
        for (String s : secrets) {
            if (output.contains(s)) {
                throw new AssertionError("the output shows a secret token (or part of one): " + output);
            }
        }
        return output;
    }

    /** A token and each of its lines, of 6 characters or more (shorter ones are words, not secrets): a message may quote one line of it. */
    static List<String> secretParts(String token) {
        List<String> parts = new ArrayList<>();
        if (token == null || token.isBlank()) {
            return parts;
        }
        if (token.strip().length() >= 6) {
            parts.add(token.strip());
        }
        for (String part : token.split("[\\s\\p{Cntrl}]+")) {
            if (part.length() >= 6) {
                parts.add(part);
            }
        }
        return parts;
    }
}
