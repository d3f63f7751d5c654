package jlens.intervene.prompts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.CaptureTooLargeException;
import jlens.model.Gpt2;
import jlens.model.NonFiniteException;
import jlens.intervene.generation.GenerationChooser;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;

/**
 * Runs a prompt set through the model in padded batches and reduces what it needs per batch, so memory holds one
 * batch at a time whatever the set's size. Batches are padded on the right: every prompt starts in column 0,
 * so a column is a position for every prompt and position-indexed {@link Intervention}s mean the same in every row. The model's registered hooks run too.
 */
public final class PromptBatches {
    public static final int DEFAULT_BATCH = 8;

    private final Gpt2 model;
    private final int batchSize;
    private final BooleanSupplier cancelled;

    public PromptBatches(Gpt2 model, int batchSize, BooleanSupplier cancelled) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("a batch holds at least 1 prompt, not " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
        this.cancelled = cancelled;
    }

    public PromptBatches(Gpt2 model) {
        this(model, DEFAULT_BATCH, () -> false);
    }

    /** Next-token scores at each prompt's last token (of its corrupted text with {@code corrupt}), with interventions. */
    public PromptScores scores(PromptSet set, boolean corrupt, List<Intervention> interventions) {
        checkCorrupt(set, corrupt);
        List<PromptScore> rows = new ArrayList<>();
        PromptScoreSums sums = PromptScoreSums.EMPTY;
        try (Hooks.Scope scope = intervene(interventions)) {
            for (int from = 0; from < set.size(); from += batchSize) {
                checkCancelled();
                int to = Math.min(set.size(), from + batchSize);
                BatchInput in = new BatchInput(set.slice(from, to).ids(corrupt), BatchPadding.RIGHT, padId());
                try (NDManager pass = model.manager().newSubManager()) {
                    NDArray logits = BatchForward.lastLogits(model, in, model.hooks(), pass).toType(DataType.FLOAT32, false); // [B, V]
                    float[] lp = logits.logSoftmax(1).toFloatArray(); // [B * V]
                    int v = (int) logits.getShape().get(1);
                    for (int b = 0; b < in.size(); b++) {
                        PromptScore s = score(from + b, set.get(from + b), corrupt, Arrays.copyOfRange(lp, b * v, (b + 1) * v));
                        rows.add(s);
                        sums = sums.plus(PromptScoreSums.of(s));
                    }
                }
            }
        }
        return new PromptScores(set.source(), corrupt, rows, sums);
    }

    private static PromptScore score(int index, Prompt p, boolean corrupt, float[] lp) {
        NonFiniteException.requireDistribution(lp, "the next-token log-probabilities of line " + p.line() + "'s "
                + (corrupt ? "corrupted " : "") + "prompt", "its scores and the set's means are undefined",
                corrupt ? p.corruptIds() : p.ids());
        int top = GenerationChooser.argmax(lp);
        double answer = p.hasAnswer() ? lp[(int) p.answerId()] : Double.NaN;
        double wrong = p.hasWrong() ? lp[(int) p.wrongId()] : Double.NaN;
        NonFiniteException.requireFinite(new double[] {p.hasAnswer() ? answer : 0, p.hasWrong() ? wrong : 0}, "the answer's and"
                + " wrong token's log-probabilities of line " + p.line(), "their difference and the set's means are undefined (a"
                + " hook ruled the token out)", corrupt ? p.corruptIds() : p.ids());
        return new PromptScore(index, p.line(), top, lp[top], answer, wrong, answer - wrong); // log-softmax keeps logit gaps
    }

    /**
     * Sums over the set of the activation at {@code hookName} (a {@code [B, T, ...]} hook point), per position
     * from each prompt's first token: the mean activation for mean ablation. One batch's activation is held at
     * a time, and its size is checked against the capture budget before any pass.
     */
    public PromptActivationSums sums(PromptSet set, String hookName, boolean corrupt, List<Intervention> interventions) {
        checkCorrupt(set, corrupt);
        String name = model.hooks().resolve(hookName);
        PromptActivationSums.requireBatchThenPosition(name);
        long[] full = HookPoint.shape(name, 1, 1, model.config().nHead(), model.config().nEmbd(), model.config().vocabSize());
        long[] shape = Arrays.copyOfRange(full, 2, full.length);
        checkBudget(set, name);
        PromptActivationSums total = PromptActivationSums.empty(name, shape);
        int w = PromptActivationSums.width(shape);
        try (Hooks.Scope scope = intervene(interventions)) {
            for (int from = 0; from < set.size(); from += batchSize) {
                checkCancelled();
                int to = Math.min(set.size(), from + batchSize);
                BatchInput in = new BatchInput(set.slice(from, to).ids(corrupt), BatchPadding.RIGHT, padId());
                int width = in.width();
                float[][] summed = new float[1][];
                try (Hooks.Scope read = model.hooks().scope(); NDManager pass = model.manager().newSubManager()) {
                    read.add(name, (n, a) -> {
                        summed[0] = sumReal(name, a, in, shape);
                        return null;
                    });
                    BatchForward.lastLogits(model, in, model.hooks(), pass);
                }
                long[] counts = new long[width];
                boolean[] real = in.mask();
                for (int b = 0; b < in.size(); b++) {
                    for (int c = 0; c < width; c++) {
                        counts[c] += real[b * width + c] ? 1 : 0;
                    }
                }
                double[] s = new double[width * w];
                for (int i = 0; i < s.length; i++) {
                    s[i] = summed[0][i];
                }
                total = total.plus(new PromptActivationSums(name, shape, s, counts));
            }
        }
        return total;
    }

