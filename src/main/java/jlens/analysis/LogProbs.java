package jlens.analysis;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.IntStream;
import jlens.model.Gpt2;
import jlens.model.Gpt2Tokenizer;
import jlens.model.NonFiniteException;

/** Log-probabilities of the next token at a position: log-softmax of that position's logits over the vocabulary. */
public final class LogProbs {
    private LogProbs() {}

    // Decoding 50257 ids one by one through the tokenizer takes a noticeable moment: do it once per tokenizer.
    private static final Map<Gpt2Tokenizer, String[]> DECODED = new WeakHashMap<>();

    /**
     * @param logits a pass's logits {@code [1, T, V]}
     * @param ids the pass's token ids (T of them), for the real next token
     * @param position the position whose prediction is read; negative counts from the end, so -2 (the notebook's)
     *     predicts the last token
     * @param topK how many most likely tokens to list
     */
    public static AtPosition at(NDArray logits, long[] ids, Gpt2Tokenizer tokenizer, int position, int topK) {
        Tensors.requireSingleSequence(logits, 3, "logits");
        int t = (int) logits.getShape().get(1);
        if (ids.length != t) {
            throw new IllegalArgumentException(ids.length + " token ids given for logits of " + t + " positions");
        }
        int p = Checks.position(position, t);
        float[] row;
        try (NDArray r = logits.get(0, p)) { // [V]
            row = Tensors.floats(r);
        }
        Checks.count("top-k", topK, row.length);
        // log-softmax of such a row is NaN everywhere, and every token would rank first: refused instead
        NonFiniteException.requireFinite(row, "the logits at position " + p, "their log-probabilities and ranks are undefined", ids);
        float[] logProbs = logSoftmax(row);
        String[] vocabulary = decodedVocabulary(tokenizer, row.length);

        Integer[] order = IntStream.range(0, logProbs.length).boxed().toArray(Integer[]::new);
        // Most likely first; equal log-probabilities by id, so the listing is reproducible.
        java.util.Arrays.sort(order, (a, b) -> logProbs[a] != logProbs[b] ? Float.compare(logProbs[b], logProbs[a])
                : Integer.compare(a, b));
        List<Token> top = new ArrayList<>(topK);
        for (int i = 0; i < topK; i++) {
            int id = order[i];
            top.add(new Token(id, vocabulary[id], logProbs[id], rank(logProbs, logProbs[id])));
        }
        Token next = null;
        if (p + 1 < t) {
            int id = (int) ids[p + 1];
            next = new Token(id, vocabulary[id], logProbs[id], rank(logProbs, logProbs[id]));
        }
        return new AtPosition(p, t, next, top, logProbs, vocabulary);
    }

    /** Runs {@code ids} through {@code model} (no hooks of ours) and reads the prediction at {@code position}. */
    public static AtPosition at(Gpt2 model, long[] ids, int position, int topK) {
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray logits = model.forward(ids, scope); // [1, T, V]
            return at(logits, ids, model.tokenizer(), position, topK);
        }
    }

    /** log-softmax in double: {@code x - max - log(sum(exp(x - max)))}, stable for logits in the hundreds. */
    static float[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        double logZ = max + Math.log(sum);
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (logits[i] - logZ);
        }
        return out;
    }

    private static int rank(float[] logProbs, float value) {
        int higher = 0;
        for (float x : logProbs) {
            if (x > value) {
                higher++;
            }
        }
        return higher + 1;
    }

    /** Each id decoded on its own; ids the tokenizer does not know (padding rows of the embedding) get {@code <id N>}. */
    private static String[] decodedVocabulary(Gpt2Tokenizer tokenizer, int size) {
        synchronized (DECODED) {
            String[] known = DECODED.get(tokenizer);
            if (known == null) {
                long[] ids = IntStream.range(0, tokenizer.vocabSize()).asLongStream().toArray();
                known = tokenizer.pieces(ids);
                DECODED.put(tokenizer, known);
            }
            String[] out = new String[size];
            for (int i = 0; i < size; i++) {
                out[i] = i < known.length && known[i] != null ? known[i] : "<id " + i + ">";
            }
            return out;
        }
    }

    /**
     * The next-token distribution at one position (demo 3 step 2): log-softmax of the logits over the vocabulary.
     *
     * @param position the position read, from 0 (a negative position given has been resolved)
     * @param tokens tokens in the text
     * @param next the text's real next token (the one at {@code position + 1}) with its log-probability and rank, or
     *     null at the last position, whose next token the text does not hold
     * @param top the most likely tokens, most likely first
     * @param logProbs every vocabulary id's log-probability, indexed by id (the notebook's 50257-point scatter)
     * @param vocabulary every id's token decoded on its own, for the CSV's {@code token} column
     */
    public record AtPosition(int position, int tokens, Token next, List<Token> top, float[] logProbs,
            String[] vocabulary) implements AnalysisResult {

        /** The log-softmax over the vocabulary: {@code [V]}. */
        @Override
        public NdData array() {
            return NdData.of(new long[] {logProbs.length}, logProbs);
        }


        public AtPosition {
            top = List.copyOf(top);
            if (vocabulary.length != logProbs.length) {
                throw new IllegalArgumentException(vocabulary.length + " token strings for " + logProbs.length + " log-probabilities");
            }
        }

        @Override
        public List<String> columns() {
            return List.of("token_id", "token", "logprob");
        }

        @Override
        public int rowCount() {
            return logProbs.length;
        }

        @Override
        public Object[] row(int i) {
            return new Object[] {i, vocabulary[i], logProbs[i]};
        }

        @Override
        public String toString() {
            return "AtPosition[position " + position + " of " + tokens + ", next " + next + ", top " + top + "]";
        }
    }

    /**
     * A vocabulary entry's log-probability as the next token.
     *
     * @param id token id
     * @param token the token decoded on its own (" who", "\n")
     * @param logProb natural log of its probability
     * @param rank 1 for the most likely token; 1 + the number of tokens strictly more likely
     */
    public record Token(long id, String token, double logProb, int rank) {
        public double probability() {
            return Math.exp(logProb);
        }
    }
}
