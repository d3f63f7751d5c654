package jlens.repl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.analysis.NdData;
import jlens.hook.HookPoint;
import jlens.intervene.Intervention;
import jlens.intervene.generation.GenerationOptions;
import jlens.intervene.generation.GenerationResult;
import jlens.intervene.generation.GenerationSampling;
import jlens.intervene.prompts.PromptActivationSums;

/** {@code generate}: continue the text with a key/value cache, streaming, with interventions at every step. */
final class GenerateCommands {
    /** More new tokens than any GPT-2 context holds is a typo. */
    private static final int MAX_NEW = 100_000;

    private GenerateCommands() {}

    static Command command() {
        return new Command("generate",
                "generate N [greedy | sample [temp T] [top-k K] [seed S]] [naive] [with ablate head H layer L [token P] [mean]]...",
                "continue the text N tokens with a key/value cache, streaming; interventions apply at every step",
                """
                Continues the text with N new tokens, printed as they come (control characters escaped). Greedy
                by default (the most likely token); 'sample' draws from softmax(logits / T) over the K most
                likely tokens with a seeded generator (temp 1, all tokens, and a random seed, printed, unless
                given): the same seed gives the same tokens. Ctrl-C stops and keeps what was generated; at
                the model's context it stops and says so.
                'with ablate head H layer L' zeroes that head's output (hook_z) at every step; 'token P' only
                at position P of the text (negative counts from the text's end; a position past the text is
                zeroed when generation reaches it); 'mean' puts the head's mean over the prompt set there
                instead of zeros. Repeat 'with ...' for several. Hooks registered on the model (from Java)
                apply too. 'naive' recomputes the whole sequence per token instead of using the cache (same
                tokens, slower: a check).
                Then 'save X.npy' writes the new token ids (int64 [N]), 'save X.json' ids, pieces, text and
                log-probs, 'save X.csv' one row per new token.
                Examples:
                  text "The cat sat on the mat. The cat sat on the mat."
                  generate 20
                  generate 30 sample temp 0.8 top-k 40 seed 1
                  generate 20 with ablate head 2 layer 1
                  prompts examples/known-prompts.jsonl
                  generate 5 with ablate head 1 layer 0 token -2 with ablate head 2 layer 1 token -2 mean""",
                GenerateCommands::complete, GenerateCommands::generate);
    }

    private static List<String> complete(Session s, List<String> before) {
        if (before.isEmpty()) {
            return List.of("20");
        }
        String last = before.get(before.size() - 1).toLowerCase(Locale.ROOT);
        return switch (last) {
            case "with" -> List.of("ablate");
            case "ablate" -> List.of("head");
            case "head" -> Completions.heads(s, false);
            case "layer" -> Completions.layers(s, false);
            case "token" -> Completions.positions(s);
            case "temp", "top-k", "seed" -> List.of();
            case "sample" -> List.of("temp", "top-k", "seed", "with");
            default -> {
                String prev = before.size() >= 2 ? before.get(before.size() - 2).toLowerCase(Locale.ROOT) : "";
                if (prev.equals("layer")) {
                    yield List.of("token", "mean", "with");
                }
                if (prev.equals("head")) {
                    yield List.of("layer");
                }
                yield List.of("greedy", "sample", "naive", "with", "temp", "top-k", "seed");
            }
        };
    }

