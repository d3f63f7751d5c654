package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jlens.analysis.NdData;
import jlens.analysis.Npy;
import org.junit.jupiter.api.Test;

/** The .npy writer against the format's rules (numpy is not needed to check them). */
class NpyTest {
    /** Reads a float32 .npy written by jlens, checking the header says {@code shape}. */
    static float[] readF32(Path file, long[] shape) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, b.get());
        byte[] magic = new byte[5];
        b.get(magic);
        assertEquals("NUMPY", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.get());
        assertEquals(0, b.get());
        int headerLen = b.getShort() & 0xffff;
        String header = new String(bytes, 10, headerLen, StandardCharsets.US_ASCII);
        assertEquals(0, (10 + headerLen) % 64, "data is 64-byte aligned");
        assertTrue(header.endsWith("\n"));
        String shapeText = shape.length == 1 ? "(" + shape[0] + ",)"
                : java.util.Arrays.stream(shape).mapToObj(Long::toString).collect(java.util.stream.Collectors.joining(", ", "(", ")"));
        assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': " + shapeText), header);
        b.position(10 + headerLen);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @Test
    void headerAndDataFollowVersion1() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, NdData.of(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        Path f = Files.createTempFile("npy", ".npy");
        Files.write(f, out.toByteArray());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, readF32(f, new long[] {2, 3}));
        Files.delete(f);
    }

    @Test
    void oneDimensionalShapeHasTrailingComma() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Npy.write(out, NdData.of(new long[] {3}, new double[] {1, 2, 3}));
        String header = new String(out.toByteArray(), 10, 118, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f8'") && header.contains("'shape': (3,)"), header);
        assertEquals(128 + 24, out.size());
    }
}
