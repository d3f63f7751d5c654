package jlens.repl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jlens.chart.TerminalText;
import jlens.chart.TokenActivationStrip;
import jlens.sae.Sae;
import jlens.sae.SaeAttribution;
import jlens.sae.SaeContexts;
import jlens.sae.SaeFeatureCard;
import jlens.sae.SaeFeatures;
import jlens.sae.SaeLogits;
import jlens.workspace.Saes;

/** {@code features} and {@code feature}: reading an SAE's features on the text, over a set or a file, and their attribution. */
final class FeatureCommands {
    private FeatureCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("features", "features [POS] [top K] | features top F over set|FILE [N] | features dla [POS] [TOKEN | A - B]",
                        "the SAE's most active features at a position; a feature's top contexts; attribution through features",
                        """
                        The current SAE's features (see 'sae'), with the changes in force upstream of its hook and its
                        own feature edits:
                          features [POS] [top K]      the K (10) most active features at POS (default -1, the last
                                                      token), each with the tokens its decoder direction promotes most
                                                      (W_dec @ W_U, as on TransformerLens's processed weights);
                                                      'save feats.npy' writes every feature at every token [T, d_sae]
                          features top F over set     the N (10) contexts of the prompt set where feature F is
                          features top F over FILE N  strongest, or of a text file read in windows; streamed with
                                                      progress, Ctrl-C keeps what was found; with its density
                          features dla [POS] [A - B]  each active feature's direct contribution to a logit (the real
                                                      next token by default) or a logit difference at POS (default
                                                      -2), with the error term, the decoder bias and the rest of the
                                                      residual as rows of their own, adding up to the total
                        'feature F' shows one feature on every token.
                        Examples:
                          text "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."
                          sae load known
                          features
                          features 5 top 20
                          prompts examples/known-prompts.jsonl
                          features top 3290 over set 5
                          features dla -1 " cat" - " dog\"""",
                        FeatureCommands::completeFeatures, FeatureCommands::features),
                new Command("feature", "feature F", "one SAE feature on every token, its top promoted and suppressed tokens",
                        """
                        Feature F of the current SAE on the text, as Neuronpedia shows it: each token coloured by the
                        feature's activation (the value written under it; the largest in bold), the tokens its
                        decoder direction promotes and suppresses most through the unembedding, and how many tokens
                        it fires on. 'save f.npy' writes its activations [T], 'save f.csv' one row per token.
                        Example:
                          text "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."
                          sae load known
                          feature 3290""",
                        Command.ArgCompleter.NONE, FeatureCommands::feature));
    }

    private static List<String> completeFeatures(Session s, List<String> before) {
        if (before.isEmpty()) {
            return List.of("top", "dla");
        }
        return switch (before.get(before.size() - 1).toLowerCase(Locale.ROOT)) {
            case "over" -> List.of("set", Completions.FILES);
            default -> before.get(0).equals("top") && before.size() == 2 ? List.of("over") : List.of();
        };
    }

    private static void features(Session s, Args a) {
        Saes saes = s.workspace().saes();
        if (a.accept("top")) {
            top(s, a, saes);
            return;
        }
        if (a.accept("dla")) {
            dla(s, a, saes);
            return;
        }
        int t = s.workspace().ids().length;
        int pos = a.hasNext() && a.peek().matches("-?\\d+") ? Args.index(a.next("a position"), t, "position",
                "the text has " + t + " tokens", a.usage()) : t - 1;
        int k = 10;
        if (a.accept("top")) {
            k = (int) Math.max(1, Math.min(1000, Args.parseLong(a.next("a count"), "K", a.usage())));
        }
        a.end();
        int kk = k;
        saes.bosNote().ifPresent(s::println);
        SaeFeatures.AtPosition r = Session.user(() -> saes.features(pos, kk, 5));
        String[] pieces = r.all().pieces();
        Sae sae = saes.current();
        s.println(sae.name() + " at " + sae.hook() + ", position " + r.position() + " '" + Format.visible(pieces[r.position()])
                + "'" + (r.position() > 0 ? " (after '" + Format.visible(pieces[r.position() - 1]) + "')" : "") + ": "
                + r.active() + " of " + sae.dSae() + " features active" + (r.top().isEmpty() ? "" : ", the "
                + r.top().size() + " strongest:"));
        if (!r.top().isEmpty()) {
            float max = r.top().get(0).activation();
            boolean unicode = s.style().unicode();
            boolean labelled = saes.label(sae, r.top().get(0).feature()).isPresent();
            TextTable table = new TextTable("feature", "activation", "", labelled ? "what it is"
                    : r.noLogitPath() == null ? "promotes" : "");
            int room = Math.max(12, s.textWidth() - 40); // what the last column has left on a line
            for (SaeFeatures.Hit h : r.top()) {
                int bar = Math.max(1, Math.round(10 * h.activation() / max));
                String last = labelled ? saes.label(sae, h.feature()).map(FeatureCommands::label).orElse("")
                        : fit(h.promoted(), room);
                table.row(h.feature(), (double) h.activation(), (unicode ? "\u2588" : "#").repeat(bar), last);
            }
            s.out().print(table);
        }
        if (r.noLogitPath() != null) {
            s.println("(no tokens listed: " + r.noLogitPath() + ")");
        }
        s.println("'feature F' shows one on every token; 'save feats.npy' writes every feature at every token " + Format.shape(
                r.array().shape()));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("sae", r.sae());
        params.put("position", r.position());
        s.lastResult(Result.of("features", "features " + r.position() + " top " + kk, params, r));
    }

    private static void feature(Session s, Args a) {
        Saes saes = s.workspace().saes();
        int f = SaeCommands.feature(a);
        a.end();
        saes.bosNote().ifPresent(s::println);
        SaeFeatureCard.Card c = Session.user(() -> saes.feature(f, 8));
        Sae sae = saes.current();
        String[] labels = c.pieces();
        double[] values = new double[c.acts().length];
        for (int i = 0; i < values.length; i++) {
            values[i] = c.acts()[i];
        }
        String head = "feature " + f + " of " + sae.name() + " at " + sae.hook() + ": fires on " + c.active() + " of "
                + c.ids().length + " tokens (density " + Format.num(c.density()) + ")" + (c.active() > 0 ? ", strongest "
                + Format.num(c.max()) + " at " + c.argmax() + " '" + Format.visible(labels[c.argmax()]) + "'" : "");
        s.println(head);
        long undefined = java.util.Arrays.stream(values).filter(v -> !Double.isFinite(v)).count();
        if (undefined > 0) { // the rule for non-finite values: kept as they are (blank in the strip, nan in 'save'), and said
            s.println("not finite: the feature's activation at " + undefined + " of " + values.length + " tokens is NaN or"
                    + " infinite (the model's activations at its hook are; 'logprobs' says where the pass first goes so)");
        }
        saes.label(sae, f).ifPresent(l -> s.println("it is: " + label(l)));
        if (c.noLogitPath() == null) {
            s.println("promotes:   " + tokens(c.promoted()));
            s.println("suppresses: " + tokens(c.suppressed()));
        } else {
            s.println("(no promoted tokens: " + c.noLogitPath() + ")");
        }
        TokenActivationStrip strip = new TokenActivationStrip(labels, values).marked(c.active() > 0 ? c.argmax() : -1)
                .title("feature " + f + " on the text");
        s.draw(strip, null, Math.max(6, s.chartHeight(1)));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("sae", c.sae());
        params.put("feature", f);
        s.lastResult(Result.of("feature", "feature " + f, params, c));
    }

    /**
     * Promoted tokens that fit {@code room} columns, strongest first; a direction that moves no logit (all its weights
     * about 0, as the known SAE's, whose writes ln_f cancels) says so instead.
     */
    private static String fit(List<SaeLogits.TokenWeight> list, int room) {
        if (list.isEmpty() || list.stream().allMatch(w -> Math.abs(w.weight()) < 1e-4)) {
            return list.isEmpty() ? "" : "(no direct effect on the logits)";
        }
        StringBuilder b = new StringBuilder();
        for (SaeLogits.TokenWeight w : list) {
            String t = "'" + Format.visible(w.token()) + "'";
            if (b.length() > 0 && TerminalText.width(b + " " + t) > room) {
                break;
            }
            b.append(b.length() > 0 ? " " : "").append(t);
        }
        return b.toString();
    }

    /** {@code the current token is '·went'} */
    private static String label(Saes.FeatureLabel l) {
        return l.what() + " '" + Format.visible(l.piece()) + "'";
    }

    private static String tokens(List<SaeLogits.TokenWeight> list) {
        if (list.stream().allMatch(w -> Math.abs(w.weight()) < 1e-4)) {
            return "(no direct effect on the logits)";
        }
        return list.stream().map(w -> "'" + Format.visible(w.token()) + "' " + Format.num(w.weight()))
                .collect(Collectors.joining(", "));
    }

    private static void top(Session s, Args a, Saes saes) {
        int f = SaeCommands.feature(a);
        if (!a.accept("over")) {
            throw new UserError("say where: features top F over set|FILE [N]; usage: " + a.usage());
        }
        String where = a.next("set or a text file");
        int n = a.hasNext() ? (int) Math.max(1, Math.min(1000, Args.parseLong(a.next("a count"), "N", a.usage()))) : 10;
        a.end();
        Path file = where.equals("set") ? null : SaveCommand.path(where);
        ProgressMeter meter = new ProgressMeter(s, "feature " + f);
        SaeContexts.Top r;
        try {
            r = Session.user(() -> saes.top(f, file, n, share -> meter.update((int) Math.round(1000 * share), 1000)));
        } finally {
            meter.done();
        }
        s.println("feature " + f + " of " + r.sae() + " over " + r.over() + ": fires on " + r.active() + " of " + r.tokens()
                + " tokens (density " + Format.num(r.density()) + ")" + (r.complete() ? ""
                : "; stopped at " + Math.round(100 * r.progress()) + "%, keeping what was found"));
        boolean unicode = s.style().unicode();
        String open = unicode ? "\u00ab" : "[[";
        String close = unicode ? "\u00bb" : "]]";
        int i = 1;
        for (SaeContexts.Context c : r.contexts()) {
            StringBuilder line = new StringBuilder();
            for (int k = 0; k < c.pieces().length; k++) {
                String p = Format.visible(c.pieces()[k]);
                line.append(k == c.marked() ? open + p + close : p);
            }
            s.println(String.format(Locale.ROOT, "%2d. %s  %s: %s", i++, Format.num(c.activation()), c.where(), line));
        }
        if (r.contexts().isEmpty()) {
            s.println("it never fired");
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("feature", f);
        params.put("over", r.over());
        s.lastResult(Result.of("feature-top", "features top " + f + " over " + where + " " + n, params, r));
    }

    private static void dla(Session s, Args a, Saes saes) {
        int t = s.workspace().ids().length;
        int pos = a.hasNext() && a.peek().matches("-?\\d+") ? Args.index(a.next("a position"), t, "position",
                "the text has " + t + " tokens", a.usage()) : t - 2;
        List<String> rest = a.rest();
        long answer;
        long wrong = -1;
        String what;
        if (rest.isEmpty()) {
            if (pos + 1 >= t) {
                throw new UserError("position " + pos + " is the last token, so there is no real next token; give a token"
                        + " (features dla -1 \" Paris\") or an earlier position");
            }
            answer = s.workspace().ids()[pos + 1];
            what = "logit['" + Format.visible(s.workspace().model().tokenizer().pieces(new long[] {answer})[0]) + "'] (the real next token)";
        } else if (rest.size() == 1) {
            answer = Session.user(() -> s.workspace().token(rest.get(0)));
            what = "logit['" + Format.visible(rest.get(0)) + "']";
        } else if (rest.size() == 3 && rest.get(1).equals("-")) {
            answer = Session.user(() -> s.workspace().token(rest.get(0)));
            wrong = Session.user(() -> s.workspace().token(rest.get(2)));
            what = "logit['" + Format.visible(rest.get(0)) + "'] - logit['" + Format.visible(rest.get(2)) + "']";
        } else {
            throw new UserError("give a token or a difference A - B (with spaces around -); usage: " + a.usage());
        }
        long an = answer;
        long wr = wrong;
        SaeAttribution.Result r = Session.user(() -> saes.dla(pos, an, wr));
        s.println("attribution through " + r.sae() + "'s features at position " + r.position() + " toward " + what + ":");
        int shown = Math.min(r.features().size(), 12);
        TextTable table = new TextTable("row", "activation", "contribution");
        for (SaeAttribution.Term x : r.features().subList(0, shown)) {
            table.row(x.name(), (double) x.activation(), x.value());
        }
        table.row("error term", "", r.error());
        table.row("decoder bias", "", r.bias());
        table.row("rest of residual", "", r.rest());
        s.out().print(table);
        if (shown < r.features().size()) {
            s.println("(" + (r.features().size() - shown) + " more active features; 'save X.csv' writes every row)");
        }
        s.println("check: rows + constant " + Format.num(r.constant()) + " = " + Format.num(r.total()) + " = the model's "
                + (r.isDifference() ? "logit difference " : "logit ") + Format.num(r.logit()) + " (|diff| "
                + Format.num(Math.abs(r.total() - r.logit())) + ")");
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("position", r.position());
        params.put("answer", r.answer());
        params.put("wrong", r.wrong());
        s.lastResult(Result.of("features-dla", "features dla " + r.position(), params, r));
    }
}