    private static void generate(Session s, Args a) {
        String usage = a.usage();
        long n = Args.parseLong(a.next("the number of new tokens N"), "N", usage);
        if (n < 1 || n > MAX_NEW) {
            throw new UserError("N must be 1.." + MAX_NEW + ", not " + n + "; usage: " + usage);
        }
        long[] prompt = s.workspace().ids();
        GenerationSampling sampling = GenerationSampling.greedy();
        if (a.accept("sample")) {
            double temp = 1;
            int topK = 0;
            long seed = new java.util.SplittableRandom().nextLong() >>> 33; // short enough to retype
            while (a.hasNext()) {
                if (a.accept("temp")) {
                    temp = Args.parseDouble(a.next("a temperature"), "temp", usage);
                } else if (a.accept("top-k")) {
                    topK = (int) Math.min(Integer.MAX_VALUE, Args.parseLong(a.next("K"), "top-k", usage));
                } else if (a.accept("seed")) {
                    seed = Args.parseLong(a.next("a seed"), "seed", usage);
                } else {
                    break;
                }
            }
            if (!(temp > 0) || topK < 0) {
                throw new UserError("sampling needs temp > 0 and top-k >= 0 (0: every token); use 'greedy' for temperature 0");
            }
            sampling = GenerationSampling.sample(temp, topK, seed);
        } else {
            a.accept("greedy");
        }
        boolean naive = a.accept("naive");
        List<Intervention> interventions = new ArrayList<>();
        List<String> described = new ArrayList<>();
        int lastFed = (int) Math.min(s.workspace().config().nPositions() - 1L, prompt.length + n - 2); // the last position run
        while (a.accept("with")) {
            interventions.add(intervention(s, a, prompt.length, lastFed, described));
        }
        a.end();
        GenerationOptions options = GenerationOptions.greedy((int) n).withSampling(sampling).withInterventions(interventions)
                .withNaive(naive).withCancel(s::cancelRequested);
        String inForce = s.workspace().interventions().describe();
        s.sayChangesInForce(inForce); // said first: what is generated below is the changed model's
        s.println("generating " + n + " tokens after the text's " + prompt.length + " (" + sampling.describe()
                + (naive ? ", recomputing every step" : ", key/value cache")
                + (described.isEmpty() ? "" : ", " + String.join(", ", described)) + "); Ctrl-C stops");
        var out = s.out();
        boolean[] atLineStart = {true};
        GenerationResult r = s.workspace().generate(options.withListener(t -> {
            String shown = visible(t.piece());
            out.print(shown);
            out.flush();
            atLineStart[0] = shown.endsWith("\n");
        }));
        if (!atLineStart[0]) {
            out.println();
        }
        double total = r.totalLogprob();
        String steered = s.workspace().interventions().entries().stream().map(e -> "#" + e.number())
                .reduce((x, y) -> x + ", " + y).map(list -> " with " + list + " in force").orElse("");
        s.println(r.message() + steered + (r.ids().length > 0 ? String.format(Locale.ROOT, "; log-prob %s (%s per token)",
                Format.num(total), Format.num(total / r.ids().length)) : "")
                + ("; 'save X.npy' the ids, 'save X.json' ids, pieces, text and log-probs"));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("new_tokens", n);
        params.put("sampling", sampling.describe());
        params.put("interventions", described);
        s.lastResult(Result.of("generate", "generate " + n + " " + sampling.describe(),
                params, r, () -> csv(r), NdData.of(new long[] {r.ids().length}, r.ids())));
    }

    /** {@code ablate head H layer L [token P] [mean]} after 'with'. */
    private static Intervention intervention(Session s, Args a, int promptLength, int lastFed, List<String> described) {
        var c = s.workspace().config();
        if (!a.accept("ablate") || !a.accept("head")) {
            throw new UserError("after 'with' comes 'ablate head H layer L [token P] [mean]'; usage: " + a.usage());
        }
        int head = a.nextIndex("head", c.nHead(), "the model has " + c.nHead() + " heads per layer");
        if (!a.accept("layer")) {
            throw new UserError("missing 'layer L' after 'ablate head " + head + "'; usage: " + a.usage());
        }
        int layer = a.nextIndex("layer", c.nLayer(), "the model has " + c.nLayer() + " layers");
        int position = -1;
        if (a.accept("token")) {
            long p = Args.parseLong(a.next("a token position"), "token", a.usage());
            long abs = p < 0 ? promptLength + p : p;
            if (abs < 0 || abs >= c.nPositions()) {
                throw new UserError("token " + p + " is out of range: the text has " + promptLength + " tokens (-" + promptLength
                        + "..-1 count from its end) and the context is " + c.nPositions());
            }
            position = (int) abs;
        }
        boolean mean = a.accept("mean");
        described.add("head " + head + " layer " + layer + (mean ? " set to its set mean" : " zeroed")
                + (position == -1 ? "" : " at position " + position));
        if (!mean) {
            return Intervention.zeroHead(layer, head, position);
        }
        PromptActivationSums z = s.workspace().prompts().means(HookPoint.block(layer, HookPoint.Z));
        int needed = position == -1 ? lastFed : position;
        if (needed >= z.positions()) {
            throw new UserError("the prompt set's mean covers positions 0.." + (z.positions() - 1) + " but this generation runs"
                    + " position " + needed + "; generate fewer tokens, give 'token P', or use a set of longer prompts");
        }
        return z.ablation(head, position);
    }

    private static String csv(GenerationResult r) {
        StringBuilder b = new StringBuilder("step,position,token_id,piece,logprob\n");
        for (int i = 0; i < r.ids().length; i++) {
            b.append(i).append(',').append(r.prompt().length + i).append(',').append(r.ids()[i]).append(',')
                    .append(csvField(r.pieces().get(i))).append(',').append(r.logprobs()[i]).append('\n');
        }
        return b.toString();
    }

    /** A CSV cell: quoted (quotes doubled) when it holds a comma, quote or line break. */
    static String csvField(String v) {
        return v.matches("(?s).*[,\"\r\n].*") ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }

    /**
     * Model text safe to stream: newlines and tabs as they are, every other control character (escape sequences,
     * carriage returns, bidirectional overrides) as a visible escape.
     */
    static String visible(String piece) {
        StringBuilder b = new StringBuilder();
        piece.codePoints().forEach(c -> {
            if (c == '\n' || c == '\t') {
                b.appendCodePoint(c);
            } else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029 || Character.getType(c) == Character.FORMAT) {
                b.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
