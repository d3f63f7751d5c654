package jlens.repl;

import java.util.ArrayList;
import java.util.List;
import jlens.analysis.DirectLogitAttributionResult;
import jlens.analysis.Metric;
import jlens.analysis.MetricKind;
import jlens.intervene.PatchKind;
import jlens.intervene.PatchMethod;
import jlens.intervene.SweepOptions;
import jlens.intervene.PatchResult;
import jlens.workspace.Workspace;
import jlens.intervene.PatchSpec;

/**
 * The circuit tools: {@code corrupt} and {@code metric} set up activation patching, {@code patch} runs it,
 * {@code lens} is the logit lens, {@code dla} direct logit attribution. Each parses, calls the workspace, and renders
 * through the result's view ({@link PatchView}, {@link LensView}, {@link DlaView}).
 */
final class CircuitCommands {
    private CircuitCommands() {}

    private static final List<String> PATCH_SITES = List.of("resid_pre", "attn_out", "mlp_out", "heads", "resid_mid",
            "resid_post", "q", "k", "v", "pattern", "result");

    static List<Command> all() {
        return List.of(
                new Command("corrupt", "corrupt \"...\"", "set the corrupted text that patching runs (as many tokens as the text)",
                        """
                        Sets the corrupted prompt beside the text: 'patch' runs it and patches the text's (clean)
                        activations into it, one at a time. It must have as many tokens as the text. Without an
                        argument, shows it and where it differs from the text.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          corrupt "The cat sat on the rug. The cat sat on the mat."
                          corrupt""",
                        Command.ArgCompleter.NONE,
                        CircuitCommands::corrupt),
                new Command("metric", "metric logitdiff A B [pos P] | metric logprob TOKEN [pos P]",
                        "what patching measures: a logit difference or a token's log-prob",
                        """
                        The number 'patch' reads from the logits at position P (default -1, the last: the
                        prediction of the token after the text). logitdiff A B is logit[A] - logit[B]; logprob
                        TOKEN is the log-probability of TOKEN. Each token must be one GPT-2 token, usually with
                        its leading space. Without arguments, shows the metric.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          metric logitdiff " mat" " rug" pos -3
                          metric logprob " mat" pos -3
                          metric""",
                        (s, before) -> before.isEmpty() ? List.of("logitdiff", "logprob")
                                : before.get(before.size() - 1).equals("pos") ? Completions.positions(s)
                                : List.of("pos"),
                        CircuitCommands::metric),
                new Command("patch", "patch SITE [pos] [noising] [--approx | set]   (SITE: resid_pre, attn_out, mlp_out, heads, resid_mid, q, ...)",
                        "activation patching: each clean activation into the corrupted run, the metric normalised",
                        """
                        Runs the corrupted text once per cell with one activation replaced by the text's (clean)
                        one, and shows (m - m_corrupt) / (m_clean - m_corrupt): 1 where the patch restores the
                        clean metric, 0 where it changes nothing. resid_pre, attn_out and mlp_out patch one layer
                        at one position (layer x position); heads patches one head's hook_z at every position
                        (layer x head); heads pos one head at one position (layer.head x position). Any other
                        hook point works too: resid_mid and resid_post by position; q, k, v, pattern, result (a
                        head's output before the sum) per head at every position, or with 'pos' at each position.
                        'noising' patches the other way: the corrupted text's activations into the text's run.
                        Exact and fast: a cell recomputes only the layers and positions it can change, cells are
                        batched, and cells whose clean and corrupted values are identical are not run at all.
                        --approx estimates every cell from one backward pass (attribution patching); when the
                        exact grid of the same patch is the last result, it shows both and their correlation.
                        Needs 'corrupt' and 'metric'. Shows progress; Ctrl-C cancels.
                        save X.npy writes the normalised grid ([L, T], [L, H] or [L, H, T]); .json also m_clean,
                        m_corrupt and the raw metric per cell; .csv one row per cell.
                        Ending with 'set' patches every prompt of the prompt set ('prompts') into its own
                        corrupted prompt (each line needs "corrupt"; 'prompts ioi N' has it) and shows the mean
                        over prompts of each cell's metric, normalised with the set's mean m_clean and m_corrupt.
                        Each prompt's metric is its logit[answer] - logit[wrong] at its last token, or the
                        session's 'metric' for prompts without answer and wrong. resid_pre, attn_out, mlp_out and
                        heads pos need prompts of one token count; heads takes mixed lengths. save X.csv then
                        writes each prompt's m_clean and m_corrupt; .npy the mean normalised grid; .json both.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          corrupt "The cat sat on the rug. The cat sat on the mat."
                          metric logprob " mat" pos -3
                          patch resid_pre
                          patch heads
                          patch heads pos
                          patch resid_pre --approx
                          save patch.npy
                          prompts examples/known-prompts.jsonl
                          patch heads set""",
                        (s, before) -> before.isEmpty() ? PATCH_SITES
                                : before.contains("set") || before.contains("--approx") ? List.of()
                                : before.size() == 1 && perHead(before.get(0))
                                ? List.of("pos", "noising", "set", "--approx") : List.of("noising", "set", "--approx"),
                        CircuitCommands::patch),
                new Command("lens", "lens [POS] [TOKEN] [--all]", "logit lens: each layer's residual stream read out as the prediction",
                        """
                        The residual stream entering every layer, and the final one, each through the full final
                        LayerNorm (with its own statistics) and the unembedding: TOKEN's log-prob and rank at
                        position POS per layer (default: position -2 and the real next token), and the top token
                        of every layer at the positions up to POS that fit the screen (--all: at every position;
                        each position costs L+1 unembeddings). The last row is the model's own prediction.
                        save lens.npy writes the [L+1] log-probs; .csv the per-layer table; .json everything.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          lens
                          lens -1 " Paris"
                          lens --all
                          save lens.npy""",
                        (s, before) -> before.isEmpty() ? HookCommands.concat(Completions.positions(s), List.of("--all")) : List.of("--all"),
                        CircuitCommands::lens),
                new Command("dla", "dla [POS] [TOKEN | A - B]",
                        "direct logit attribution: what each head, MLP and embedding writes toward a logit",
                        """
                        Splits the final residual stream at POS (default -2) into the embeddings, each head's
                        output, each attention output bias and each MLP's output, passes each through the final
                        LayerNorm linearly (with the whole residual's scale) and takes its dot product with the
                        unembedding of TOKEN (default: the real next token) or of A minus B (a logit difference).
                        Shows a layer x head heatmap and the largest components; with the constant
                        ln_f.bias . W_U they add up to the logit.
                        save dla.npy writes the [L, H] per-head values; .csv every component.
                        Examples:
                          text "The cat sat on the mat. The cat sat on the mat."
                          dla
                          dla -3 " mat" - " rug"
                          save dla.npy""",
                        (s, before) -> before.isEmpty() ? Completions.positions(s) : List.of(),
                        CircuitCommands::dla));
    }

