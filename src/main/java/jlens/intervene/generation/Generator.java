package jlens.intervene.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.CaptureTooLargeException;
import jlens.intervene.Intervention;
import jlens.intervene.Interventions;
import jlens.model.Gpt2;
import jlens.model.NonFiniteException;

/**
 * Continues a prompt token by token with a key/value cache: the prompt goes through the model once (the
 * prefill), then each step runs only the newest token, attending to the cached keys and values of every
 * earlier position. Hooks run at every step, so a registered ablation applies to every new token.
 *
 * <p>What a hook sees: in the prefill, the shapes of a full pass over the prompt ({@code [1, T, ...]},
 * attention {@code [1, NH, T, T]}); at a later step, the new position only: {@code [1, 1, ...]}, and attention
 * scores and pattern {@code [1, NH, 1, P+1]}, the new query against all P+1 keys, which is the last row of
 * what a full pass would show. {@link Intervention}s in the options are told which sequence positions each step's
 * activation covers, so "zero head 4 at position 7" zeroes position 7 once, in whichever pass computes it, and
 * "add this vector at positions 0..3" adds nothing at later steps. A plain {@link jlens.hook.Hook} is applied to whatever positions the pass
 * holds; one that acts the same at every position (zero a head everywhere, add a vector to the residual) gives
 * the same tokens as recomputing the whole sequence with it at every step. A hook whose effect at a position
 * depends on later positions cannot be reproduced by any cache: the cached keys and values were computed
 * before those positions existed.
 *
 * <p>The final layer norm and unembedding run on the last position only, unless a hook is registered at
 * {@code ln_final} or the logits, which then see every position of the prefill, as in a full pass.
 */
public final class Generator {
    private final Gpt2 model;

    public Generator(Gpt2 model) {
        this.model = model;
    }

    /** Generates with the hooks registered on the model. */
    public GenerationResult generate(long[] prompt, GenerationOptions options) {
        return generate(prompt, options, model.hooks());
    }

    /** Generates with {@code hooks} (a registry of this model's hook points) at every step. */
    public GenerationResult generate(long[] prompt, GenerationOptions options, Hooks hooks) {
        int context = model.config().nPositions();
        checkPrompt(prompt, context);
        options.interventions().forEach(i -> i.check(model.config())); // said before any pass
        int room = context - prompt.length;
        int n = Math.min(options.maxNewTokens(), room);
        int fed = prompt.length + n - 1; // the last new token is never fed back
        long cacheBytes = options.naive() ? 0 : KvCache.bytes(model.config(), model.dtype(), fed);
        if (cacheBytes > model.captureBudgetBytes()) {
            throw new IllegalArgumentException("the key/value cache for " + fed + " positions needs "
                    + CaptureTooLargeException.human(cacheBytes) + ", over the " + CaptureTooLargeException.human(model.captureBudgetBytes())
                    + " capture budget; generate fewer tokens or raise the budget ('set budget 8g')");
        }
        GenerationChooser chooser = new GenerationChooser(options.sampling());
        long[] sequence = java.util.Arrays.copyOf(prompt, prompt.length + n);
        List<String> pieces = new ArrayList<>();
        double[] logprobs = new double[n];
        int made = 0;
        GenerationStop stop = GenerationStop.DONE;
        int[] start = {0}; // the first sequence position of the pass running now, for the interventions
        try (NDManager generation = model.manager().newSubManager(); Hooks.Scope scope = hooks.scope();
                Steps steps = options.naive() ? new Recompute(generation, hooks, start) : new Cached(generation, hooks, start, fed)) {
            Interventions.register(scope, options.interventions(), () -> start[0]); // a position means the same in every step
            while (made < n) {
                if (Thread.currentThread().isInterrupted() || options.cancelled().getAsBoolean()) {
                    stop = GenerationStop.CANCELLED;
                    break;
                }
                int position = prompt.length + made;
                float[] lp = steps.next(sequence, position); // [V]
                NonFiniteException.requireDistribution(lp, "the log-probabilities of new token " + (made + 1) + " (position "
                        + position + ")", "no token can be chosen from them", java.util.Arrays.copyOf(sequence, position));
                int id = chooser.choose(lp);
                sequence[position] = id;
                logprobs[made] = lp[id];
                String piece = model.tokenizer().pieces(new long[] {id})[0];
                pieces.add(piece);
                made++;
                options.listener().onToken(new GeneratedToken(made - 1, position, id, piece, lp[id]));
            }
        }
        if (stop == GenerationStop.DONE && n < options.maxNewTokens()) {
            stop = GenerationStop.CONTEXT;
        }
        long[] ids = java.util.Arrays.copyOfRange(sequence, prompt.length, prompt.length + made);
        return new GenerationResult(prompt, ids, pieces, model.tokenizer().decode(ids),
                java.util.Arrays.copyOf(logprobs, made), options.sampling(), stop, message(stop, made, options.maxNewTokens(), context));
    }

