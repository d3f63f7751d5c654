package jlens.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reader for the safetensors format: an 8-byte little-endian header length, a JSON header, then raw tensor
 * data. Tensors become NDArrays over read-only memory maps of the file, so loading copies nothing: DJL hands a
 * direct buffer to {@code torch::from_blob}. Every size in the header is checked against the file before
 * anything is mapped, so a hostile or truncated file gives an error, never a crash.
 */
public final class Safetensors {
    /** The reference implementation refuses headers above 100 MB; so do we. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** One tensor's entry in the header; offsets are absolute positions in the file. */
    public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
        public long byteLength() {
            return end - begin;
        }
    }

    private final Path file;
    private final Map<String, TensorInfo> tensors;

    private Safetensors(Path file, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.tensors = tensors;
    }

    public Path file() {
        return file;
    }

    /** Tensors by name, in header order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
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
            String json = new String(header.array(), StandardCharsets.UTF_8);
            long dataStart = 8 + headerLength;
            return new Safetensors(file, parseHeader(file, json, dataStart, size - dataStart));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file + ": file not found");
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot read: " + e.getMessage(), e);
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

    private static Map<String, TensorInfo> parseHeader(Path file, String json, long dataStart, long dataSize) {
        JsonObject root;
        try {
            JsonElement element = JsonParser.parseString(json.trim());
            if (!element.isJsonObject()) {
                throw new ModelLoadException(file + ": malformed safetensors header (not a JSON object)");
            }
            root = element.getAsJsonObject();
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(file + ": malformed safetensors header (bad JSON)");
        }
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> entry : root.entrySet()) {
            String name = entry.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            out.put(name, parseEntry(file, name, entry.getValue(), dataStart, dataSize));
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonElement value, long dataStart, long dataSize) {
        String where = file + ": tensor '" + name + "'";
        try {
            JsonObject o = value.getAsJsonObject();
            String dtype = o.get("dtype").getAsString();
            JsonArray shapeJson = o.getAsJsonArray("shape");
            long[] shape = new long[shapeJson.size()];
            long elements = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shapeJson.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new ModelLoadException(where + ": negative dimension in shape");
                }
                elements = Math.multiplyExact(elements, shape[i]);
            }
            JsonArray offsets = o.getAsJsonArray("data_offsets");
            long begin = offsets.get(0).getAsLong();
            long end = offsets.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new ModelLoadException(where + ": data offsets [" + begin + ", " + end
                        + ") run past the end of the file's " + dataSize + " data bytes (truncated or corrupt file)");
            }
            int width = bytesPerElement(dtype);
            if (width > 0 && Math.multiplyExact(elements, width) != end - begin) {
                throw new ModelLoadException(where + ": " + (end - begin) + " bytes do not hold shape "
                        + new Shape(shape) + " of " + dtype);
            }
            return new TensorInfo(name, dtype, shape, dataStart + begin, dataStart + end);
        } catch (ModelLoadException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException(where + ": malformed header entry (needs dtype, shape and data_offsets)");
        }
    }

    /** Bytes per element of a safetensors dtype, or -1 for one we cannot load. */
    static int bytesPerElement(String dtype) {
        return switch (dtype) {
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "F64", "I64", "U64" -> 8;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    static DataType djlType(String dtype) {
        return switch (dtype) {
            case "F32" -> DataType.FLOAT32;
            case "F16" -> DataType.FLOAT16;
            case "BF16" -> DataType.BFLOAT16;
            default -> null;
        };
    }

    /**
     * Creates the tensor as an NDArray over a read-only memory map of its bytes (no copy). The array must never
     * be modified in place: the pages are read-only.
     */
    public NDArray load(NDManager manager, String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelLoadException(file + ": missing tensor '" + name + "'");
        }
        DataType type = djlType(info.dtype());
        if (type == null) {
            throw new ModelLoadException(file + ": tensor '" + name + "' has unsupported dtype " + info.dtype()
                    + " (jlens reads F32, F16 and BF16)");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            if (info.end() > channel.size()) {
                throw new ModelLoadException(file + ": tensor '" + name + "' runs past the end of the file (truncated?)");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, info.begin(), info.byteLength());
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            return manager.create(mapped, new Shape(info.shape()), type);
        } catch (IOException e) {
            throw new ModelLoadException(file + ": cannot map tensor '" + name + "': " + e.getMessage(), e);
        }
    }
}
