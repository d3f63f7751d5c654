package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jline.builtins.ScreenTerminal;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;

/**
 * The REPL on a terminal of a real size (an xterm-256color JLine terminal whose output is played into JLine's
 * screen emulator): with 'height auto', the command that drew the charts is still on the screen afterwards.
 */
class ScreenFitTest {
    static final List<String> SINGLE = List.of("hist 1", "var", "qkt 1", "logprobs", "ablate head 0 token -2",
            "pattern 1 2", "ablate head all token -2");
    static final List<String> SEVERAL = List.of("qkt all", "pattern 1", "hist all");

    /** The screen after typing {@code lines} into a REPL on a {@code columns} x {@code rows} terminal. */
    static String screen(Session s, int columns, int rows, String... lines) throws Exception {
        String input = String.join("\r", lines) + "\r";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ExternalTerminal t = new ExternalTerminal("test", "xterm-256color",
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, StandardCharsets.UTF_8)) {
            t.setSize(new Size(columns, rows));
            new Repl(t, s, null).run();
        }
        ScreenTerminal screen = new ScreenTerminal(columns, rows);
        screen.write(out.toString(StandardCharsets.UTF_8));
        return screen.toString();
    }

    @Test
    void theCommandLineStaysOnScreenAtEverySize() throws Exception {
        Session s = TestSessions.session().session();
        s.exec("set color 256");
        String[] setup = {TestSessions.textLine(), "hook layer all", "run"};
        for (int[] size : new int[][] {{80, 24}, {120, 40}, {200, 50}}) {
            for (String command : SINGLE) {
                check(s, size, setup, command);
            }
            if (size[1] >= 40) {
                for (String command : SEVERAL) {
                    check(s, size, setup, command);
                }
            }
        }
    }

    @Test
    void circuitCommandsKeepTheCommandLineOnScreen() throws Exception {
        // lens, patch and dla print tables before their chart; on a short screen the ones the chart repeats give
        // way (saying so) and dla lists fewer components, so the command line stays in view.
        Session s = TestSessions.session().session();
        s.exec("set color 256");
        String[] setup = {"text \"After John and Mary went to the store, John gave a bottle of milk to\"",
            "corrupt \"After John and Mary went to the store, Mary gave a bottle of milk to\"", "metric logitdiff \" Mary\" \" John\""};
        for (int[] size : new int[][] {{80, 24}, {120, 40}, {200, 50}}) {
            for (String command : List.of("lens", "lens --all", "patch resid_pre", "patch heads", "dla")) {
                check(s, size, setup, command);
            }
        }
        // the lens at 80x24: its tables give way, so its chart keeps a readable height (not 3 rows)
        String lens = screen(s, 80, 24, setup[0], "lens");
        long plotRows = lens.lines().filter(l -> l.matches("^ *-?[0-9.]* *[\u2524\u2502].*")).count();
        assertTrue(plotRows >= 10, plotRows + " rows of chart:\n" + lens);
        String small = screen(s, 80, 24, setup[0], setup[1], setup[2], "patch resid_pre");
        assertTrue(small.contains("cells with the largest effect are left out to keep the chart on screen"), small);
        String large = screen(s, 200, 50, setup[0], setup[1], setup[2], "patch resid_pre");
        assertTrue(large.contains("the cells with the largest effect (of 48):"), "the table where there is room:\n" + large);
    }

    @Test
    void notesOnNonFiniteValuesAreCountedInTheChartsHeight() throws Exception {
        // Position 3 of layer 1's c_attn output is NaN (and everything after it in layer 2): hist says so in a line
        // per part, before the chart, which then leaves room for them.
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "set color 256");
        try (var scope = TestSessions.model().hooks().scope()) {
            scope.add("blocks.1.attn.hook_qkv", (name, a) -> {
                ai.djl.ndarray.NDArray c = a.duplicate();
                c.set(new ai.djl.ndarray.index.NDIndex(":, 3, :"), Float.NaN);
                return c;
            });
            b.exec("run");
            for (int[] size : new int[][] {{80, 24}, {120, 40}}) { // the hook stays: a run is served with the hooks it ran with
                for (String command : List.of("hist 1", "hist all")) {
                    if (command.equals("hist all") && size[1] < 40) {
                        continue; // several charts: 120x40 and up (see SEVERAL)
                    }
                    String text = screen(b.session(), size[0], size[1], command);
                    assertTrue(text.contains(Repl.PROMPT + command), command + " at " + size[0] + "x" + size[1]
                            + " scrolled its command line off the screen:\n" + text);
                    assertTrue(text.contains("NaN values not in the histogram"), text);
                }
            }
        }
    }

    @Test
    void severalChartsOnASmallTerminalSayThatViewPagesThroughThem() throws Exception {
        Session s = TestSessions.session().session();
        String[] setup = {TestSessions.textLine(), "hook layer all", "run"};
        for (String command : SEVERAL) {
            String[] lines = java.util.Arrays.copyOf(setup, setup.length + 1);
            lines[setup.length] = command;
            String text = screen(s, 80, 24, lines);
            assertTrue(text.contains("'view'"), command + " at 80x24 does not mention 'view':\n" + text);
        }
    }

    private static void check(Session s, int[] size, String[] setup, String command) throws Exception {
        String[] lines = java.util.Arrays.copyOf(setup, setup.length + 1);
        lines[setup.length] = command;
        String text = screen(s, size[0], size[1], lines);
        assertTrue(text.contains(Repl.PROMPT + command), command + " at " + size[0] + "x" + size[1]
                + " scrolled its command line off the screen:\n" + text);
    }
}
