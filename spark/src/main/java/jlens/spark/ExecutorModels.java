package jlens.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jlens.corpus.CorpusFeatures;
import jlens.corpus.CorpusReduction;
import jlens.corpus.CorpusSums;
import jlens.corpus.FeatureFunction;
import jlens.model.Gpt2;
import jlens.sae.Sae;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The models (and SAEs) of this executor JVM: each loaded once, on first use by a task, and shared by the JVM's tasks (a pass
 * runs with a hook registry of its own, so concurrent tasks do not meet). On an executor given GPUs by Spark's
 * resource scheduling ({@code spark.executor.resource.gpu.amount}), each task runs on the GPU Spark assigned it,
 * with one model per GPU. Weights are memory-mapped on the CPU: executors of one host share the page cache.
 */
final class ExecutorModels {
    private static final Map<String, Gpt2> MODELS = new ConcurrentHashMap<>();
    private static final Map<String, Sae> SAES = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            SAES.values().forEach(Sae::close);
            MODELS.values().forEach(Gpt2::close);
        }, "jlens-models"));
    }

    private ExecutorModels() {}

    /** The model in {@code dir} on this task's device: {@code device} (cpu, gpu, auto), or the GPU Spark assigned the task. */
    static Gpt2 get(String dir, String device) {
        String d = assignedGpu().map(a -> "gpu:" + a).orElse(device);
        return MODELS.computeIfAbsent(dir + "@" + d, k -> {
            if (System.getProperty("ai.djl.offline") == null) {
                System.setProperty("ai.djl.offline", "true"); // the natives ship in the jar; nothing is downloaded
            }
            return Gpt2.load(Path.of(dir), Gpt2.LoadOptions.parse(d, "f32"));
        });
    }

    /**
     * {@code reduction} ready to run on {@code model} here: an SAE's features bound to the SAE of its folder, loaded
     * once per executor JVM and device (as the model is) and shared by its tasks; any other reduction as it is.
     */
    @SuppressWarnings("unchecked")
    static <S extends CorpusSums<S>> CorpusReduction<S> bind(CorpusReduction<S> reduction, Gpt2 model) {
        if (reduction instanceof CorpusFeatures f && f.function() instanceof FeatureFunction.SaeEncoder e && !e.bound()) {
            Sae sae = SAES.computeIfAbsent(e.dir() + "@" + model.device(), k -> e.load(model.device()));
            return (CorpusReduction<S>) new CorpusFeatures(e.on(sae), f.k(), f.before(), f.after());
        }
        return reduction;
    }

    /** The first GPU address Spark gave this task, if it gave any. */
    private static java.util.Optional<String> assignedGpu() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return java.util.Optional.empty();
        }
        ResourceInformation gpu = task.resources().get("gpu").getOrElse(() -> null);
        if (gpu == null || gpu.addresses().length == 0) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(List.of(gpu.addresses()).get(0));
    }
}
