package jlens.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import jlens.sys.AtomicWriter;

/**
 * Writes the safetensors format (the counterpart of {@link Safetensors}): used to write checkpoint variants in
 * tests and the bundled known-answer model. Tensors are given as raw little-endian bytes with a dtype and shape. The file
 * is written next to its destination and renamed into place, so a reader never sees half a file.
 */
public final class SafetensorsWriter {
    private record Entry(String dtype, long[] shape, byte[] data) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** Adds a {@code __metadata__} string (such as {@code format: pt}). */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor of raw little-endian bytes. */
    public SafetensorsWriter add(String name, String dtype, long[] shape, byte[] data) {
        long elements = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        int width = Safetensors.bytesPerElement(dtype);
        if (width < 0 || Math.multiplyExact(elements, width) != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length + " bytes do not hold " + elements
                    + " elements of " + dtype);
        }
        entries.put(name, new Entry(dtype, shape.clone(), data));
        return this;
    }

    /** Adds an F32 tensor. */
    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return add(name, "F32", shape, b.array());
    }

    /** Adds an F16 tensor, rounding each value to the nearest half-precision number. */
    public SafetensorsWriter addF16(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(toHalf(v));
        }
        return add(name, "F16", shape, b.array());
    }

    /** Adds a BF16 tensor, rounding each value to the nearest bfloat16. */
    public SafetensorsWriter addBf16(String name, long[] shape, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(toBfloat16(v));
        }
        return add(name, "BF16", shape, b.array());
    }

    /**
     * The bfloat16 nearest to {@code f} (round half to even), as its 16 bits: bfloat16 is a float32 with the low
     * 16 bits of the mantissa dropped, so the rounding is on those bits. NaN stays a (quiet) NaN.
     */
    public static short toBfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1); // a carry into the exponent is correct rounding
        return (short) (rounded >>> 16);
    }

    /** IEEE 754 half precision nearest to {@code f} (round half to even), as its 16 bits. */
    public static short toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0)); // infinity or NaN
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00); // too large: infinity
        }
        if (e <= 0) { // a half subnormal (or zero): value = m * 2^-24
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            return (short) (sign | roundShift(mant, shift));
        }
        return (short) (sign | (roundShift((e << 23) | mant, 13))); // a carry into the exponent is correct rounding
    }

    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        return rest > half || (rest == half && (kept & 1) != 0) ? kept + 1 : kept;
    }

    /** The whole file in memory: meant for small models (tests, the known-answer model). */
    public byte[] toBytes() {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            JsonObject o = new JsonObject();
            o.addProperty("dtype", e.getValue().dtype());
            JsonArray shape = new JsonArray();
            for (long d : e.getValue().shape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offset += e.getValue().data().length;
            offsets.add(offset);
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
        }
        StringBuilder json = new StringBuilder(header.toString());
        while (json.length() % 8 != 0) {
            json.append(' '); // the format pads the header with spaces so the data starts 8-byte aligned
        }
        byte[] headerBytes = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + headerBytes.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(headerBytes.length).put(headerBytes);
        for (Entry e : entries.values()) {
            out.put(e.data());
        }
        return out.array();
    }

    /** Writes the file through a temporary beside it, renamed into place ({@link AtomicWriter}). */
    public void write(Path file) throws IOException {
        AtomicWriter.write(file, toBytes());
    }
}
