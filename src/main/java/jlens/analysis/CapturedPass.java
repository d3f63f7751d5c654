package jlens.analysis;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;
import jlens.hook.HookPoint;
import jlens.model.Gpt2;

/**
 * Runs one forward pass that captures only the hook points an analysis reads, applies the analysis, and frees
 * the pass: for callers that hold a model and token ids but no cache.
 */
public final class CapturedPass {
    private CapturedPass() {}

    /** {@code blocks.{l}.attn.hook_qkv} of every layer: what the Q/K/V and QK^T analyses read. */
    public static List<String> qkvHooks(int nLayer) {
        List<String> names = new ArrayList<>(nLayer);
        for (int l = 0; l < nLayer; l++) {
            names.add(HookPoint.block(l, HookPoint.QKV));
        }
        return names;
    }

    /** Runs {@code ids} through {@code model} capturing {@code hooks}, returns {@code analysis} of the run. */
    public static <R> R analyse(Gpt2 model, long[] ids, Collection<String> hooks, Function<Gpt2.Run, R> analysis) {
        try (Gpt2.Run run = model.run(ids, hooks)) {
            return analysis.apply(run);
        }
    }
}
