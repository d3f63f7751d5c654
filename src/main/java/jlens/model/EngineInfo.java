package jlens.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;

/**
 * Which PyTorch native library DJL loaded and which devices it sees, for the banner: a GPU user needs to know
 * at a glance whether the CUDA natives were picked up or the bundled CPU ones.
 *
 * @param version PyTorch version of the natives
 * @param libraryPath folder of the loaded libtorch
 * @param gpuCount CUDA devices the engine sees
 */
public record EngineInfo(String version, String libraryPath, int gpuCount) {

    /** Starts the engine if needed and reports on it. */
    public static EngineInfo current() {
        Engine engine = Engine.getEngine("PyTorch");
        String path;
        try {
            path = LibUtils.getLibtorchPath();
        } catch (RuntimeException e) {
            path = "unknown";
        }
        return new EngineInfo(engine.getVersion(), path, engine.getGpuCount());
    }

    /** One line: {@code PyTorch 2.7.1 (CPU natives, ~/.djl.ai/pytorch/2.7.1-cpu-linux-x86_64), no GPU}. */
    public String describe() {
        String home = System.getProperty("user.home");
        String shown = home != null && libraryPath.startsWith(home) ? "~" + libraryPath.substring(home.length()) : libraryPath;
        String kind = libraryPath.contains("cu") && gpuCount > 0 ? "CUDA natives" : gpuCount > 0 ? "natives" : "CPU natives";
        return "PyTorch " + version + " (" + kind + ", " + shown + "), "
                + (gpuCount == 0 ? "no GPU" : gpuCount + (gpuCount == 1 ? " GPU" : " GPUs"));
    }
}
