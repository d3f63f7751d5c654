package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jlens.analysis.AnalysisResult;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;

/**
 * Edge attribution on EAP-IG's graph ({@link EdgeGraph}): every edge's score is the change of the metric when that
 * edge carries its corrupted sender, the receiver's input getting {@code a_u(corrupt) - a_u(clean)} added.
 *
 * <ul>
 *   <li>{@link #exact}: that run, once per edge, through the engine ({@link Value.Senders}): the fast path, or with
 *       {@code options.withNaive(true)} the oracle's full pass per edge; they agree to float rounding. The others'
 *       oracle.</li>
 *   <li>{@link #eap}: to first order, {@code Σ_positions (a_u(corrupt) - a_u(clean)) . ∂m/∂(receiver input)} at the
 *       clean run: a corrupted pass, a clean pass and one backward pass ({@link Gradients}).</li>
 *   <li>{@link #eapIg}: the gradient averaged over S runs of the clean text whose input embedding is
 *       {@code e_corrupt + (k/S)(e_clean - e_corrupt)}, k = 0..S-1 (EAP-IG's "inputs" variant, a left Riemann sum), in
 *       batches with one backward pass each.</li>
 * </ul>
 * Over several pairs (a prompt set, each prompt into its own corrupted prompt) the score and both metrics are the
 * means over the pairs. A pair's {@link PatchSpec#kind()} is not read.
 */
public final class EdgeAttribution {
    private EdgeAttribution() {}

    /** How the scores were computed ({@code FILE}: read from a graph file). */
    public enum Method {
        EXACT("exact"), EAP("eap"), EAP_IG("eap-ig"), FILE("a graph file");

        private final String word;

        Method(String word) {
            this.word = word;
        }

        public String word() {
            return word;
        }
    }

    /**
     * Scores of every edge of {@code graph}, in its order.
     *
     * @param steps EAP-IG's S (0 for the others)
     * @param mClean the clean run's metric (the mean over the pairs)
     * @param mCorrupt the corrupted run's metric
     * @param prompts how many pairs were averaged
     * @param naive whether the oracle computed exact scores
     * @param seconds wall time
     */
    public record Scores(EdgeGraph graph, Method method, int steps, double[] scores, double mClean, double mCorrupt,
                         int prompts, boolean naive, double seconds) implements AnalysisResult {
        public Scores {
            scores = scores.clone();
            if (scores.length != graph.edges().size()) {
                throw new IllegalArgumentException(scores.length + " scores for " + graph.edges().size() + " edges");
            }
        }

        public double score(String edge) {
            int i = graph.indexOf(edge);
            if (i < 0) {
                throw new IllegalArgumentException("no edge " + edge + " in the graph");
            }
            return scores[i];
        }

        /** The method for a reader: {@code exact}, {@code eap}, {@code eap-ig (30 steps)}. */
        public String describe() {
            return method == Method.EAP_IG ? method.word() + " (" + steps + " steps)" : method.word();
        }

        @Override
        public List<String> columns() {
            return List.of("edge", "sender", "receiver", "input", "score");
        }

        @Override
        public int rowCount() {
            return scores.length;
        }

        @Override
        public Object[] row(int i) {
            EdgeGraph.Edge e = graph.edges().get(i);
            return new Object[] {e.name(), graph.nodes().get(e.sender()), graph.nodes().get(e.receiver()),
                    e.input() == 0 ? "" : String.valueOf(e.input()), scores[i]};
        }

        /** The scores in the graph's edge order, {@code [E]}. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {scores.length}, scores.clone());
        }

        /** EAP-IG's {@code Graph.to_json} layout (nothing in the graph yet), which {@code Graph.from_json} reads. */
        @Override
        public boolean jsonIsAFormat() {
            return true;
        }

        @Override
        public String toJson() {
            return GraphJson.write(graph, scores, new boolean[scores.length], new boolean[graph.nodes().size()],
                    GraphJson.about(describe(), mClean, mCorrupt, prompts));
        }
    }

    /**
     * The exact scores' experiments for one pair: the clean run, the corrupted run, then per edge (the graph's order)
     * the clean run with that edge carrying its corrupted sender.
     */
    public static List<Experiment> experiments(EdgeGraph graph, PatchSpec pair) {
        Readout metric = Readout.of(pair.metric());
        List<Experiment> out = new ArrayList<>();
        out.add(Experiment.plain(pair.clean(), metric));
        out.add(Experiment.plain(pair.corrupt(), metric));
        for (EdgeGraph.Edge e : graph.edges()) {
            out.add(new Experiment(pair.clean(), List.of(corrupted(graph, e, pair.corrupt())), metric));
        }
        return out;
    }

