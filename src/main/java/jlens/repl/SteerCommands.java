package jlens.repl;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.intervene.steering.Steering;
import jlens.intervene.steering.SteeringVector;
import jlens.workspace.InterventionScope;
import jlens.workspace.Workspace;

/** {@code steer}, {@code steers}, {@code unsteer}: steering vectors in force for every run until removed. */
final class SteerCommands {
    private SteerCommands() {}

    static List<Command> all() {
        return List.of(
                new Command("steer", "steer \"A\" - \"B\" layer L [coeff C] [front|all] | steer mean|pca set layer L [coeff C]"
                        + " | steer FILE.npy [layer L] [coeff C]",
                        "add a steering vector to the residual stream, in force for every run until 'unsteer'",
                        """
                        Adds a steering vector times C (default 1) to the residual stream entering layer L
                        (hook_resid_pre; negative layers count from the end), for every run until removed:
                        generate, logprobs, lens, dla, pattern, hist and the rest show the steered model, and
                        each says "steering in force" first. Several may be in force at once.
                          "A" - "B"   ActAdd: the two prompts' residuals at layer L, position by position (the
                                      shorter padded on the right with the token of " "); 'front' (the default)
                                      adds them to the text's first positions (a generated token past them gets
                                      nothing), 'all' adds the last position's difference at every position
                          mean set    the mean over the prompt set's pairs (each line's text minus its corrupt
                                      text) at their last token (CAA), added at every position
                          pca set     the first principal direction of those differences (a unit vector; it points
                                      where the texts project higher than their pairs in most pairs)
                          FILE.npy    a saved vector: [d_model] at layer L, or [n_layer, d_model] one per layer
                        The vector is read from the model without the steering already in force. 'steers' lists
                        what is in force, 'unsteer N' removes one, 'unsteer' all; 'save v.npy' writes the last
                        vector (before its coefficient), which 'steer v.npy layer L' reads back.
                        Examples:
                          steer " Love" - " Hate" layer 1 coeff 5
                          steer "I talk about weddings constantly" - "I do not talk about weddings" layer 1 coeff 4 all
                          prompts examples/known-prompts.jsonl
                          steer mean set layer -1 coeff 8
                          save v.npy
                          steer v.npy layer 1 coeff 2""",
                        SteerCommands::complete, SteerCommands::steer),
                new Command("steers", "steers", "list the steering vectors (and other changes) in force",
                        """
                        Lists what is in force, by number: each steering vector with its layer, coefficient,
                        placement and size (|v|, before the coefficient). 'unsteer N' removes one.
                        Example:
                          steer " Love" - " Hate" layer 1 coeff 5
                          steers""",
                        Command.ArgCompleter.NONE, SteerCommands::list),
                new Command("unsteer", "unsteer [N|all]", "remove steering vector N, or all of them",
                        """
                        Removes what is in force: number N (as 'steers' lists them), or everything ('unsteer' or
                        'unsteer all'). The next run is of the model without it.
                        Examples:
                          steer " Love" - " Hate" layer 1 coeff 5
                          steer " cat" - " dog" layer 1
                          unsteer 1
                          unsteer""",
                        (s, before) -> before.isEmpty() ? numbers(s) : List.of(), SteerCommands::unsteer));
    }

    private static List<String> complete(Session s, List<String> before) {
        if (before.isEmpty()) {
            return List.of("mean", "pca", Completions.FILES);
        }
        String last = before.get(before.size() - 1).toLowerCase(Locale.ROOT);
        return switch (last) {
            case "mean", "pca" -> List.of("set");
            case "layer" -> Completions.layers(s, false);
            case "coeff" -> List.of();
            default -> List.of("layer", "coeff", "front", "all");
        };
    }

    private static List<String> numbers(Session s) {
        List<String> out = new java.util.ArrayList<>(s.workspace().interventions().entries().stream()
                .map(e -> Integer.toString(e.number())).toList());
        out.add("all");
        return out;
    }

