package jlens.spark;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jlens.model.Gpt2;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * The models of this executor JVM: each loaded once, on first use by a task, and shared by the JVM's tasks (a pass
 * runs with a hook registry of its own, so concurrent tasks do not meet). On an executor given GPUs by Spark's
 * resource scheduling ({@code spark.executor.resource.gpu.amount}), each task runs on the GPU Spark assigned it,
 * with one model per GPU. Weights are memory-mapped on the CPU: executors of one host share the page cache.
 */
final class ExecutorModels {
    private static final Map<String, Gpt2> MODELS = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> MODELS.values().forEach(Gpt2::close), "jlens-models"));
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
