package jlens.repl;

import jlens.analysis.NdData;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/** NumPy's {@code .npy} format, version 1.0: magic, a padded Python-dict header, then little-endian data. */
final class Npy {
    private Npy() {}

    static void write(OutputStream out, NdData a) throws IOException {
        boolean f32 = a.f32() != null;
        String shape = a.shape().length == 1 ? "(" + a.shape()[0] + ",)"
                : Arrays.stream(a.shape()).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
        String dict = "{'descr': '" + (f32 ? "<f4" : "<f8") + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1; // magic(6) + version(2) + length(2) + dict + '\n'
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length());
        out.write(head.array());
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        int n = a.length();
        int chunk = 8192;
        ByteBuffer buf = ByteBuffer.allocate(chunk * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i += chunk) {
            buf.clear();
            int end = Math.min(n, i + chunk);
            for (int j = i; j < end; j++) {
                if (f32) {
                    buf.putFloat(a.f32()[j]);
                } else {
                    buf.putDouble(a.f64()[j]);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }
}