    private static void steer(Session s, Args a) {
        String usage = a.usage();
        String first = a.next("two prompts \"A\" - \"B\", 'mean set', 'pca set' or a FILE.npy");
        Workspace ws = s.workspace();
        SteeringVector v;
        if (a.accept("-")) {
            String second = a.next("the second prompt after '-'");
            int layer = layer(a);
            double coeff = coeff(a);
            boolean front = !a.accept("all");
            if (front) {
                a.accept("front");
            }
            a.end();
            v = Steering.actAdd(ws.model(), first, second, layer, coeff, front);
        } else if ((first.equalsIgnoreCase("mean") || first.equalsIgnoreCase("pca")) && a.accept("set")) {
            int layer = layer(a);
            double coeff = coeff(a);
            a.end();
            v = Steering.fromSet(ws.model(), ws.prompts().set(), layer, first.equalsIgnoreCase("pca"), coeff);
        } else if (first.toLowerCase(Locale.ROOT).endsWith(".npy")) {
            Integer layer = a.hasNext() && a.peek().equalsIgnoreCase("layer") ? layer(a) : null;
            double coeff = coeff(a);
            a.end();
            Path file;
            try {
                file = Path.of(first);
            } catch (java.nio.file.InvalidPathException e) {
                throw new UserError("'" + first + "' is not a path; give the .npy file's path");
            }
            v = Steering.fromFile(ws.model(), file, layer, coeff);
        } else {
            throw new UserError("after 'steer' comes \"A\" - \"B\", 'mean set', 'pca set' or a FILE.npy; usage: " + usage);
        }
        InterventionScope.Entry e = ws.steer(v);
        s.println("steering #" + e.number() + ": " + v.describe());
        int inForce = ws.interventions().entries().size();
        s.println(size(v) + "; in force for every run until 'unsteer " + e.number() + "'"
                + (inForce > 1 ? " (" + inForce + " in force: 'steers')" : "; 'save v.npy' writes the vector"));
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("number", e.number());
        params.put("layer", v.everyLayer() ? "every" : v.layer());
        params.put("coeff", v.coeff());
        params.put("placement", v.everyLayer() ? "every layer" : v.front() ? "front" : "all");
        s.lastResult(Result.of("steer", "steer " + v.describe(), params, v));
    }

    /** {@code |v| 12.3 (x4: 49.2 added)}: the vector's size, before and after its coefficient. */
    static String size(SteeringVector v) {
        long n = v.shape().length == 2 ? v.shape()[0] : 1;
        String rows = n > 1 ? " over " + n + (v.everyLayer() ? " layers" : " positions") : "";
        return "|v| " + Format.num(v.norm()) + rows + ", x" + Format.num(v.coeff()) + ": " + Format.num(Math.abs(v.coeff()) * v.norm())
                + " added";
    }

    private static int layer(Args a) {
        if (!a.accept("layer")) {
            throw new UserError("missing 'layer L': where the vector goes (the residual entering layer L); usage: " + a.usage());
        }
        return (int) Args.parseLong(a.next("a layer"), "layer", a.usage());
    }

    private static double coeff(Args a) {
        return a.accept("coeff") ? Args.parseDouble(a.next("a coefficient"), "coeff", a.usage()) : 1.0;
    }

    private static void list(Session s, Args a) {
        a.end();
        List<InterventionScope.Entry> entries = s.workspace().interventions().entries();
        if (entries.isEmpty()) {
            s.println("nothing in force: runs are of the model as loaded ('steer' adds a vector)");
            return;
        }
        s.println(entries.size() + " in force, applied in this order to every run:");
        for (InterventionScope.Entry e : entries) {
            s.println("  " + e.describe());
        }
    }

    private static void unsteer(Session s, Args a) {
        InterventionScope scope = s.workspace().interventions();
        if (!a.hasNext() || a.accept("all")) {
            a.end();
            List<InterventionScope.Entry> was = scope.clear();
            s.println(was.isEmpty() ? "nothing was in force" : "removed " + (was.size() == 1 ? was.get(0).describe()
                    : "all " + was.size() + ": " + String.join("; ", was.stream().map(InterventionScope.Entry::describe).toList()))
                    + "; runs are of the model as loaded");
            return;
        }
        long n = Args.parseLong(a.next("a number"), "N", a.usage());
        a.end();
        InterventionScope.Entry removed = scope.remove((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n)))
                .orElseThrow(() -> new UserError("nothing numbered " + n + " is in force; use a number 'steers' lists"));
        s.println("removed " + removed.describe() + (scope.isEmpty() ? "; nothing is in force now" : "; " + scope.describe()));
    }
}