    /**
     * Mean ablation of a head over the set: its {@code hook_z} mean over the set (one pass over the set), then the
     * scores with that mean in place of the head's output at {@code position} (every position with
     * -1), beside the clean scores.
     */
    public PromptAblation meanAblation(PromptSet set, int layer, int head, int position) {
        return meanAblation(set, layer, head, position, List.of());
    }

    /** As {@link #meanAblation(PromptSet, int, int, int)} with {@code standing} in force in every pass (the mean's too). */
    public PromptAblation meanAblation(PromptSet set, int layer, int head, int position, List<Intervention> standing) {
        PromptActivationSums z = sums(set, HookPoint.block(layer, HookPoint.Z), false, standing);
        PromptScores clean = scores(set, false, standing);
        List<Intervention> ablate = new java.util.ArrayList<>(standing);
        ablate.add(z.ablation(head, position));
        PromptScores ablated = scores(set, false, ablate);
        return new PromptAblation(layer, head, position, clean, ablated);
    }

    /**
     * {@code a} {@code [B, W, shape...]} summed over the batch at real cells only: {@code [W * prod(shape)]}. Any other
     * layout is refused, naming the hook, rather than summed along the wrong axes.
     */
    private static float[] sumReal(String name, NDArray a, BatchInput in, long[] shape) {
        Shape s = a.getShape();
        long[] expected = new long[shape.length + 2];
        expected[0] = in.size();
        expected[1] = in.width();
        System.arraycopy(shape, 0, expected, 2, shape.length);
        if (!Arrays.equals(s.getShape(), expected)) {
            throw new IllegalStateException(name + " gave an activation of shape " + s + " in a batch of " + in.size()
                    + " prompts of width " + in.width() + "; a mean over the set needs it laid out " + new Shape(expected));
        }
        boolean[] real = in.mask();
        float[] mask = new float[real.length];
        for (int i = 0; i < real.length; i++) {
            mask[i] = real[i] ? 1f : 0f;
        }
        long[] maskDims = new long[s.dimension()];
        Arrays.fill(maskDims, 1);
        maskDims[0] = s.get(0);
        maskDims[1] = s.get(1);
        NDArray m = a.getManager().create(mask, new Shape(maskDims)); // [B, W, 1...]
        return a.toType(DataType.FLOAT32, false).mul(m).sum(new int[] {0}).toFloatArray(); // [W, ...]
    }

    /** Refuses, before any pass, a set whose largest batch's activation at {@code name} is over the capture budget. */
    private void checkBudget(PromptSet set, String name) {
        for (int from = 0; from < set.size(); from += batchSize) {
            int to = Math.min(set.size(), from + batchSize);
            int width = set.slice(from, to).maxLength();
            long bytes = model.captureBytes(List.of(name), width) * (to - from);
            if (bytes > model.captureBudgetBytes()) {
                throw new CaptureTooLargeException(1, width * (to - from), bytes, model.captureBudgetBytes());
            }
        }
    }

    /** The interventions on every batch row; a column is a position in a right-padded batch, so they start at 0. */
    private Hooks.Scope intervene(List<Intervention> interventions) {
        interventions.forEach(i -> i.check(model.config()));
        Hooks.Scope scope = model.hooks().scope();
        try {
            Interventions.register(scope, interventions, () -> 0);
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
        return scope;
    }

    private static void checkCorrupt(PromptSet set, boolean corrupt) {
        if (corrupt && !set.hasCorrupt()) {
            throw new IllegalArgumentException("the prompt set has no corrupted prompt on every line; give each a \"corrupt\" text");
        }
    }

    private long padId() {
        long eot = model.tokenizer().endOfTextId();
        return eot >= 0 && eot < model.config().vocabSize() ? eot : 0;
    }

    private void checkCancelled() {
        if (Thread.currentThread().isInterrupted() || cancelled.getAsBoolean()) {
            throw new CancellationException("cancelled; the set's results were not finished");
        }
    }
}
