package jlens.intervene.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.util.List;
import jlens.Fixture;
import jlens.model.Gpt2;
import org.junit.jupiter.api.Test;
import jlens.intervene.prompts.BatchForward;
import jlens.intervene.prompts.BatchInput;
import jlens.intervene.prompts.BatchPadding;
import jlens.intervene.prompts.IoiPrompts;
import jlens.intervene.prompts.PromptActivationSums;
import jlens.intervene.prompts.PromptBatches;
import jlens.intervene.prompts.PromptSet;
import jlens.intervene.Intervention;

/** Generations, padded batches and set reductions, repeated, leave the model's NDArrays and sub-managers as they were. */
class GenerationLeakTest {
    @Test
    void repeatedGenerationsBatchesAndSetsDoNotGrow() {
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            BaseNDManager manager = (BaseNDManager) model.manager();
            PromptSet set = IoiPrompts.generate(5, 1, model.tokenizer());
            round(model, set);
            int before = manager.getManagedArrays().size();
            for (int i = 0; i < 20; i++) {
                round(model, set);
            }
            assertEquals(before, manager.getManagedArrays().size(), "NDArrays owned by the model");
            assertTrue(model.hooks().isEmpty(), "no hook left behind");
        }
    }

    private static void round(Gpt2 model, PromptSet set) {
        Intervention zero = Intervention.zeroHead(1, 1, -1);
        new Generator(model).generate(set.get(0).ids(), GenerationOptions.greedy(4).withInterventions(List.of(zero)));
        new Generator(model).generate(set.get(0).ids(), GenerationOptions.greedy(2).withNaive(true));
        PromptBatches batches = new PromptBatches(model, 2, () -> false);
        PromptActivationSums z = batches.sums(set, "z1", false, List.of());
        batches.scores(set, false, List.of(z.ablation(0, -1)));
        try (NDManager m = model.manager().newSubManager()) {
            BatchForward.logits(model, new BatchInput(set.ids(false), BatchPadding.LEFT, 0), model.hooks(), m);
        }
    }
}
