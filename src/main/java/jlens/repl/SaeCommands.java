package jlens.repl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import jlens.sae.Sae;
import jlens.sae.SaeEdit;
import jlens.sae.SaeSplice;
import jlens.sae.SaeStats;
import jlens.workspace.InterventionScope;
import jlens.workspace.Saes;

/** {@code sae ...} and {@code saes}: loading SAEs, splicing them in, editing features, and their statistics. */
final class SaeCommands {
    private SaeCommands() {}

    static List<Command> all() {
        List<Command> out = new ArrayList<>(List.of(
                new Command("sae", "sae load DIR|ORG/REPO/FOLDER|known [--force] [--norm-scale S] | sae on [--error] | sae off"
                        + " | sae stats [set] [--quick] | sae ablate F... | sae set F VALUE | sae steer F coeff C | sae clear"
                        + " | sae use NAME | sae unload [NAME|all]",
                        "load a sparse autoencoder (SAELens folder or hub), splice it in, edit its features, measure it",
                        """
                        Sparse autoencoders in SAELens's layout (cfg.json + sae_weights.safetensors; SAELens 6 and older):
                          sae load DIR            a folder; 'sae load ORG/REPO/FOLDER' fetches one from the hub into
                                                  the Hugging Face cache (gpt2-small-res-jb/blocks.8.hook_resid_pre
                                                  names jbloom's release); 'sae load known' is the known-answer
                                                  model's SAE (its features are the current and previous tokens).
                                                  The SAE must fit the model (hook, d_in) and be for it: --force
                                                  runs one trained for another model's name. --norm-scale S gives
                                                  expected_average_only_in's factor. Several may be loaded; the last
                                                  is the one commands act on ('sae use NAME' switches, 'saes' lists).
                          sae on [--error]        its reconstruction replaces its hook's activation in every run;
                                                  with --error the error term is added back (the model unchanged)
                          sae off                 takes the reconstruction out (feature edits stay)
                          sae ablate F...         zero features at every position, error term kept: only the edit
                                                  changes the model
                          sae set F VALUE         set a feature's activation at every position, error term kept
                          sae steer F coeff C     add C x W_dec[F] to the hook's activation at every position
                          sae clear               remove the feature edits
                          sae stats [set]         L0, explained variance, MSE, and the next-token loss and KL with the
                                                  reconstruction spliced in, on the text or over the prompt set
                                                  (--quick: without the loss and KL)
                        What an SAE does stands among the changes in force like a steering vector: every analysis
                        and generate honours it, 'steers' lists it, 'unsteer N' removes it.
                        Examples:
                          sae load known
                          text "The quick brown fox jumps over the lazy dog. The quick brown fox jumps over the lazy dog."
                          sae on --error
                          sae ablate 3290 13
                          sae stats""",
                        SaeCommands::complete, SaeCommands::sae),
                new Command("saes", "saes", "list the loaded SAEs and what each does to the model",
                        """
                        Lists every loaded SAE: its name (* marks the one commands act on), architecture, hook, number
                        of features and width, and what it does to the model now.
                        Example:
                          saes""",
                        Command.ArgCompleter.NONE, SaeCommands::list)));
        out.addAll(FeatureCommands.all());
        return out;
    }

    private static List<String> complete(Session s, List<String> before) {
        if (before.isEmpty()) {
            return List.of("load", "on", "off", "stats", "ablate", "set", "steer", "clear", "use", "unload");
        }
        String first = before.get(0).toLowerCase(Locale.ROOT);
        return switch (first) {
            case "load" -> before.size() == 1 ? List.of("known", Completions.FILES) : List.of("--force", "--norm-scale");
            case "on" -> List.of("--error");
            case "stats" -> List.of("set", "--quick");
            case "steer" -> before.size() == 2 ? List.of("coeff") : List.of();
            case "use", "unload" -> names(s);
            default -> List.of();
        };
    }

    private static List<String> names(Session s) {
        return s.workspace().saes().list().stream().map(Sae::name).toList();
    }

    private static void sae(Session s, Args a) {
        Saes saes = s.workspace().saes();
        String verb = a.next("what to do: load, on, off, stats, ablate, set, steer, clear, use or unload").toLowerCase(Locale.ROOT);
        switch (verb) {
            case "load" -> load(s, a, saes);
            case "on" -> {
                boolean error = a.flag("--error");
                a.end();
                said(s, Session.user(() -> saes.on(error)));
            }
            case "off" -> {
                a.end();
                Optional<InterventionScope.Entry> e = Session.user(saes::off);
                e.ifPresentOrElse(x -> said(s, x), () -> s.println(saes.current().name() + " is loaded and changes nothing"));
            }
            case "ablate" -> {
                List<SaeEdit> edits = new ArrayList<>();
                while (a.hasNext()) {
                    edits.add(SaeEdit.ablate(feature(a)));
                }
                if (edits.isEmpty()) {
                    throw new UserError("give the features to zero: sae ablate F [F...]");
                }
                said(s, Session.user(() -> saes.edit(edits)));
            }
            case "set" -> {
                int f = feature(a);
                double v = Args.parseDouble(a.next("a value"), "VALUE", a.usage());
                a.end();
                said(s, Session.user(() -> saes.edit(List.of(SaeEdit.set(f, v)))));
            }
            case "steer" -> {
                int f = feature(a);
                a.accept("coeff");
                double c = Args.parseDouble(a.next("a coefficient"), "coeff", a.usage());
                a.end();
                said(s, Session.user(() -> saes.edit(List.of(SaeEdit.steer(f, c)))));
            }
            case "clear" -> {
                a.end();
                Optional<InterventionScope.Entry> e = Session.user(saes::clearEdits);
                e.ifPresentOrElse(x -> said(s, x), () -> s.println("no feature edits on " + saes.current().name()
                        + "; it changes nothing now"));
            }
            case "stats" -> stats(s, a, saes);
            case "use" -> {
                String name = a.next("an SAE's name ('saes' lists them)");
                a.end();
                Sae sae = Session.user(() -> saes.use(name));
                s.println("commands act on " + sae.describe());
            }
            case "unload" -> {
                String name = a.hasNext() ? a.next("a name or all") : null;
                a.end();
                List<Sae> gone = name == null || name.equals("all") ? Session.user(saes::unloadAll)
                        : List.of(Session.user(() -> saes.unload(name)));
                s.println(gone.isEmpty() ? "no SAE was loaded" : "unloaded " + String.join(", ", gone.stream().map(Sae::name).toList()));
            }
            default -> throw new UserError("unknown 'sae " + verb + "'; usage: " + a.usage());
        }
    }