    /** Whether a patch site's word names a per-head point (for completion: false for what is not a site). */
    private static boolean perHead(String word) {
        try {
            return PatchKind.parse(word).perHead();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Workspace ws(Session s) {
        return s.workspace();
    }

    // ---- corrupt, metric ----

    private static void corrupt(Session s, Args a) {
        if (a.hasNext()) {
            String text = String.join(" ", a.rest());
            Session.user(() -> {
                ws(s).patching().corrupt(text);
                return null;
            });
        } else if (ws(s).patching().corruptText() == null) {
            throw new UserError("no corrupted text yet; give one with corrupt \"...\" (as many tokens as the text)");
        }
        long[] corrupt = Session.user(ws(s).patching()::corruptIds);
        s.println("corrupt " + Words.quote(ws(s).patching().corruptText()));
        StringBuilder line = new StringBuilder(corrupt.length + " tokens");
        if (ws(s).hasText()) {
            long[] clean = s.workspace().ids();
            if (clean.length != corrupt.length) {
                line.append(", but the text has ").append(clean.length).append(": give texts of the same length before 'patch'");
            } else {
                String[] cleanPieces = s.workspace().tokenPieces();
                String[] pieces = s.workspace().model().tokenizer().pieces(corrupt);
                List<String> diff = new ArrayList<>();
                for (int i = 0; i < corrupt.length; i++) {
                    if (corrupt[i] != clean[i]) {
                        diff.add(i + " " + Format.visible(cleanPieces[i]) + " -> " + Format.visible(pieces[i]));
                    }
                }
                line.append(" as the text; ").append(diff.isEmpty() ? "identical to it (patching then changes nothing)"
                        : "differs at position" + (diff.size() == 1 ? " " : "s ") + String.join(", ", diff));
            }
        }
        s.println(line.toString());
    }

    private static void metric(Session s, Args a) {
        if (!a.hasNext()) {
            s.println("metric " + describe(s, Session.user(ws(s).patching()::metric)));
            return;
        }
        String word = a.next("logitdiff or logprob");
        MetricKind kind;
        try {
            kind = MetricKind.parse(word);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        String first = a.next(kind == MetricKind.LOGIT_DIFF ? "the answer token A" : "a token");
        String second = kind == MetricKind.LOGIT_DIFF ? a.next("the other token B") : null;
        int pos = -1;
        if (a.accept("pos")) {
            pos = (int) Args.parseLong(a.next("a position"), "the position", a.usage());
        }
        a.end();
        int p = pos;
        Workspace ws = ws(s);
        Metric m = Session.user(() -> ws.patching().metric(kind == MetricKind.LOGIT_DIFF ? Metric.logitDiff(ws.token(first), ws.token(second), p)
                : Metric.logprob(ws.token(first), p)));
        s.println("metric " + describe(s, m));
    }

    static String describe(Session s, Metric m) {
        return s.workspace().hasText() ? m.describe(s.workspace().model().tokenizer(), s.workspace().ids().length) : m.toString();
    }

    // ---- patch ----

    private static void patch(Session s, Args a) {
        boolean approx = a.flag("--approx");
        String site = a.next("resid_pre, attn_out, mlp_out, heads or another hook point");
        if (a.accept("pos")) {
            site = site + " pos";
        }
        boolean noising = a.accept("noising");
        boolean overSet = a.accept("set");
        a.end();
        PatchKind kind;
        try {
            kind = PatchKind.parse(site);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (overSet) {
            if (approx) {
                throw new UserError("--approx estimates one pair, not a set; use 'patch " + kind.word() + " set' (exact) or 'patch "
                        + kind.word() + " --approx' on the text");
            }
            if (noising) {
                throw new UserError("noising patches one pair, not a set; use 'patch " + kind.word() + " set' (denoising) or 'patch "
                        + kind.word() + " noising' on the text");
            }
            PromptCommands.patch(s, kind);
            return;
        }
        Workspace ws = ws(s);
        PatchSpec denoise = Session.user(() -> ws.patching().spec(kind));
        PatchSpec spec = noising ? denoise.noising() : denoise;
        PatchResult exact = ws.lastResult() instanceof PatchResult r && r.method() != PatchMethod.APPROX
                && sameExperiment(r, spec) ? r : null;
        int cells = spec.cells(ws.config()).size();
        s.println((approx ? "estimating (attribution patching) " : "patching ") + kind.word() + (noising
                ? ": the corrupted text's activations into the text's run (noising), " : ": the text's activations into the corrupted run, ")
                + cells + " cells; metric " + describe(s, spec.metric()) + (approx ? "" : " (Ctrl-C cancels)"));
        ProgressMeter progress = new ProgressMeter(s, "patch");
        PatchResult r;
        try {
            SweepOptions options = SweepOptions.patching().withProgress(progress).withCancel(s::cancelRequested);
            r = Session.user(() -> approx ? ws.patching().approximate(spec, options) : ws.patching().run(spec, options));
        } finally {
            progress.done();
        }
        Double self = approx ? null : Session.user(() -> ws.patching().run(new PatchSpec(spec.clean(), spec.clean(), kind, spec.metric()),
                SweepOptions.patching()).maxAbsFromClean());
        ws.remember(r);
        PatchView.show(s, r, exact, self);
    }

    private static boolean sameExperiment(PatchResult r, PatchSpec spec) {
        return r.spec().kind().equals(spec.kind()) && r.spec().metric().equals(spec.metric())
                && java.util.Arrays.equals(r.spec().clean(), spec.clean()) && java.util.Arrays.equals(r.spec().corrupt(), spec.corrupt());
    }

    private static void lens(Session s, Args a) {
        int t = s.workspace().ids().length;
        boolean all = a.flag("--all");
        int pos = -2;
        if (a.hasNext() && isInteger(a.peek())) {
            pos = Args.index(a.next("a position"), t, "position", "the text has " + t + " tokens", a.usage());
        }
        String token = a.hasNext() ? a.next("a token") : null;
        a.end();
        Workspace ws = ws(s);
        long target = token == null ? -1 : Session.user(() -> ws.token(token));
        int p = pos;
        int at = pos < 0 ? pos + t : pos;
        int fit = LensView.tableColumns(s);
        int last = Math.min(t - 1, Math.max(at, fit - 1)); // the columns the table has room for
        int first = all ? 0 : Math.max(0, last - fit + 1);
        int to = all ? t - 1 : last;
        LensView.show(s, Session.user(() -> ws.lens(p, target, first, to)), token);
    }

    private static void dla(Session s, Args a) {
        int t = s.workspace().ids().length;
        int pos = -2;
        if (a.hasNext() && isInteger(a.peek())) {
            pos = Args.index(a.next("a position"), t, "position", "the text has " + t + " tokens", a.usage());
        }
        List<String> rest = a.rest();
        Workspace ws = ws(s);
        int p = pos;
        long answer;
        long wrong = -1;
        String what;
        if (rest.isEmpty()) {
            answer = -1;
            what = null;
        } else if (rest.size() == 1) {
            answer = Session.user(() -> ws.token(rest.get(0)));
            what = "logit['" + Format.visible(rest.get(0)) + "']";
        } else if (rest.size() == 3 && rest.get(1).equals("-")) {
            answer = Session.user(() -> ws.token(rest.get(0)));
            wrong = Session.user(() -> ws.token(rest.get(2)));
            what = "logit['" + Format.visible(rest.get(0)) + "'] - logit['" + Format.visible(rest.get(2)) + "']";
        } else {
            throw new UserError("give a token or a difference A - B (with spaces around -); usage: " + a.usage());
        }
        long w = wrong;
        DirectLogitAttributionResult r = Session.user(() -> ws.dla(p, answer, w));
        DlaView.show(s, r, what != null ? what : "logit['" + Format.visible(ws.model().tokenizer().pieces(new long[] {r.answer()})[0])
                + "'] (the real next token)", rest);
    }

    private static boolean isInteger(String word) {
        return word.strip().matches("-?\\d+");
    }
}
