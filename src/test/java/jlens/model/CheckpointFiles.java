package jlens.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.function.BiFunction;

/** Test helper: copies of the fixture model with their safetensors file rewritten (also for the REPL's load tests). */
public final class CheckpointFiles {
    private CheckpointFiles() {}

    /** Copies the model folder's small files (config, tokenizer) into {@code target}, without the weights. */
    public static Path copyWithoutWeights(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        try (var files = Files.list(source)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String name = f.getFileName().toString();
                if (!name.equals("model.safetensors") && !name.equals("reference.json")) {
                    Files.copy(f, target.resolve(name));
                }
            }
        }
        return target;
    }

    /** Raw bytes of one tensor. */
    public static byte[] bytes(Safetensors st, Safetensors.TensorInfo info) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) info.byteLength());
        try (FileChannel ch = FileChannel.open(st.file(), StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                ch.read(b, info.begin() + b.position());
            }
        }
        return b.array();
    }

    /**
     * Writes {@code target/model.safetensors} from the source's tensors, passing each through {@code edit}
     * (name, writer) which returns false to drop the tensor.
     */
    public static void rewrite(Path source, Path target, BiFunction<Safetensors.TensorInfo, byte[], Rewritten> edit)
            throws IOException {
        Safetensors st = Safetensors.open(source.resolve("model.safetensors"));
        SafetensorsWriter writer = new SafetensorsWriter();
        for (Map.Entry<String, Safetensors.TensorInfo> e : st.tensors().entrySet()) {
            byte[] data = bytes(st, e.getValue());
            Rewritten r = edit.apply(e.getValue(), data);
            if (r != null) {
                writer.add(r.name(), r.dtype(), r.shape(), r.data());
            }
        }
        writer.write(target.resolve("model.safetensors"));
    }

    public record Rewritten(String name, String dtype, long[] shape, byte[] data) {
        public static Rewritten same(Safetensors.TensorInfo info, byte[] data) {
            return new Rewritten(info.name(), info.dtype(), info.shape(), data);
        }
    }
}
