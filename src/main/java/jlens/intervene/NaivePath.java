package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
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
                    Interventions.register(scope, standing, () -> 0, sources);
                    Interventions.register(scope, e.interventions(), () -> 0, sources);
                    long[] ids = e.ids();
                    NDArray x = model.embed(pass.create(ids, new Shape(1, ids.length)), 0, hooks); // [1, T, C]
                    for (int l = 0; l < nLayer; l++) {
                        x = model.block(l, x, null, hooks).residual(); // [1, T, C]
                    }
                    NDArray logits = model.unembed(x, hooks); // [1, T, V]
                    int q = e.readout().position(ids.length);
                    values[i] = e.readout().fromLogits(logits.get("0, {}, :", q).toType(DataType.FLOAT32, false).toFloatArray());
                }
                options.progress().update(i + 1, list.size());
            }
        }
        return new Experiments.Outcome(values, list.size(), true, (System.nanoTime() - begin) / 1e9);
    }
}
