package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.virtual.DefaultVirtualTerminal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jlens.chart.RenderStyle;
import org.jline.reader.Candidate;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;

/** The full-screen viewer on Lanterna's virtual terminal, and Tab completion from the registry. */
class ViewerAndCompletionTest {
    private static String screenText(DefaultVirtualTerminal vt) {
        StringBuilder b = new StringBuilder();
        TerminalSize size = vt.getTerminalSize();
        for (int y = 0; y < size.getRows(); y++) {
            for (int x = 0; x < size.getColumns(); x++) {
                b.append(vt.getCharacter(x, y).getCharacterString());
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Test
    void arrowKeysStepThroughLayersAndQLeaves() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec(TestSessions.textLine(), "hook layer all", "run", "hist 1");
        Figure f = b.session().lastFigure();
        assertEquals(3, f.titles().size());
        assertEquals(1, f.start(), "opens on the layer drawn");
        DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(100, 30));
        TerminalScreen screen = new TerminalScreen(vt);
        screen.startScreen();
        vt.addInput(new KeyStroke(KeyType.ArrowRight));
        vt.addInput(new KeyStroke(KeyType.ArrowRight)); // already on the last layer: stays
        vt.addInput(new KeyStroke(KeyType.ArrowLeft));
        vt.addInput(new KeyStroke(KeyType.ArrowLeft));
        vt.addInput(new KeyStroke('q', false, false));
        int last = FullScreenViewer.loop(screen, f, RenderStyle.MONO);
        String text = screenText(vt); // the viewer's screen: stopping it returns to the (empty) main screen
        screen.stopScreen();
        assertEquals(0, last);
        assertTrue(text.contains("layer 0: Q, K, V density") && text.contains("(1/3)"), text);
        assertTrue(text.contains("q back"), text);
    }

    @Test
    void viewerRedrawsAtTheNewSizeAfterAResize() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        b.exec(TestSessions.textLine(), "hook layer all", "run", "var");
        DefaultVirtualTerminal vt = new DefaultVirtualTerminal(new TerminalSize(60, 20));
        TerminalScreen screen = new TerminalScreen(vt);
        screen.startScreen();
        FullScreenViewer.draw(screen, b.session().lastFigure(), 0, RenderStyle.ASCII);
        vt.setTerminalSize(new TerminalSize(120, 40));
        vt.addInput(new KeyStroke('q', false, false));
        FullScreenViewer.loop(screen, b.session().lastFigure(), RenderStyle.ASCII);
        String text = screenText(vt);
        screen.stopScreen();
        assertTrue(text.lines().anyMatch(l -> l.stripTrailing().length() > 100), "drawn at 120 columns:\n" + text);
    }

    private static List<String> complete(Session s, String line) throws Exception {
        try (Terminal t = new DumbTerminal("test", Terminal.TYPE_DUMB, new ByteArrayInputStream(new byte[0]),
                new ByteArrayOutputStream(), StandardCharsets.UTF_8)) {
            LineReader reader = LineReaderBuilder.builder().terminal(t).build();
            List<Candidate> found = new ArrayList<>();
            new ReplCompleter(s).complete(reader, new DefaultParser().parse(line, line.length()), found);
            return found.stream().map(Candidate::value).toList();
        }
    }

    @Test
    void tabCompletesCommandsSubWordsLayersHeadsAndHookNames() throws Exception {
        Session s = TestSessions.session().session();
        s.exec(TestSessions.textLine());
        assertTrue(complete(s, "hi").contains("hist"));
        assertEquals(List.of("0", "1", "2", "all", "--pos0", "--range", "--auto"), complete(s, "hist "));
        assertTrue(complete(s, "split ").containsAll(List.of("qkv", "heads")));
        assertEquals(List.of("0", "1", "2", "3", "all"), complete(s, "ablate head "));
        assertTrue(complete(s, "ablate head 2 token ").containsAll(List.of("-2", "29")));
        assertTrue(complete(s, "hook ").containsAll(List.of("layer", "blocks.2.attn.hook_z", "unembed.hook_out")));
        assertTrue(complete(s, "set ").containsAll(Settings.KEYS));
        assertTrue(complete(s, "set color ").contains("truecolor"));
        assertTrue(complete(s, "help ").contains("ablate"));
        assertEquals(List.of("pos", "noising", "set", "--approx"), complete(s, "patch heads "));
        assertEquals(List.of("noising", "set", "--approx"), complete(s, "patch resid_pre "));
        assertEquals(List.of(), complete(s, "patch heads pos set "));
        assertTrue(complete(s, "detect induction ").containsAll(List.of("random", "set")));
    }
}