    /** Edge {@code e}'s receiver input with the edge's sender as in the run of {@code corrupt}. */
    static Intervention corrupted(EdgeGraph graph, EdgeGraph.Edge e, long[] corrupt) {
        return new Intervention(graph.inputHook(e), Cells.ALL, new Value.Senders(corrupt, List.of(graph.sender(e)),
                weights(graph, e), e.name() + " carries its corrupted sender"));
    }

    /** One weight at an MLP's input or the final residual; one per head at a head's input, 1 for the receiving head. */
    static float[] weights(EdgeGraph graph, EdgeGraph.Edge e) {
        if (e.input() == 0) {
            return new float[] {1};
        }
        float[] w = new float[graph.nHead()];
        w[graph.head(e.receiver())] = 1;
        return w;
    }

    /** Exact scores, the mean over {@code pairs}. */
    public static Scores exact(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, SweepOptions options) {
        check(model, pairs);
        long begin = System.nanoTime();
        EdgeGraph graph = EdgeGraph.of(model.config());
        int n = graph.edges().size();
        double[] sum = new double[n];
        double clean = 0;
        double corrupt = 0;
        boolean naive = false;
        for (PatchSpec pair : pairs) {
            Experiments.Outcome o = Experiments.run(model, standing, experiments(graph, pair), options);
            for (int i = 0; i < n; i++) {
                sum[i] += o.value(i + 2) - o.value(0);
            }
            clean += o.value(0);
            corrupt += o.value(1);
            naive = o.naive();
        }
        return new Scores(graph, Method.EXACT, 0, div(sum, pairs.size()), clean / pairs.size(), corrupt / pairs.size(),
                pairs.size(), naive, (System.nanoTime() - begin) / 1e9);
    }

    /** EAP: first-order scores at the clean run, the mean over {@code pairs}. */
    public static Scores eap(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, SweepOptions options) {
        return gradientScores(model, standing, pairs, 0, options);
    }

    /** EAP-IG with {@code steps} runs between the corrupted and the clean input embedding, the mean over {@code pairs}. */
    public static Scores eapIg(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, int steps, SweepOptions options) {
        if (steps < 1 || steps > 1000) {
            throw new IllegalArgumentException("EAP-IG takes 1 to 1000 steps, not " + steps + "; e.g. edges eap-ig steps 30");
        }
        return gradientScores(model, standing, pairs, steps, options);
    }

    private static Scores gradientScores(Gpt2 model, List<Intervention> standing, List<PatchSpec> pairs, int steps,
                                         SweepOptions options) {
        check(model, pairs);
        long begin = System.nanoTime();
        EdgeGraph graph = EdgeGraph.of(model.config());
        double[] sum = new double[graph.edges().size()];
        double clean = 0;
        double corrupt = 0;
        for (PatchSpec pair : pairs) {
            double[] m = new double[2];
            double[] s = gradientScores(model, standing, graph, pair, steps, options, m);
            for (int i = 0; i < s.length; i++) {
                sum[i] += s[i];
            }
            clean += m[0];
            corrupt += m[1];
        }
        return new Scores(graph, steps == 0 ? Method.EAP : Method.EAP_IG, steps, div(sum, pairs.size()),
                clean / pairs.size(), corrupt / pairs.size(), pairs.size(), false, (System.nanoTime() - begin) / 1e9);
    }

    /** One pair's scores; {@code metrics} gets the clean and the corrupted metric. */
    private static double[] gradientScores(Gpt2 model, List<Intervention> standing, EdgeGraph graph, PatchSpec pair,
                                           int steps, SweepOptions options, double[] metrics) {
        int nl = graph.nLayer();
        List<String> senders = new ArrayList<>();
        senders.add(HookPoint.block(0, HookPoint.RESID_PRE));
        List<String> receivers = new ArrayList<>();
        for (int l = 0; l < nl; l++) {
            senders.add(HookPoint.block(l, HookPoint.RESULT));
            senders.add(HookPoint.block(l, HookPoint.MLP_OUT));
            for (String p : new String[] {HookPoint.Q_INPUT, HookPoint.K_INPUT, HookPoint.V_INPUT, HookPoint.MLP_IN}) {
                receivers.add(HookPoint.block(l, p));
            }
        }
        receivers.add(HookPoint.block(nl - 1, HookPoint.RESID_POST));
        Readout readout = Readout.of(pair.metric());
        try (NDManager m = model.manager().newSubManager()) {
            Gradients.Result c = Gradients.of(model, standing, List.of(Experiment.plain(pair.clean(), readout)),
                    steps == 0 ? receivers : List.of(), senders, options, m);
            Gradients.Result x = Gradients.of(model, standing, List.of(Experiment.plain(pair.corrupt(), readout)), List.of(),
                    senders, options, m);
            metrics[0] = c.metrics()[0];
            metrics[1] = x.metrics()[0];
            Gradients.Result g = steps == 0 ? c : Gradients.of(model, standing, interpolated(pair, readout,
                    c.activations().get(senders.get(0)), x.activations().get(senders.get(0)), steps), receivers, List.of(), options, m);
            // Rows in EAP-IG's forward (sender) and backward (receiver) order: input, per layer its heads and MLP; per
            // layer the heads' q, k, v inputs and the MLP's input, then the logits.
            NDList diffs = new NDList();
            for (String s : senders) {
                diffs.add(rows(x.activations().get(s).sub(c.activations().get(s)))); // [K, T*C]
            }
            NDList grads = new NDList();
            for (String r : receivers) {
                grads.add(rows(g.gradients().get(r))); // [K, T*C]
            }
            NDArray d = NDArrays.concat(diffs).toType(DataType.FLOAT64, false); // [F, T*C]
            NDArray gr = NDArrays.concat(grads).toType(DataType.FLOAT64, false); // [B, T*C]
            double[] table = d.matMul(gr.transpose()).toDoubleArray(); // [F, B]
            int nb = (int) gr.getShape().get(0);
            double[] out = new double[graph.edges().size()];
            for (int i = 0; i < out.length; i++) {
                EdgeGraph.Edge e = graph.edges().get(i);
                out[i] = table[forwardIndex(graph, e.sender()) * nb + backwardIndex(graph, e)];
            }
            return out;
        }
    }

