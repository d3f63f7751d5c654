package jlens.chart;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every sample chart at two sizes, compared with golden files as plain text (mono), as ASCII-only text, and
 * as ANSI at 256 and 24-bit colour. The files live in {@code src/test/resources/chart/}; run with
 * {@code -Djlens.updateGolden=true} to rewrite them after a deliberate change, then look at them
 * ({@code cat} the .ansi files in a terminal) before committing.
 */
class GoldenTest {
    static final Path DIR = Path.of("src", "test", "resources", "chart");
    static final int[][] SIZES = {{100, 24}, {60, 16}};
    static final boolean UPDATE = Boolean.getBoolean("jlens.updateGolden");

    @TestFactory
    Stream<DynamicTest> goldenFiles() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Chart> e : Samples.all().entrySet()) {
            for (int[] size : SIZES) {
                String base = e.getKey() + "." + size[0] + "x" + size[1];
                Chart chart = e.getValue();
                tests.add(DynamicTest.dynamicTest(base + ".txt",
                        () -> check(base + ".txt", chart.toText(size[0], size[1], RenderStyle.MONO))));
                tests.add(DynamicTest.dynamicTest(base + ".ascii.txt",
                        () -> check(base + ".ascii.txt", chart.toText(size[0], size[1], RenderStyle.ASCII))));
                tests.add(DynamicTest.dynamicTest(base + ".256.ansi",
                        () -> check(base + ".256.ansi", chart.toText(size[0], size[1], RenderStyle.COLOR256))));
                tests.add(DynamicTest.dynamicTest(base + ".24.ansi",
                        () -> check(base + ".24.ansi", chart.toText(size[0], size[1], RenderStyle.TRUECOLOR))));
            }
        }
        return tests.stream();
    }

    private static void check(String name, String actual) throws IOException {
        Path file = DIR.resolve(name);
        if (UPDATE) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        assertTrue(Files.exists(file), "golden file missing: " + file + " (run with -Djlens.updateGolden=true)");
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        if (!expected.equals(actual)) {
            String[] e = expected.split("\n", -1);
            String[] a = actual.split("\n", -1);
            for (int i = 0; i < Math.max(e.length, a.length); i++) {
                String el = i < e.length ? e[i] : "<none>";
                String al = i < a.length ? a[i] : "<none>";
                if (!el.equals(al)) {
                    fail(name + " differs from the golden file at line " + (i + 1) + ":\nexpected: "
                            + visible(el) + "\nactual:   " + visible(al)
                            + "\n(rerun with -Djlens.updateGolden=true if the change is intended)");
                }
            }
        }
    }

    private static String visible(String s) {
        return s.replace("\u001b", "\\e");
    }
}
