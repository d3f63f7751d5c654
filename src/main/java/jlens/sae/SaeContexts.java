package jlens.sae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CancellationException;
import java.util.function.DoubleConsumer;
import jlens.analysis.AnalysisResult;
import jlens.intervene.Intervention;
import jlens.model.Gpt2;

/**
 * A feature's highest-activating contexts over many texts (a prompt set, a text file's windows), streamed: windows are
 * run in small batches up to the SAE's hook, and only the best {@code n} contexts (each window's strongest token, with
 * the tokens around it) are kept, with how often the feature fires. Ctrl-C stops it and keeps what was found.
 */
public final class SaeContexts {
    /** Windows run together. */
    static final int BATCH = 8;
    /** Tokens shown before and after the marked one. */
    static final int BEFORE = 16;
    static final int AFTER = 6;

    private SaeContexts() {}

    /** One window of token ids and where it came from ({@code line 120}, {@code prompt 4}). */
    public record Window(long[] ids, String where) {}

    /** Where windows come from. */
    public interface Source {
        /** Up to {@code n} windows; empty at the end. */
        List<Window> next(int n);

        /** The share read so far, 0..1. */
        double progress();

        /** {@code the prompt set (40 prompts)}, {@code corpus.txt}. */
        String describe();
    }

    /** The prompts of a set, each its own window. */
    public static Source of(List<long[]> prompts, String describe) {
        return new Source() {
            private int next;

            @Override
            public List<Window> next(int n) {
                List<Window> out = new ArrayList<>();
                while (out.size() < n && next < prompts.size()) {
                    out.add(new Window(prompts.get(next), "prompt " + (next + 1)));
                    next++;
                }
                return out;
            }

            @Override
            public double progress() {
                return prompts.isEmpty() ? 1 : next / (double) prompts.size();
            }

            @Override
            public String describe() {
                return describe;
            }
        };
    }

    /** A text file's windows. */
    public static Source of(SaeTextCorpus corpus, String describe) {
        return new Source() {
            @Override
            public List<Window> next(int n) {
                return corpus.next(n).stream().map(w -> new Window(w.ids(), "line " + w.line())).toList();
            }

            @Override
            public double progress() {
                return corpus.progress();
            }

            @Override
            public String describe() {
                return describe;
            }
        };
    }

    /**
     * One context: the tokens around the window's strongest token for the feature.
     *
     * @param where where the window came from
     * @param ids the tokens shown
     * @param pieces their text
     * @param marked the index in {@code ids} of the activating token
     * @param activation the feature's activation there
     */
    public record Context(String where, long[] ids, String[] pieces, int marked, float activation) {}

    /**
     * @param contexts the best contexts, strongest first
     * @param tokens tokens read
     * @param active tokens where the feature fired
     * @param complete false when Ctrl-C stopped it (what was found is kept)
     * @param progress the share of the source read
     */
    public record Top(String sae, int feature, String over, List<Context> contexts, long tokens, long active, boolean complete,
                      double progress) implements AnalysisResult {
        /** The share of tokens where the feature fires. */
        public double density() {
            return tokens == 0 ? 0 : active / (double) tokens;
        }

        @Override
        public List<String> columns() {
            return List.of("rank", "where", "activation", "token", "context");
        }

        @Override
        public int rowCount() {
            return contexts.size();
        }

        @Override
        public Object[] row(int i) {
            Context c = contexts.get(i);
            return new Object[] {i + 1, c.where(), c.activation(), c.pieces()[c.marked()], String.join("", c.pieces())};
        }
    }

    /**
     * The {@code n} windows of {@code source} where {@code feature} is strongest, with the changes in force
     * ({@code standing}, the SAE's own left out) and {@code splice}'s edits.
     *
     * @param check run before every layer (Ctrl-C)
     * @param progress told the share read after every batch
     */
    public static Top top(Gpt2 model, Source source, SaeSplice splice, List<Intervention> standing, int feature, int n,
                          Runnable check, DoubleConsumer progress) {
        Sae sae = splice.sae();
        if (feature < 0 || feature >= sae.dSae()) {
            throw new IllegalArgumentException("feature " + feature + " is out of range: " + sae.name() + " has features 0.."
                    + (sae.dSae() - 1));
        }
        PriorityQueue<Context> best = new PriorityQueue<>(Comparator.comparingDouble(Context::activation));
        long tokens = 0;
        long active = 0;
        boolean complete = true;
        try {
            for (List<Window> batch = source.next(BATCH); !batch.isEmpty(); batch = source.next(BATCH)) {
                Map<Integer, List<Window>> byLength = new LinkedHashMap<>();
                batch.forEach(w -> byLength.computeIfAbsent(w.ids().length, k -> new ArrayList<>()).add(w));
                for (List<Window> group : byLength.values()) {
                    float[] acts = column(model, group, splice, standing, feature, check); // [B*T]
                    int t = group.get(0).ids().length;
                    for (int b = 0; b < group.size(); b++) {
                        int arg = -1;
                        for (int p = 0; p < t; p++) {
                            float a = acts[b * t + p];
                            active += a > 0 ? 1 : 0;
                            if (a > 0 && (arg < 0 || a > acts[b * t + arg])) {
                                arg = p;
                            }
                        }
                        tokens += t;
                        if (arg >= 0 && (best.size() < n || acts[b * t + arg] > best.peek().activation())) {
                            best.add(context(model, group.get(b), arg, acts[b * t + arg]));
                            if (best.size() > n) {
                                best.poll();
                            }
                        }
                    }
                }
                progress.accept(source.progress());
            }
        } catch (CancellationException e) {
            complete = false; // Ctrl-C: keep what was found
            Thread.interrupted();
        }
        List<Context> sorted = new ArrayList<>(best);
        sorted.sort(Comparator.comparingDouble((Context c) -> -c.activation()));
        return new Top(sae.name(), feature, source.describe(), sorted, tokens, active, complete, source.progress());
    }

    /** The feature's activation at every token of windows of one length {@code [B*T]}. */
    private static float[] column(Gpt2 model, List<Window> group, SaeSplice splice, List<Intervention> standing, int feature,
                                  Runnable check) {
        long[][] ids = new long[group.size()][];
        for (int b = 0; b < ids.length; b++) {
            SaePass.checkIds(model, group.get(b).ids());
            ids[b] = group.get(b).ids();
        }
        try (NDManager m = model.manager().newSubManager()) {
            NDArray x = SaePass.input(model, ids, splice.sae(), standing, m, check); // [B*T, D]
            NDArray acts = splice.edited(splice.sae().encode(x).acts()); // [B*T, F]
            return acts.get(":, {}", feature).toFloatArray();
        }
    }

    private static Context context(Gpt2 model, Window w, int at, float activation) {
        int from = Math.max(0, at - BEFORE);
        int to = Math.min(w.ids().length, at + AFTER + 1);
        long[] ids = java.util.Arrays.copyOfRange(w.ids(), from, to);
        return new Context(w.where(), ids, model.tokenizer().pieces(ids), at - from, activation);
    }
}
