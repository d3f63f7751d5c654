package jlens.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The header rules of the format's reference implementation (huggingface/safetensors {@code deserialize} and
 * {@code validate}), plus duplicate keys: each broken header is refused in one line that names the file and says
 * what is wrong (and the key, where there is one); headers the reference accepts are read.
 */
class StrictHeaderTest {
    @TempDir
    Path tmp;

    /** A file with header {@code json} and {@code data} zero bytes of tensor data. */
    private Path file(String json, int data) throws IOException {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Path f = tmp.resolve("t" + System.nanoTime() + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    record Bad(String json, int data, String says) {
        @Override
        public String toString() {
            return says;
        }
    }

    static List<Bad> badHeaders() {
        String a = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        return List.of(
                new Bad("{" + a + " /* c */}", 8, "bad JSON"),
                new Bad("{" + a + ",'b':{}}", 8, "bad JSON"),
                new Bad("{" + a + "} x", 8, "bad JSON"),
                new Bad("{" + a + "}{}", 8, "bad JSON"),
                new Bad("[1]", 0, "not a JSON object"),
                new Bad("{" + a + "," + a + "}", 8, "'a' appears twice"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype appears twice"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8, "shape holds a string"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", 8, "data_offsets holds a string"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, "'2.0' is not a non-negative integer"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8, "'8.5' is not a non-negative integer"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8e0]}}", 8, "'8e0' is not a non-negative integer"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'-2' is not a non-negative integer"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,18446744073709551624]}}", 8, "too large"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", 8, "overflows"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8, "has 1 entries, not 2"),
                new Bad("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype 'F33'"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "missing data_offsets"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "do not hold shape"),
                new Bad("{\"__metadata__\":{\"k\":1}," + a + "}", 8, "__metadata__ value 'k' is not a string"),
                new Bad("{\"__metadata__\":[]," + a + "}", 8, "__metadata__ must be an object"),
                // aliasing: two tensors on the same bytes
                new Bad("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "overlap"),
                // a gap between tensors, a gap at the start, bytes after the last tensor
                new Bad("{" + a + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]}}", 16, "leave a gap"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "leave a gap"),
                new Bad("{" + a + "}", 12, "cover 8 of the file's 12"),
                new Bad("{" + a + "}", 4, "run past the end"),
                new Bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8, "end before they begin"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void refusedInOneLineNamingFileAndReason(Bad bad) throws IOException {
        Path f = file(bad.json(), bad.data());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Safetensors.open(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(bad.says()), "'" + e.getMessage() + "' should say '" + bad.says() + "'");
    }

    @Test
    void invalidUtf8IsRefused() throws IOException {
        byte[] header = "{\"a\":{}}".getBytes(StandardCharsets.UTF_8);
        header[2] = (byte) 0xff;
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
        Path f = tmp.resolve("utf8.safetensors");
        Files.write(f, b.array());
        assertTrue(assertThrows(ModelLoadException.class, () -> Safetensors.open(f)).getMessage().contains("UTF-8"));
    }

    @Test
    void aHugeKeyIsQuotedShort() throws IOException {
        String key = "k".repeat(100_000);
        Path f = file("{\"" + key + "\":{\"dtype\":\"F99\",\"shape\":[],\"data_offsets\":[0,0]}}", 0);
        String m = assertThrows(ModelLoadException.class, () -> Safetensors.open(f)).getMessage();
        assertTrue(m.length() < 400, "message length " + m.length());
        assertTrue(m.contains("…"), m);
    }

    @Test
    void whatTheReferenceAcceptsIsRead() throws IOException {
        // out of order in the header (the reference sorts by offset), padding spaces, metadata, unknown fields,
        // a scalar (shape []) and an empty tensor, an empty header
        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"b\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[4,12],\"note\":[1,{\"x\":null}]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"BF16\",\"shape\":[0,3],\"data_offsets\":[12,12]}}     ";
        Safetensors st = Safetensors.open(file(json, 12));
        assertEquals(List.of("b", "a", "e"), List.copyOf(st.tensors().keySet()));
        assertEquals("pt", st.metadata().get("format"));
        assertEquals(8, st.tensors().get("b").byteLength());
        assertEquals(0, Safetensors.open(file("{}", 0)).tensors().size());
    }
}
