package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Values as JShell shows them here: arrays by shape and first values, records by component, small matrices as
 * tables, NDArrays by dtype, shape and first values, never {@code [D@6f27a}. The README's Java walkthroughs run in
 * the REPL with every value shown, and none prints a type and hash.
 */
class ValueTextTest {
    /** An identity hash, as Object.toString writes it: {@code [D@6f27a}, {@code Foo@1b2c3d}. */
    private static final Pattern HASH = Pattern.compile("[A-Za-z;\\[]@[0-9a-f]{4,}");

    record Layer(int layer, double[] q, String note) {}

    record Written(double[] values) {
        @Override
        public String toString() {
            return "Written[" + values.length + " values]";
        }
    }

    record Grid(String detector, double[][] scores, List<Layer> layers) {}

    public static final class Opaque {
        public int size() {
            return 3;
        }
    }

    @Test
    void numbersKeepFourSignificantDigits() {
        assertEquals("0.1235", ValueText.number(0.123456));
        assertEquals("-10.82", ValueText.number(-10.8249));
        assertEquals("3", ValueText.number(3.0));
        assertEquals("1.5e-05", ValueText.number(1.5e-5));
        assertEquals("2.5e+07", ValueText.number(2.5e7));
        assertEquals("0", ValueText.number(0));
        assertEquals("NaN", ValueText.number(Double.NaN));
    }

    @Test
    void arraysShowTheirShapeAndFirstValues() {
        double[] big = new double[50257];
        for (int i = 0; i < big.length; i++) {
            big[i] = -10 - i / 10.0;
        }
        assertEquals("double[50257] {-10, -10.1, -10.2, -10.3, -10.4, -10.5, ... 50251 more}", ValueText.of(big, 120));
        assertEquals("long[3] {464, 2068, 7586}", ValueText.of(new long[] {464, 2068, 7586}, 120));
        assertEquals("String[2] {\"The\", \" quick\"}", ValueText.of(new String[] {"The", " quick"}, 120));
        float[][] wide = new float[40][100];
        assertEquals("float[40][100] {{0, 0, 0, 0, ... 96 more}, {0, 0, 0, 0, ... 96 more}, {0, 0, 0, 0, ... 96 more}, "
                + "... 37 more rows}", ValueText.of(wide, 160));
        assertFalse(ValueText.of(new String[] {"a\u001b[31mred"}, 120).contains("\u001b"), "a token's escape is shown, not run");
    }

    @Test
    void recordsShowOneComponentALineAndSmallMatricesAsTables() {
        Grid g = new Grid("induction", new double[][] {{0.01, 0.98, 0}, {0.5, 0.25, 1e-9}},
                List.of(new Layer(0, new double[] {1, 2}, "a"), new Layer(1, new double[] {3}, "b")));
        assertEquals(String.join("\n",
                "ValueTextTest.Grid",
                "  detector  \"induction\"",
                "  scores    double[2][3]",
                "              0 |  0.01  0.98     0",
                "              1 |   0.5  0.25 1e-09",
                "  layers    List of 2",
                "              ValueTextTest.Layer[layer=0, q=double[2] {1, 2}, note=\"a\"]",
                "              ValueTextTest.Layer[layer=1, q=double[1] {3}, note=\"b\"]"), ValueText.of(g, 100));
        assertTrue(ValueText.improves(g));
        assertFalse(ValueText.improves(new Written(new double[2])), "a record with its own toString keeps it");
        assertFalse(ValueText.improves("text") || ValueText.improves(42) || ValueText.improves(null));
        assertTrue(ValueText.of(new Opaque(), 100).startsWith("ValueTextTest.Opaque (no text form; ask it: size()"));
    }

    @Test
    void longValuesStayUnderJShellsCut() {
        List<Layer> many = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(new Layer(i, new double[] {i}, "x".repeat(50)));
        }
        String text = ValueText.of(new Grid("x", new double[0][0], many), 200);
        assertTrue(text.length() < 1000, text.length() + "");
        assertTrue(text.contains("... 494 more"), text);
        String map = ValueText.of(Map.of("a", 1), 80);
        assertEquals("Map of 1 {\"a\"=1}", map);
    }

    @Test
    void ndArraysShowDtypeShapeAndFirstValuesAndSayWhenReleased() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.arange(0f, 12f).reshape(3, 4);
            int before = m.getManagedArrays().size();
            assertEquals("NDArray float32 (3, 4) cpu() {0, 1, 2, 3, 4, 5, ... 6 more}", ValueText.of(a, 120));
            assertEquals(before, m.getManagedArrays().size(), "the slices it read are freed: " + m.getManagedArrays());
            a.close();
            assertTrue(ValueText.of(a, 120).startsWith("NDArray (released"), ValueText.of(a, 120));
        }
    }

    /** The README's Java walkthrough, each line's value shown as JShell shows it in the REPL. */
    @Test
    void everyValueOfTheReadmeWalkthroughPrintsReadably() throws Exception {
        TestSessions.Buffered b = TestSessions.session();
        StringBuilder shown = new StringBuilder();
        for (String line : ReadmeWalkthroughTest.walkthrough()) {
            b.exec(line);
            shown.append(b.take());
        }
        String out = shown.toString();
        assertFalse(HASH.matcher(out).find(), "a value printed as a type and hash: " + out);
        for (String expected : List.of("split ==> QkvSplit[layer 2", "hist ==> QkvDensities.Layer", "variances ==> QkvVariances.ByLayer",
                "  q              double[3] {", "sweep ==> SweepResult", "pattern ==> HeadAttention.Matrix")) {
            assertTrue(out.contains(expected), expected + " in\n" + out);
        }
        // An exception in a snippet is still the snippet's (the value capture passes it on unchanged).
        b.exec("double[] d = {1, 2}");
        assertTrue(b.take().contains("d ==> double[2] {1, 2}"));
        UserError e = org.junit.jupiter.api.Assertions.assertThrows(UserError.class, () -> b.exec("int z = 1 / 0"));
        assertEquals("Java threw ArithmeticException: / by zero", e.getMessage());
    }
}
