package jlens.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reader for the safetensors format: an 8-byte little-endian header length, a JSON header, then raw tensor
 * data. F32 and F16 tensors become NDArrays over read-only memory maps of the file, so loading copies nothing:
 * DJL hands a direct buffer to {@code torch::from_blob}. BF16 tensors are widened to F32 while they are read
 * (DJL's PyTorch binding has no bfloat16: any bfloat16 tensor it is handed aborts the process).
 *
 * <p>The header is held to the rules of the format's reference implementation ({@code SafeTensors::deserialize}
 * and {@code Metadata::validate} in huggingface/safetensors), so that every file it refuses is refused here too:
 * strict JSON (no comments, single quotes, trailing text or invalid UTF-8), integers that are non-negative
 * 64-bit values written as JSON integers, known dtypes, a {@code __metadata__} map of strings to strings, byte
 * lengths equal to the shape's element count times the dtype's width (overflow checked), and tensors that,
 * sorted by offset, tile the data area from 0 to its last byte with no gap and no overlap. Going beyond the
 * reference, duplicate keys are refused rather than the last one winning. Every refusal is one line naming the
 * file and the key.
 */
public final class Safetensors {
    /** The reference implementation refuses headers above 100,000,000 bytes; so do we. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Longest piece of a key quoted in a message: a key can be megabytes long. */
    private static final int QUOTE_LIMIT = 80;

