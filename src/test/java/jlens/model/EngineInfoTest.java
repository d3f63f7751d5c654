package jlens.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EngineInfoTest {
    @Test
    void reportsTheLoadedLibraryAndDevices() {
        EngineInfo info = EngineInfo.current();
        assertTrue(info.version().startsWith("2.7.1"), info.version());
        assertTrue(Files.isDirectory(Path.of(info.libraryPath())), info.libraryPath());
        assertTrue(info.describe().startsWith("PyTorch 2.7.1 ("), info.describe());
        assertTrue(info.describe().endsWith(info.gpuCount() == 0 ? "no GPU" : "GPU") || info.describe().endsWith("GPUs"),
                info.describe());
    }
}