    /** The S rows of EAP-IG: the clean text with its input embedding {@code e_corrupt + (k/S)(e_clean - e_corrupt)}. */
    private static List<Experiment> interpolated(PatchSpec pair, Readout readout, NDArray clean, NDArray corrupt, int steps) {
        int t = pair.tokens();
        float[] e1 = clean.toType(DataType.FLOAT32, false).toFloatArray(); // [1, T, C]
        float[] e0 = corrupt.toType(DataType.FLOAT32, false).toFloatArray();
        int c = e1.length / t;
        List<Experiment> out = new ArrayList<>();
        String hook = HookPoint.block(0, HookPoint.RESID_PRE);
        for (int k = 0; k < steps; k++) {
            float a = (float) k / steps;
            float[][] rows = new float[t][c];
            for (int p = 0; p < t; p++) {
                for (int j = 0; j < c; j++) {
                    rows[p][j] = e0[p * c + j] + a * (e1[p * c + j] - e0[p * c + j]);
                }
            }
            Value v = new Value.Put(Value.Table.byPosition(rows), String.format(Locale.ROOT, "the input embedding %d/%d of the way"
                    + " from the corrupted text's to the clean one's", k, steps));
            out.add(new Experiment(pair.clean(), List.of(new Intervention(hook, Cells.ALL, v)), readout));
        }
        return out;
    }

    /** {@code [1, T, C]} to {@code [1, T*C]}; {@code [1, T, NH, C]} to {@code [NH, T*C]}, a row per head. */
    private static NDArray rows(NDArray a) {
        Shape s = a.getShape();
        if (s.dimension() == 3) {
            return a.reshape(1, s.get(1) * s.get(2));
        }
        return a.get(0).transpose(1, 0, 2).reshape(s.get(2), s.get(1) * s.get(3));
    }

    /** EAP-IG's forward index of a sending node: its place among the nodes without the logits. */
    private static int forwardIndex(EdgeGraph graph, int node) {
        return node;
    }

    /** EAP-IG's backward index of an edge's receiving input: per layer q of each head, k, v, the MLP; the logits last. */
    private static int backwardIndex(EdgeGraph graph, EdgeGraph.Edge e) {
        int nh = graph.nHead();
        if (e.receiver() == graph.logitsNode()) {
            return graph.nLayer() * (3 * nh + 1);
        }
        int l = graph.layer(e.receiver());
        if (e.input() == 0) {
            return l * (3 * nh + 1) + 3 * nh;
        }
        return l * (3 * nh + 1) + "qkv".indexOf(e.input()) * nh + graph.head(e.receiver());
    }

    private static double[] div(double[] sum, int n) {
        double[] out = new double[sum.length];
        for (int i = 0; i < sum.length; i++) {
            out[i] = sum[i] / n;
        }
        return out;
    }

    static void check(Gpt2 model, List<PatchSpec> pairs) {
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("no text pairs to attribute over; give a text and a corrupted text, or a set");
        }
        if (!model.hooks().isEmpty()) {
            throw new IllegalStateException("remove the hooks on " + model.hooks().names()
                    + " before edge attribution: it measures the unhooked model");
        }
        for (PatchSpec p : pairs) {
            if (p.tokens() > model.config().nPositions()) {
                throw new IllegalArgumentException(p.tokens() + " tokens are more than the model's context of "
                        + model.config().nPositions() + "; shorten the text");
            }
            p.metric().checkVocabulary(model.config().vocabSize());
        }
    }
}
