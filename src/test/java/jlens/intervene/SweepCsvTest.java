package jlens.intervene;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** CSV layouts of sweep results, on hand-made records (no model). */
class SweepCsvTest {
    private static final long[] IDS = {10, 11, 12};

    private static SweepResult result(Site site, List<AblationCase> cases, double... logprobs) {
        SweepSpec spec = new SweepSpec(IDS, site, AblationKind.ZERO, null, cases, 1, 12);
        List<SweepRecord> records = new java.util.ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            AblationCase c = cases.get(i);
            records.add(new SweepRecord(c.layer(), c.head(), c.position(), logprobs[i], -2.0));
        }
        return new SweepResult(spec, -2.0, records, false, 0.1);
    }

    @Test
    void layerCsv() {
        SweepResult r = result(Site.Z, List.of(new AblationCase(0, 1, 1), new AblationCase(1, 1, 1)), -2.5, -1.25);
        assertEquals("layer,logprob,clean_logprob\n0,-2.500000,-2.000000\n1,-1.250000,-2.000000\n", SweepCsv.byLayer(r));
    }

    @Test
    void gridCsvAndRanking() {
        SweepResult r = result(Site.Z, List.of(new AblationCase(0, 0, 1), new AblationCase(0, 1, 1),
                new AblationCase(1, 0, 1), new AblationCase(1, 1, 1)), -2.1, -5.0, -1.0, -2.0);
        assertEquals("layer,head_0,head_1\n0,-2.100000,-5.000000\n1,-1.000000,-2.000000\n", SweepCsv.byLayerAndHead(r));
        assertEquals("rank,layer,head,position,logprob,clean_logprob,delta\n"
                + "1,0,1,1,-5.000000,-2.000000,-3.000000\n2,1,0,1,-1.000000,-2.000000,1.000000\n", SweepCsv.ranked(r, 2));
    }

    @Test
    void positionMatrixMarksMissingCells() {
        SweepResult r = result(Site.RESID_PRE, List.of(new AblationCase(0, -1, 0), new AblationCase(0, -1, 2)), -3, -2);
        assertEquals("layer,pos_0,pos_1,pos_2\n0,-3.000000,NaN,-2.000000\n", SweepCsv.byLayerAndPosition(r));
    }
}
