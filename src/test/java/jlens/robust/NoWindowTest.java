package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Over SSH with {@code DISPLAY} set, nothing may open a window, run {@code stty} behind JLine's back or take
 * SIGWINCH: Lanterna's terminal factory and its Unix and Swing terminals must never be used (TERMINAL.md, pitfall
 * 2), and the launcher keeps AWT headless.
 */
class NoWindowTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "DefaultTerminalFactory|UnixTerminal|UnixLikeTerminal|UnixLikeTTYTerminal|CygwinTerminal|SwingTerminal"
                    + "|AWTTerminal|TerminalEmulator|javax\\.swing|java\\.awt\\.(Frame|Window|Toolkit)");

    @Test
    void noSourceUsesLanternasFactoryOrWindowTerminals() throws IOException {
        List<String> hits;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            hits = files.filter(p -> p.toString().endsWith(".java")).flatMap(p -> {
                try {
                    List<String> lines = Files.readAllLines(p);
                    return java.util.stream.IntStream.range(0, lines.size())
                            .filter(i -> FORBIDDEN.matcher(lines.get(i)).find() && !lines.get(i).strip().startsWith("*")
                                    && !lines.get(i).strip().startsWith("//"))
                            .mapToObj(i -> p + ":" + (i + 1) + ": " + lines.get(i).strip());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).toList();
        }
        assertEquals(List.of(), hits);
    }

    @Test
    void theLauncherKeepsAwtHeadless() throws IOException {
        String launcher = Files.readString(Path.of("jlens"));
        assertTrue(launcher.contains("-Djava.awt.headless=true"), "the jlens launcher must pass -Djava.awt.headless=true");
    }
}