    private static String message(GenerationStop stop, int made, int asked, int context) {
        return switch (stop) {
            case DONE -> made + " new tokens";
            case CONTEXT -> String.format(Locale.ROOT, "stopped at the model's context of %d tokens after %d of the %d new"
                    + " tokens asked for; shorten the text to generate more", context, made, asked);
            case CANCELLED -> String.format(Locale.ROOT, "cancelled after %d of %d new tokens; those are kept", made, asked);
        };
    }

    private void checkPrompt(long[] prompt, int context) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("no tokens to continue; give a text first");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the text's " + prompt.length + " tokens already fill the model's context of "
                    + context + "; shorten it to leave room for new tokens");
        }
        for (long id : prompt) {
            if (id < 0 || id >= model.config().vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary 0.." + (model.config().vocabSize() - 1));
            }
        }
    }

    /** Log-probabilities at the last position of {@code x} {@code [1, T, C]}, as a float array {@code [V]}. */
    private float[] lastLogprobs(NDArray x, Hooks hooks) {
        long t = x.getShape().get(1);
        boolean everyPosition = hooks.has(HookPoint.LN_FINAL) || hooks.has(HookPoint.LOGITS);
        NDArray rows = everyPosition ? x : x.get("{}:{}, {}:, :", 0, 1, t - 1); // [1, T or 1, C]
        NDArray logits = model.unembed(rows, hooks); // [1, T or 1, V]
        long last = logits.getShape().get(1) - 1;
        return logits.get("0, {}, :", last).toType(DataType.FLOAT32, false).logSoftmax(0).toFloatArray(); // [V]
    }

    /** How the next log-probabilities are computed: from the cache, or from scratch. */
    private interface Steps extends AutoCloseable {
        /** Log-probabilities {@code [V]} after {@code sequence[0..length-1]}. */
        float[] next(long[] sequence, int length);

        @Override
        void close();
    }

    /** The cached path: each call runs only the positions not yet in the cache. */
    private final class Cached implements Steps {
        private final NDManager generation;
        private final Hooks hooks;
        private final int[] start;
        private final KvCache cache;

        Cached(NDManager generation, Hooks hooks, int[] start, int capacity) {
            this.generation = generation;
            this.hooks = hooks;
            this.start = start;
            this.cache = new KvCache(generation, model.config(), model.dtype(), capacity);
        }

        @Override
        public float[] next(long[] sequence, int length) {
            int p = cache.length();
            int t = length - p;
            long[] feed = java.util.Arrays.copyOfRange(sequence, p, length);
            try (NDManager pass = generation.newSubManager()) {
                start[0] = p;
                NDArray x = model.embed(pass.create(feed, new Shape(1, t)), p, hooks); // [1, t, C]
                for (int l = 0; l < model.config().nLayer(); l++) {
                    Gpt2.BlockOutput out = model.block(l, x, cache.prefix(l, pass), hooks);
                    cache.put(l, out.k(), out.v()); // [1, NH, t, HS] each
                    x = out.residual(); // [1, t, C]
                }
                cache.advance(t);
                return lastLogprobs(x, hooks);
            }
        }

        @Override
        public void close() {
            cache.close();
        }
    }

    /** The oracle: every call runs the whole sequence so far, as a plain forward pass would. */
    private final class Recompute implements Steps {
        private final NDManager generation;
        private final Hooks hooks;
        private final int[] start;

        Recompute(NDManager generation, Hooks hooks, int[] start) {
            this.generation = generation;
            this.hooks = hooks;
            this.start = start;
        }

        @Override
        public float[] next(long[] sequence, int length) {
            try (NDManager pass = generation.newSubManager()) {
                start[0] = 0;
                long[] all = java.util.Arrays.copyOf(sequence, length);
                NDArray x = model.embed(pass.create(all, new Shape(1, length)), 0, hooks); // [1, T, C]
                for (int l = 0; l < model.config().nLayer(); l++) {
                    x = model.block(l, x, null, hooks).residual(); // [1, T, C]
                }
                return lastLogprobs(x, hooks);
            }
        }

        @Override
        public void close() {}
    }
}
