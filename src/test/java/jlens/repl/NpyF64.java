package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a float64 .npy written by jlens. */
final class NpyF64 {
    private NpyF64() {}

    static double[] read(Path file, long[] shape) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = b.getShort(8) & 0xffff;
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        String shapeText = java.util.Arrays.stream(shape).mapToObj(Long::toString)
                .collect(java.util.stream.Collectors.joining(", ", "(", ")"));
        assertTrue(header.contains("'descr': '<f8'") && header.contains("'shape': " + shapeText), header);
        b.position(10 + headerLen);
        double[] out = new double[b.remaining() / 8];
        b.asDoubleBuffer().get(out);
        return out;
    }
}
