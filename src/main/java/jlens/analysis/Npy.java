package jlens.analysis;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * NumPy's {@code .npy} format: magic, a padded Python-dict header, then the data. {@link #write} writes version 1.0
 * little-endian; {@link #readFloats} reads what a user hands in (versions 1 to 3, little-endian float32 or float64, C
 * order), refusing anything else in one line: a file from elsewhere is untrusted.
 */
public final class Npy {
    /** Larger files are refused before they are read: what jlens reads from .npy is vectors, not checkpoints. */
    public static final long MAX_BYTES = 256L << 20;

    private static final java.util.regex.Pattern DESCR = java.util.regex.Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final java.util.regex.Pattern FORTRAN = java.util.regex.Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final java.util.regex.Pattern SHAPE = java.util.regex.Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {}

    /**
     * The float values of a {@code .npy} file and its shape, as float32 ({@code <f4}, or {@code <f8} rounded).
     *
     * @throws IllegalArgumentException naming the file and what is wrong: not .npy, another dtype or byte order,
     *     Fortran order, a shape that does not match the data, too large, or a NaN or infinite value
     */
    public static NdData readFloats(java.nio.file.Path file) throws IOException {
        if (Thread.currentThread().isInterrupted()) { // Ctrl-C: nothing is read
            throw new java.util.concurrent.CancellationException("cancelled");
        }
        if (java.nio.file.Files.exists(file) && !java.nio.file.Files.isRegularFile(file)) { // a FIFO would block the read
            throw new IllegalArgumentException(file + ": not a regular file; give a .npy vector");
        }
        long size = java.nio.file.Files.size(file);
        if (size > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": " + size + " bytes, more than the " + (MAX_BYTES >> 20)
                    + " MiB a .npy vector may have");
        }
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(file);
        } catch (java.nio.channels.ClosedByInterruptException e) {
            throw new java.util.concurrent.CancellationException("cancelled");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || (bytes[0] & 0xff) != 0x93 || !new String(bytes, 1, 5, StandardCharsets.ISO_8859_1).equals("NUMPY")) {
            throw new IllegalArgumentException(file + ": not a .npy file (no \\x93NUMPY magic); save it with numpy.save");
        }
        int major = bytes[6];
        int headerLen;
        int start;
        if (major == 1) {
            headerLen = b.getShort(8) & 0xffff;
            start = 10;
        } else if ((major == 2 || major == 3) && bytes.length >= 12) {
            long len = b.getInt(8) & 0xffffffffL;
            if (len > bytes.length) {
                throw new IllegalArgumentException(file + ": its header runs past the end of the file");
            }
            headerLen = (int) len;
            start = 12;
        } else {
            throw new IllegalArgumentException(file + ": .npy version " + major + " is not one jlens reads (1, 2 or 3)");
        }
        if (start + headerLen > bytes.length) {
            throw new IllegalArgumentException(file + ": its header runs past the end of the file");
        }
        String header = new String(bytes, start, headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file, "descr");
        boolean f64 = descr.equals("<f8");
        if (!f64 && !descr.equals("<f4")) {
            throw new IllegalArgumentException(file + ": dtype " + Metric.quote(descr) + "; jlens reads little-endian"
                    + " float32 or float64 (numpy.save(path, v.astype('float32')))");
        }
        if (group(FORTRAN, header, file, "fortran_order").equals("True")) {
            throw new IllegalArgumentException(file + ": stored in Fortran order; save a C-ordered array (numpy.ascontiguousarray)");
        }
        long[] shape = shape(group(SHAPE, header, file, "shape"), file);
        long n = 1;
        long dataBytes;
        try {
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            dataBytes = Math.multiplyExact(n, f64 ? 8 : 4);
        } catch (ArithmeticException e) { // a forged shape: its product wraps around, and would read past the data
            throw new IllegalArgumentException(file + ": the shape " + java.util.Arrays.toString(shape) + " is larger than any"
                    + " file; save the vector with numpy.save");
        }
        long data = bytes.length - (long) start - headerLen;
        if (dataBytes != data) {
            throw new IllegalArgumentException(file + ": the header says shape " + java.util.Arrays.toString(shape) + " ("
                    + n + " values) but the file holds " + data + " bytes of data");
        }
        b.position(start + headerLen);
        float[] out = new float[(int) n];
        for (int i = 0; i < n; i++) {
            double v = f64 ? b.getDouble() : b.getFloat();
            if (!Double.isFinite(v) || (f64 && !Float.isFinite((float) v))) {
                throw new IllegalArgumentException(file + ": value " + i + " is " + v + "; a vector must be finite");
            }
            out[i] = (float) v;
        }
        return NdData.of(shape, out);
    }

    private static String group(java.util.regex.Pattern p, String header, java.nio.file.Path file, String key) {
        java.util.regex.Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(file + ": the .npy header has no '" + key + "'");
        }
        return m.group(1);
    }

    private static long[] shape(String tuple, java.nio.file.Path file) {
        String[] parts = tuple.split(",");
        java.util.List<Long> dims = new java.util.ArrayList<>();
        for (String part : parts) {
            String t = part.strip();
            if (t.isEmpty()) {
                continue;
            }
            if (!t.matches("\\d{1,9}")) {
                throw new IllegalArgumentException(file + ": the shape " + Metric.quote(tuple) + " is not a tuple of sizes");
            }
            dims.add(Long.parseLong(t));
        }
        if (dims.isEmpty()) {
            throw new IllegalArgumentException(file + ": a 0-d array; give a vector");
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    public static void write(OutputStream out, NdData a) throws IOException {
        boolean f32 = a.f32() != null;
        boolean i64 = a.i64() != null;
        String shape = a.shape().length == 1 ? "(" + a.shape()[0] + ",)"
                : Arrays.stream(a.shape()).mapToObj(Long::toString).collect(Collectors.joining(", ", "(", ")"));
        String dict = "{'descr': '" + (f32 ? "<f4" : i64 ? "<i8" : "<f8") + "', 'fortran_order': False, 'shape': " + shape + ", }";
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
                } else if (i64) {
                    buf.putLong(a.i64()[j]);
                } else {
                    buf.putDouble(a.f64()[j]);
                }
            }
            out.write(buf.array(), 0, buf.position());
        }
    }
}
