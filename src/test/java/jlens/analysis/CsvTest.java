package jlens.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CsvTest {
    @Test
    void tokensWithCommasQuotesNewlinesOrEdgeSpacesAreQuoted() {
        assertEquals("the", Csv.cell("the"));
        assertEquals("\" the\"", Csv.cell(" the"));
        assertEquals("\",\"", Csv.cell(","));
        assertEquals("\"\"\"\"", Csv.cell("\""));
        assertEquals("\"\n\"", Csv.cell("\n"));
        assertEquals("\"\"", Csv.cell(""));
    }

    @Test
    void numbersUseShortestFormsAndPortableNonFiniteWords() {
        assertEquals("0.1", Csv.cell(0.1f));
        assertEquals("0.1", Csv.cell(0.1));
        assertEquals("-inf", Csv.cell(Float.NEGATIVE_INFINITY));
        assertEquals("inf", Csv.cell(Double.POSITIVE_INFINITY));
        assertEquals("nan", Csv.cell(Double.NaN));
        assertEquals("7", Csv.cell(7));
    }
}
