package jlens.intervene;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * Path patching in Wang et al.'s and ARENA's semantics (noising): the clean text runs with every head's {@code hook_z}
 * frozen at its clean value except the sender's, which takes its corrupted value; MLPs and LayerNorms are recomputed.
 * <ul>
 *   <li>To the final residual: the metric of that run, one sender per cell of an [L, H] grid.</li>
 *   <li>To receiver heads' q, k or v: the receivers' query (key, value) vectors are read from that run and patched
 *       alone into a fresh clean run, whose metric is the cell; zeros where the sender is not before a receiver.</li>
 * </ul>
 * Values are normalised as ARENA does, {@code (m - m_clean) / (m_clean - m_corrupt)}: 0 = unharmed, -1 = the whole
 * corruption's effect. Both stages are experiments of the engine (frozen heads are {@link Value.FromRun} of the clean
 * text, the sender's of the corrupted one; the receivers' vectors a {@link Value.Put}).
 *
 * <p>{@link #approximate}: TransformerLens's {@code direct_path_patching} (direct paths only): the sender's corrupted
 * output minus its clean one reaches the receiver alone ({@link Value.Senders} at its input), and the receiver's
 * changed output reaches the final residual alone; nothing else sees either. For the final residual that is the edge
 * {@code a{l}.h{h}->logits} of EAP-IG's graph. An approximation: indirect paths through later heads and MLPs are left out.
 */
public final class PathPatching {
    private PathPatching() {}

    /** A receiving head. */
    public record Head(int layer, int head) {
        @Override
        public String toString() {
            return layer + "." + head;
        }
    }

    /**
     * A path-patching grid [L, H], one cell per sender head.
     *
     * @param receiver {@code final}, or the receivers and their input ({@code 1.0,1.2 q})
     * @param raw per sender, the metric
     * @param normalized per sender, {@code (raw - mClean) / (mClean - mCorrupt)}
     * @param computed which cells were run (the sender is before a receiver); the others read 0
     * @param approx whether this is the direct-path approximation
     */
    public record Grid(String receiver, int layers, int heads, double[] raw, double[] normalized, boolean[] computed,
                       double mClean, double mCorrupt, boolean approx, double seconds) implements AnalysisResult {
        public double normalized(int layer, int head) {
            return normalized[layer * heads + head];
        }

        public double[][] normalizedRows() {
            double[][] out = new double[layers][heads];
            for (int l = 0; l < layers; l++) {
                System.arraycopy(normalized, l * heads, out[l], 0, heads);
            }
            return out;
        }

        /** Pearson correlation with another grid of the same receivers, over the cells both computed. */
        public double correlation(Grid other) {
            List<Double> a = new ArrayList<>();
            List<Double> b = new ArrayList<>();
            for (int i = 0; i < raw.length; i++) {
                if (computed[i] && other.computed[i]) {
                    a.add(normalized[i]);
                    b.add(other.normalized[i]);
                }
            }
            return PatchResult.pearson(a.stream().mapToDouble(Double::doubleValue).toArray(),
                    b.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /** The normalised grid {@code [L, H]}, as {@code save FILE.npy} writes it. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {layers, heads}, normalized.clone());
        }

        @Override
        public List<String> columns() {
            return List.of("layer", "head", "normalized", "raw");
        }

        @Override
        public int rowCount() {
            return raw.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i / heads, i % heads, normalized[i], raw[i]};
        }
    }

    /** Every sender head's path to the final residual. */
    public static Grid toFinal(Gpt2 model, List<Intervention> standing, PatchSpec pair, SweepOptions options) {
        check(model, pair);
        long begin = System.nanoTime();
        Gpt2Config config = model.config();
        int nl = config.nLayer();
        Readout metric = Readout.of(pair.metric());
        List<Experiment> list = new ArrayList<>(plain(pair, metric));
        for (int l = 0; l < nl; l++) {
            for (int h = 0; h < config.nHead(); h++) {
                list.add(new Experiment(pair.clean(), frozen(pair, l, h, nl), metric));
            }
        }
        Experiments.Outcome o = Experiments.run(model, standing, list, options);
        boolean[] all = new boolean[nl * config.nHead()];
        java.util.Arrays.fill(all, true);
        return grid("final", config, o, all, false, begin);
    }

    /** Every sender head's path to the receivers' {@code input} ('q', 'k' or 'v'). */
    public static Grid toHeads(Gpt2 model, List<Intervention> standing, PatchSpec pair, List<Head> receivers, char input,
                               SweepOptions options) {
        check(model, pair);
        checkReceivers(model.config(), receivers, input);
        long begin = System.nanoTime();
        Gpt2Config config = model.config();
        int nh = config.nHead();
        int last = receivers.stream().mapToInt(Head::layer).max().orElseThrow();
        List<String> read = new ArrayList<>(); // one hook per receiving layer, in layer order
        new TreeSet<>(receivers.stream().map(Head::layer).toList()).forEach(l -> read.add(HookPoint.block(l, vector(input))));
        Readout vectors = Readout.activations(read);
        List<int[]> senders = new ArrayList<>();
        List<Experiment> first = new ArrayList<>();
        for (int l = 0; l < last; l++) {
            for (int h = 0; h < nh; h++) {
                senders.add(new int[] {l, h});
                first.add(new Experiment(pair.clean(), frozen(pair, l, h, last), vectors));
            }
        }
        Experiments.Outcome one = Experiments.run(model, standing, first, options);
        Readout metric = Readout.of(pair.metric());
        List<Experiment> second = new ArrayList<>(plain(pair, metric));
        int t = pair.tokens();
        int width = nh * config.dHead();
        for (int i = 0; i < senders.size(); i++) {
            double[] v = one.values()[i]; // per receiving layer [T, NH, HS], one after the other
            List<Intervention> patches = new ArrayList<>();
            for (Head r : receivers) {
                int at = read.indexOf(HookPoint.block(r.layer(), vector(input))) * t * width;
                float[][] rows = new float[t][width];
                for (int p = 0; p < t; p++) {
                    for (int j = 0; j < width; j++) {
                        rows[p][j] = (float) v[at + p * width + j];
                    }
                }
                patches.add(new Intervention(HookPoint.block(r.layer(), vector(input)), Cells.head(r.head()),
                        new Value.Put(Value.Table.byPosition(rows), "its " + input + " from the path-patched run")));
            }
            second.add(new Experiment(pair.clean(), patches, metric));
        }
        Experiments.Outcome two = Experiments.run(model, standing, second, options);
        boolean[] computed = new boolean[config.nLayer() * nh];
        for (int i = 0; i < senders.size(); i++) {
            computed[i] = true; // senders are layer-major from layer 0
        }
        return grid(describe(receivers, input), config, two, computed, false, begin);
    }

    /** The direct-path approximation (see the class's note), to the final residual ({@code receivers} empty) or to heads. */
    public static Grid approximate(Gpt2 model, List<Intervention> standing, PatchSpec pair, List<Head> receivers, char input,
                                   SweepOptions options) {
        check(model, pair);
        long begin = System.nanoTime();
        Gpt2Config config = model.config();
        int nl = config.nLayer();
        int nh = config.nHead();
        String end = HookPoint.block(nl - 1, HookPoint.RESID_POST);
        Readout metric = Readout.of(pair.metric());
        boolean[] computed = new boolean[nl * nh];
        List<Experiment> list = new ArrayList<>(plain(pair, metric));
        if (receivers.isEmpty()) {
            for (int l = 0; l < nl; l++) {
                for (int h = 0; h < nh; h++) {
                    computed[l * nh + h] = true;
                    list.add(new Experiment(pair.clean(), List.of(new Intervention(end, Cells.ALL, new Value.Senders(pair.corrupt(),
                            List.of(new Value.Sender(HookPoint.block(l, HookPoint.RESULT), h)), new float[] {1},
                            "its direct path to the final residual"))), metric));
                }
            }
            return grid("final", config, Experiments.run(model, standing, list, options), computed, true, begin);
        }
        checkReceivers(config, receivers, input);
        int last = receivers.stream().mapToInt(Head::layer).max().orElseThrow();
        List<String> read = new ArrayList<>();
        new TreeSet<>(receivers.stream().map(Head::layer).toList()).forEach(l -> read.add(HookPoint.block(l, HookPoint.RESULT)));
        Readout outputs = Readout.activations(read);
        List<Experiment> first = new ArrayList<>(List.of(Experiment.plain(pair.clean(), outputs)));
        for (int l = 0; l < last; l++) {
            for (int h = 0; h < nh; h++) {
                List<Intervention> into = new ArrayList<>();
                for (Head r : receivers) {
                    if (r.layer() > l) {
                        float[] w = new float[nh];
                        w[r.head()] = 1;
                        into.add(new Intervention(HookPoint.block(r.layer(), input(input)), Cells.ALL, new Value.Senders(pair.corrupt(),
                                List.of(new Value.Sender(HookPoint.block(l, HookPoint.RESULT), h)), w, "its direct path to " + r)));
                    }
                }
                first.add(new Experiment(pair.clean(), into, outputs));
            }
        }
        Experiments.Outcome one = Experiments.run(model, standing, first, options);
        int t = pair.tokens();
        int c = config.nEmbd();
        double[] clean = one.values()[0];
        for (int i = 1; i < first.size(); i++) {
            double[] v = one.values()[i];
            float[][] rows = new float[t][c];
            for (Head r : receivers) {
                int at = read.indexOf(HookPoint.block(r.layer(), HookPoint.RESULT)) * t * nh * c;
                for (int p = 0; p < t; p++) {
                    for (int j = 0; j < c; j++) {
                        int k = at + (p * nh + r.head()) * c + j;
                        rows[p][j] += (float) (v[k] - clean[k]);
                    }
                }
            }
            computed[i - 1] = true;
            list.add(new Experiment(pair.clean(), List.of(new Intervention(end, Cells.ALL, Value.add(Value.Table.byPosition(rows), 1,
                    "the receivers' changed output, directly"))), metric));
        }
        return grid(describe(receivers, input), config, Experiments.run(model, standing, list, options), computed, true, begin);
    }

    /** The clean run and the corrupted run, first in every list. */
    private static List<Experiment> plain(PatchSpec pair, Readout metric) {
        return List.of(Experiment.plain(pair.clean(), metric), Experiment.plain(pair.corrupt(), metric));
    }

    /** Sender (l, h) takes its corrupted z; every head of layers l+1 .. until-1 keeps its clean z (earlier ones cannot change). */
    private static List<Intervention> frozen(PatchSpec pair, int l, int h, int until) {
        Value clean = Value.fromRun(pair.clean());
        List<Intervention> out = new ArrayList<>();
        out.add(new Intervention(HookPoint.block(l, HookPoint.Z), Cells.head(h), Value.fromRun(pair.corrupt())));
        for (int k = l + 1; k < until; k++) {
            out.add(new Intervention(HookPoint.block(k, HookPoint.Z), Cells.ALL, clean));
        }
        return out;
    }

    /** Cells from an outcome whose experiments 0 and 1 are the clean and corrupted runs, then the computed cells in order. */
    private static Grid grid(String receiver, Gpt2Config config, Experiments.Outcome o, boolean[] computed, boolean approx,
                             long begin) {
        int n = computed.length;
        double mClean = o.value(0);
        double mCorrupt = o.value(1);
        double[] raw = new double[n];
        double[] normalized = new double[n];
        for (int i = 0, k = 2; i < n; i++) {
            raw[i] = computed[i] ? o.value(k++) : mClean;
            normalized[i] = PatchResult.sameMetric(mClean, mCorrupt) ? Double.NaN : (raw[i] - mClean) / (mClean - mCorrupt);
        }
        return new Grid(receiver, config.nLayer(), config.nHead(), raw, normalized, computed, mClean, mCorrupt, approx,
                (System.nanoTime() - begin) / 1e9);
    }

    /** A head's query (key, value) vectors, {@code hook_q|k|v}. */
    private static String vector(char input) {
        return qkv(input, HookPoint.Q, HookPoint.K, HookPoint.V);
    }

    /** A head's own copy of the residual its query (key, value) is made from, {@code hook_q|k|v_input}. */
    private static String input(char input) {
        return qkv(input, HookPoint.Q_INPUT, HookPoint.K_INPUT, HookPoint.V_INPUT);
    }

    private static String qkv(char input, String q, String k, String v) {
        return switch (input) {
            case 'q' -> q;
            case 'k' -> k;
            case 'v' -> v;
            default -> throw new IllegalArgumentException("a receiver's input is q, k or v, not " + input);
        };
    }

    private static String describe(List<Head> receivers, char input) {
        return String.join(",", receivers.stream().map(Head::toString).toList()) + " " + input;
    }

    /**
     * Refuses receivers that are not heads of the model, none, only heads of layer 0, or an input other than q, k, v.
     *
     * @throws IllegalArgumentException saying which
     */
    public static void checkReceivers(Gpt2Config config, List<Head> receivers, char input) {
        vector(input);
        if (receivers.isEmpty()) {
            throw new IllegalArgumentException("name at least one receiving head, e.g. path to 1.0 k");
        }
        for (Head r : receivers) {
            if (r.layer() < 0 || r.layer() >= config.nLayer() || r.head() < 0 || r.head() >= config.nHead()) {
                throw new IllegalArgumentException("no head " + r + ": layers are 0.." + (config.nLayer() - 1) + " and heads 0.."
                        + (config.nHead() - 1));
            }
        }
        if (receivers.stream().allMatch(r -> r.layer() == 0)) {
            throw new IllegalArgumentException("no head comes before layer 0; give a receiver in a later layer");
        }
    }

    private static void check(Gpt2 model, PatchSpec pair) {
        EdgeAttribution.check(model, List.of(pair));
    }
}
