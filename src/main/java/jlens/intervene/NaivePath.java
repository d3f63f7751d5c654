package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import jlens.hook.HookPoint;
import jlens.hook.Hooks;
import jlens.model.Gpt2;

/**
 * The oracle the fast path is held to: TransformerLens's loop, one full forward pass per experiment with the changes
 * in force and the experiment's own as hooks, the read-out taken from the whole pass's logits.
 */
final class NaivePath {
    private NaivePath() {}

    static Experiments.Outcome run(Gpt2 model, List<Intervention> standing, List<Experiment> list, SweepOptions options) {
        long begin = System.nanoTime();
        int nLayer = model.config().nLayer();
        double[][] values = new double[list.size()][];
        Hooks hooks = new Hooks(HookPoint.all(nLayer), nLayer); // a private registry: the model's stays untouched
        try (NDManager all = model.manager().newSubManager()) {
            List<Intervention> own = new ArrayList<>();
            list.forEach(e -> own.addAll(e.interventions()));
            Sources sources = new Sources();
            sources.compute(model, standing, Sources.needs(own), all, options::checkCancel);
            for (int i = 0; i < list.size(); i++) {
                options.checkCancel();
                Experiment e = list.get(i);
                try (NDManager pass = all.newSubManager(); Hooks.Scope scope = hooks.scope()) {
                    Map<String, NDArray> seen = new HashMap<>(); // this pass's own activations, for the values and read-outs that read them
                    Sources.Pass thisPass = (hook, like) -> StepArrays.inStep(seen.get(hook), like.getManager());
                    Interventions.register(scope, standing, () -> 0, sources);
                    Interventions.register(scope, e.interventions(), () -> 0, sources, thisPass);
                    for (String hook : reads(e)) { // after the changes there: what the pass goes on with
                        scope.add(hook, (name, a) -> {
                            seen.put(name, StepArrays.keep(a, pass));
                            return null;
                        });
                    }
                    long[] ids = e.ids();
                    NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
                    for (int l = 0; l < nLayer; l++) {
                        x = model.block(l, x, null, hooks).residual(); // [1, T, C]
                    }
                    if (!e.readout().hooks().isEmpty()) {
                        values[i] = e.readout().fromActivations(e.readout().hooks().stream().map(seen::get).toList());
                    } else {
                        NDArray logits = model.unembed(x, hooks); // [1, T, V]
                        int q = e.readout().position(ids.length);
                        values[i] = e.readout().fromLogits(logits.get("0, {}, :", q).toType(DataType.FLOAT32, false).toFloatArray());
                    }
                }
                options.progress().update(i + 1, list.size());
            }
        }
        return new Experiments.Outcome(values, list.size(), true, (System.nanoTime() - begin) / 1e9);
    }

    /** The hook points whose values in its own pass an experiment reads: its senders' and its read-out's. */
    static java.util.Set<String> reads(Experiment e) {
        java.util.Set<String> out = new java.util.LinkedHashSet<>(e.readout().hooks());
        for (Intervention x : e.interventions()) {
            if (x.value() instanceof Value.Senders s) {
                s.senders().forEach(sender -> out.add(sender.hook()));
            }
        }
        return out;
    }
}