    static int feature(Args a) {
        return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Args.parseLong(a.next("a feature number"),
                "feature", a.usage())));
    }

    private static void load(Session s, Args a, Saes saes) {
        boolean force = a.flag("--force");
        List<String> scale = a.option("--norm-scale", 1);
        String spec = a.next("a folder, ORG/REPO/FOLDER or known");
        a.end();
        double norm = scale == null ? Double.NaN : Args.parseDouble(scale.get(0), "--norm-scale", a.usage());
        Saes.Loaded l = Session.user(() -> saes.load(spec, force, norm, Models.downloads(s)));
        Sae sae = l.sae();
        s.println("loaded " + sae.describe() + " (SAELens " + (sae.config().pre6() ? "< 6" : "6") + " layout); 'features'"
                + " reads it, 'sae on' splices it in");
        l.notes().forEach(s::println);
    }

    /** The entry now in force for the SAE. */
    private static void said(Session s, InterventionScope.Entry e) {
        s.println("in force: " + e.describe() + " ('unsteer " + e.number() + "' removes it)");
    }

    private static void list(Session s, Args a) {
        a.end();
        Saes saes = s.workspace().saes();
        List<Sae> all = saes.list();
        if (all.isEmpty()) {
            s.println("no SAE loaded; 'sae load DIR'");
            return;
        }
        Sae current = saes.current();
        TextTable t = new TextTable("", "name", "architecture", "hook", "features", "d_in", "in the model");
        for (Sae sae : all) {
            SaeSplice st = saes.state(sae);
            t.row(sae == current ? "*" : "", sae.name(), sae.config().architecture().word() + (sae.config().k() > 0
                    ? " k=" + sae.config().k() : ""), sae.hook() + (sae.config().hookHeadIndex() >= 0 ? " head "
                    + sae.config().hookHeadIndex() : ""), sae.dSae(), sae.dIn(), st.idle() ? "nothing"
                    : st.describe().substring(st.describe().indexOf(": ") + 2));
        }
        s.out().print(t);
    }

    private static void stats(Session s, Args a, Saes saes) {
        boolean quick = a.flag("--quick");
        boolean set = a.accept("set");
        a.end();
        SaeStats.Level level = quick ? SaeStats.Level.RECONSTRUCTION : SaeStats.Level.LOSS;
        saes.bosNote().ifPresent(s::println);
        SaeStats.Stats r = Session.user(() -> saes.stats(set, level));
        s.println(r.sae() + " over " + r.over() + " (" + r.tokens() + " tokens):");
        TextTable t = new TextTable("statistic", "value", "what it is");
        t.row("L0", r.l0(), "features active per token");
        t.row("explained variance", r.explainedVariance(), "1 - sum|x - x_hat|^2 / sum|x - mean x|^2 (1: perfect)");
        t.row("MSE", r.mse(), "mean squared error per element");
        if (level == SaeStats.Level.LOSS) {
            t.row("loss", r.ceClean(), "next-token loss of the model");
            t.row("loss, spliced", r.ceSpliced(), "with the reconstruction in place of the hook");
            t.row("loss, zeroed", r.ceZero(), "with the hook's activation zeroed");
            t.row("loss recovered", r.lossRecovered(), "(zeroed - spliced) / (zeroed - model)");
            t.row("KL", r.kl(), "KL(model || spliced) per position, nats");
        }
        s.out().print(t);
        // the rule for non-finite values (ARCHITECTURE.md): the table keeps them as they are, and says so in one line
        Map<String, Double> shown = new LinkedHashMap<>();
        shown.put("L0", r.l0());
        shown.put("explained variance", r.explainedVariance());
        shown.put("MSE", r.mse());
        if (level == SaeStats.Level.LOSS) {
            shown.put("loss", r.ceClean());
            shown.put("loss, spliced", r.ceSpliced());
            shown.put("loss, zeroed", r.ceZero());
            shown.put("loss recovered", r.lossRecovered());
            shown.put("KL", r.kl());
        }
        List<String> undefined = shown.entrySet().stream().filter(e -> !Double.isFinite(e.getValue())).map(Map.Entry::getKey).toList();
        if (!undefined.isEmpty()) {
            s.println("not finite (NaN or infinite activations or logits in the runs; 'logprobs' says where the pass first goes"
                    + " so): " + String.join(", ", undefined));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("over", r.over());
        params.put("level", level.name().toLowerCase(Locale.ROOT));
        s.lastResult(Result.of("sae-stats", "sae stats" + (set ? " set" : "") + (quick ? " --quick" : ""), params, r));
    }
}
