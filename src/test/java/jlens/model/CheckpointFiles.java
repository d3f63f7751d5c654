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

    /**
     * A copy of the model folder {@code source} in {@code target} whose F32 tensor {@code name} (row-major, its
     * file shape) is passed through {@code edit} first: non-finite weights for the NaN and infinity tests.
     */
    public static Path withFloats(Path source, Path target, String name, java.util.function.BiConsumer<long[], float[]> edit)
            throws IOException {
        copyWithoutWeights(source, target);
        rewrite(source, target, (info, data) -> {
            if (!info.name().equals(name)) {
                return Rewritten.same(info, data);
            }
            java.nio.FloatBuffer in = ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] values = new float[in.remaining()];
            in.get(values);
            edit.accept(info.shape(), values);
            ByteBuffer out = ByteBuffer.allocate(data.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            out.asFloatBuffer().put(values);
            return new Rewritten(info.name(), info.dtype(), info.shape(), out.array());
        });
        return target;
    }

    /**
     * The fixture-shaped model in {@code target} whose value weights of head {@code head} in layer {@code layer}
     * are NaN: that head's values and output are NaN at every position, so is the clean run's prediction; zeroing
     * the head's {@code hook_z} in the last layer at the prediction position gives a finite one again.
     */
    public static Path nanHead(Path source, Path target, int layer, int head) throws IOException {
        return withFloats(source, target, "h." + layer + ".attn.c_attn.weight", (shape, w) -> {
            int c = (int) shape[0]; // [C, 3C], Conv1D layout: columns are q | k | v
            int heads = 4;
            int hs = c / heads;
            for (int row = 0; row < c; row++) {
                for (int j = 0; j < hs; j++) {
                    w[row * 3 * c + 2 * c + head * hs + j] = Float.NaN;
                }
            }
        });
    }

    public record Rewritten(String name, String dtype, long[] shape, byte[] data) {
        public static Rewritten same(Safetensors.TensorInfo info, byte[] data) {
            return new Rewritten(info.name(), info.dtype(), info.shape(), data);
        }
    }
}