    /** One tensor's entry in the header; offsets are absolute positions in the file. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public long byteLength() {
            return end - begin;
        }
    }

    private final Path file;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Path file, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public Path file() {
        return file;
    }

    /** Tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} strings (empty when it has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Reads and validates the header. */
    public static Safetensors open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new ModelLoadException(file + ": truncated safetensors file (" + size + " bytes, no header)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw new ModelLoadException(file + ": not a safetensors file (header length " + Long.toUnsignedString(headerLength)
                        + " is outside 2.." + MAX_HEADER_BYTES + ")");
            }
            if (8 + headerLength > size) {
                throw new ModelLoadException(file + ": truncated safetensors file (header of " + headerLength
                        + " bytes runs past the end of the " + size + "-byte file)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            readFully(channel, header, 8);
            String json = decodeUtf8(file, header.flip());
            long dataStart = 8 + headerLength;
            Header parsed = new HeaderParser(file, json).parse();
            Map<String, TensorInfo> tensors = validate(file, parsed.tensors(), dataStart, size - dataStart);
            return new Safetensors(file, tensors, parsed.metadata());
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": file not found");
        } catch (AccessDeniedException e) {
            throw new ModelLoadException(file + ": permission denied");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static String decodeUtf8(Path file, ByteBuffer bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file + ": malformed safetensors header (not valid UTF-8)");
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position + into.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    /** What the header says, before its offsets are checked against each other and the file. */
    private record Header(List<TensorInfo> tensors, Map<String, String> metadata) {}

    /**
     * A strict, duplicate-aware reading of the header with Gson's streaming reader: its tree parser is lenient
     * (comments, single quotes, trailing text) and lets a repeated key silently replace the first.
     */
    private static final class HeaderParser {
        private final Path file;
        private final JsonReader in;

        HeaderParser(Path file, String json) {
            this.file = file;
            this.in = new JsonReader(new StringReader(json));
            in.setStrictness(Strictness.STRICT);
            in.setNestingLimit(16);
        }

        Header parse() {
            try {
                if (in.peek() != JsonToken.BEGIN_OBJECT) {
                    throw bad("not a JSON object");
                }
                List<TensorInfo> tensors = new ArrayList<>();
                Map<String, String> metadata = Map.of();
                Set<String> seen = new HashSet<>();
                in.beginObject();
                while (in.hasNext()) {
                    String name = in.nextName();
                    if (!seen.add(name)) {
                        throw bad("key " + quote(name) + " appears twice");
                    }
                    if (name.equals("__metadata__")) {
                        metadata = metadata();
                    } else {
                        tensors.add(tensor(name));
                    }
                }
                in.endObject();
                if (in.peek() != JsonToken.END_DOCUMENT) {
                    throw bad("text after the header's JSON object");
                }
                return new Header(tensors, metadata);
            } catch (ModelLoadException e) {
                throw e;
            } catch (IOException | IllegalStateException | NumberFormatException e) {
                // Gson's messages carry a help URL and the path; the first clause is the useful part.
                throw bad("bad JSON: " + jsonProblem(e.getMessage()));
            }
        }

        private Map<String, String> metadata() throws IOException {
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw bad("__metadata__ must be an object of strings");
            }
            Map<String, String> out = new LinkedHashMap<>();
            in.beginObject();
            while (in.hasNext()) {
                String key = in.nextName();
                if (in.peek() != JsonToken.STRING) {
                    throw bad("__metadata__ value " + quote(key) + " is not a string");
                }
                if (out.put(key, in.nextString()) != null) {
                    throw bad("__metadata__ key " + quote(key) + " appears twice");
                }
            }
            in.endObject();
            return Collections.unmodifiableMap(out);
        }

        private TensorInfo tensor(String name) throws IOException {
            String where = "tensor " + quote(name);
            if (in.peek() != JsonToken.BEGIN_OBJECT) {
                throw bad(where + " is not an object with dtype, shape and data_offsets");
            }
            String dtype = null;
            long[] shape = null;
            long[] offsets = null;
            in.beginObject();
            while (in.hasNext()) {
                String field = in.nextName();
                switch (field) {
                    case "dtype" -> {
                        if (dtype != null) {
                            throw bad(where + ": field dtype appears twice");
                        }
                        if (in.peek() != JsonToken.STRING) {
                            throw bad(where + ": dtype is not a string");
                        }
                        dtype = in.nextString();
                        if (bytesPerElement(dtype) < 0) {
                            throw bad(where + ": unknown dtype " + quote(dtype));
                        }
                    }
                    case "shape" -> {
                        if (shape != null) {
                            throw bad(where + ": field shape appears twice");
                        }
                        shape = integers(where, "shape", -1);
                    }
                    case "data_offsets" -> {
                        if (offsets != null) {
                            throw bad(where + ": field data_offsets appears twice");
                        }
                        offsets = integers(where, "data_offsets", 2);
                    }
                    default -> in.skipValue(); // the reference ignores unknown fields; still strict JSON
                }
            }
            in.endObject();
            if (dtype == null || shape == null || offsets == null) {
                throw bad(where + ": missing " + (dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets"));
            }
            return new TensorInfo(name, dtype, shape, offsets[0], offsets[1]);
        }

        /** An array of non-negative integers (of {@code count} entries, or any number when negative). */
        private long[] integers(String where, String field, int count) throws IOException {
            if (in.peek() != JsonToken.BEGIN_ARRAY) {
                throw bad(where + ": " + field + " is not an array of integers");
            }
            List<Long> values = new ArrayList<>();
            in.beginArray();
            while (in.hasNext()) {
                if (in.peek() != JsonToken.NUMBER) {
                    throw bad(where + ": " + field + " holds a " + in.peek().name().toLowerCase(java.util.Locale.ROOT)
                            + ", not an integer");
                }
                values.add(nonNegative(where, field, in.nextString()));
                if (values.size() > 64) {
                    throw bad(where + ": " + field + " has more than 64 entries");
                }
            }
            in.endArray();
            if (count >= 0 && values.size() != count) {
                throw bad(where + ": " + field + " has " + values.size() + " entries, not " + count);
            }
            return values.stream().mapToLong(Long::longValue).toArray();
        }

        /** The literal as written: a fraction, an exponent, a sign or a value past 2^63-1 is refused, never rounded. */
        private long nonNegative(String where, String field, String literal) {
            boolean digits = !literal.isEmpty() && literal.chars().allMatch(c -> c >= '0' && c <= '9');
            if (!digits) {
                throw bad(where + ": " + field + " value " + quote(literal) + " is not a non-negative integer");
            }
            try {
                return Long.parseLong(literal);
            } catch (NumberFormatException e) {
                throw bad(where + ": " + field + " value " + quote(literal) + " is too large");
            }
        }

        private ModelLoadException bad(String what) {
            return new ModelLoadException(file + ": malformed safetensors header (" + what + ")");
        }
    }

    /**
     * The reference's {@code validate}: sorted by offsets, tensors must start at 0, each where the last ended,
     * hold exactly their shape's bytes, and end exactly at the end of the file. So no two tensors share bytes (a
     * write through one would show through another) and no byte is outside every tensor.
     */
    private static Map<String, TensorInfo> validate(Path file, List<TensorInfo> declared, long dataStart, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(declared);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        for (TensorInfo t : sorted) {
            String where = file + ": tensor " + quote(t.name());
            if (t.end() < t.begin()) {
                throw new ModelLoadException(where + ": data offsets [" + t.begin() + ", " + t.end() + ") end before they begin");
            }
            if (t.begin() != expected) {
                throw new ModelLoadException(where + ": data offsets [" + t.begin() + ", " + t.end() + ") "
                        + (t.begin() < expected ? "overlap the previous tensor's bytes" : "leave a gap after byte " + expected)
                        + " (tensors must tile the data area in order)");
            }
            if (t.end() > dataSize) {
                throw new ModelLoadException(where + ": data offsets [" + t.begin() + ", " + t.end()
                        + ") run past the end of the file's " + dataSize + " data bytes (truncated or corrupt file)");
            }
            long bytes = byteLength(t);
            if (bytes != t.byteLength()) {
                throw new ModelLoadException(where + ": " + t.byteLength() + " bytes do not hold shape "
                        + new Shape(t.shape()) + " of " + t.dtype() + (bytes < 0 ? " (its size overflows)" : ""));
            }
            expected = t.end();
        }
        if (expected != dataSize) {
            throw new ModelLoadException(file + ": the tensors cover " + expected + " of the file's " + dataSize
                    + " data bytes (truncated, padded or corrupt file)");
        }
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (TensorInfo t : declared) {
            out.put(t.name(), new TensorInfo(t.name(), t.dtype(), t.shape(), dataStart + t.begin(), dataStart + t.end()));
        }
        return Collections.unmodifiableMap(out);
    }

    /** Shape product times dtype width, or -1 when it overflows a long. */
    private static long byteLength(TensorInfo t) {
        try {
            long n = bytesPerElement(t.dtype());
            for (long d : t.shape()) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    /** Bytes per element of a safetensors dtype, or -1 for a dtype the format does not define. */
    static int bytesPerElement(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    /** A name from the file, quoted and cut short: messages are one line, and a key may be megabytes long. */
    static String quote(String s) {
        String cut = s.length() > QUOTE_LIMIT ? s.substring(0, QUOTE_LIMIT) + "…" : s;
        return "'" + cut + "'";
    }

    /**
     * Gson's message for a JSON error, as one line: without its help URL, and without its advice to parse leniently
     * (which is the opposite of what we want) when the text is not JSON.
     */
    static String jsonProblem(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        String s = nl < 0 ? message : message.substring(0, nl);
        String advice = "Use JsonReader.setStrictness(Strictness.LENIENT) to accept ";
        return quoteless(s.startsWith(advice) ? s.substring(advice.length()) : s);
    }

    private static String quoteless(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /**
     * Creates the tensor. F32 and F16 become an NDArray over a read-only memory map of their bytes (no copy): such
     * an array must never be modified in place, nor any view of it handed to code that might. BF16 is read and widened to a new
     * F32 array, on the CPU, whatever {@code manager}'s device: see the class comment.
     */
    public NDArray load(NDManager manager, String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelLoadException(file + ": missing tensor " + quote(name));
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (info.end() > channel.size()) {
                throw new ModelLoadException(file + ": tensor " + quote(name) + " runs past the end of the file (truncated?)");
            }
            switch (info.dtype()) {
                case "F32", "F16" -> {
                    // Read-only pages: a write through any view of them faults and kills the JVM, so no such
                    // view may leave the model (Gpt2Weights hands out copies). A private (copy-on-write) map
                    // would need the file opened for writing, which a model in a read-only cache refuses.
                    MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, info.begin(), info.byteLength());
                    mapped.order(ByteOrder.LITTLE_ENDIAN);
                    DataType type = info.dtype().equals("F32") ? DataType.FLOAT32 : DataType.FLOAT16;
                    return manager.create(mapped, new Shape(info.shape()), type);
                }
                case "BF16" -> {
                    return widenBf16(channel, info, manager);
                }
                default -> throw new ModelLoadException(file + ": tensor " + quote(name) + " has unsupported dtype " + info.dtype()
                        + " (jlens reads F32, F16 and BF16)");
            }
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read tensor " + quote(name) + ": " + e.getMessage(), e);
        }
    }

    /**
     * A BF16 tensor as a new F32 array: bfloat16 is the top half of a float32, so widening is a 16-bit shift.
     * The bytes are read through the channel (not a mapping: a file cut short while we read is then an
     * IOException, not a fault) straight into the new array's native memory, with no Java-heap copy of the
     * tensor. The array is made on the CPU, where its memory can be written directly, then moved.
     */
    private NDArray widenBf16(FileChannel channel, TensorInfo info, NDManager manager) throws IOException {
        Shape shape = new Shape(info.shape());
        boolean cpu = manager.getDevice().equals(Device.cpu());
        NDManager host = cpu ? manager : manager.getEngine().newBaseManager(Device.cpu());
        try {
            NDArray out = host.create(shape, DataType.FLOAT32);
            ByteBuffer target = out.toByteBuffer(true).order(ByteOrder.nativeOrder());
            if (target.capacity() != shape.size() * 4L) {
                throw new IllegalStateException("the engine did not give a direct view of the new array");
            }
            ByteBuffer chunk = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long at = info.begin();
            while (at < info.end()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), info.end() - at));
                readFully(channel, chunk, at);
                at += chunk.position();
                chunk.flip();
                while (chunk.hasRemaining()) {
                    target.putInt((chunk.getShort() & 0xffff) << 16);
                }
            }
            if (cpu) {
                return out;
            }
            NDArray moved = out.toDevice(manager.getDevice(), true);
            moved.attach(manager);
            return moved;
        } finally {
            if (!cpu) {
                host.close();
            }
        }
    }
}
