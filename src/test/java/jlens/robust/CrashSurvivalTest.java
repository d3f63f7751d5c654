package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import jlens.Fixture;
import jlens.model.CheckpointFiles;
import jlens.model.SafetensorsWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile corpora run in a child JVM, through the command line as a user would run them ({@code jlens --model DIR
 * -c LINE... FILE.jsh}): broken and hostile model folders, BF16 and F16 checkpoints at start and through
 * {@code load}, a weights file cut short while it is loaded, in-place writes from Java lines on everything a
 * session hands out, hostile prompt files through {@code prompts} and steering vectors through {@code steer}, all of it
 * under hostile environment values.
 * A crash of the child (an abort, SIGBUS or SIGSEGV: exit status above 127) or a JVM error
 * file ({@code hs_err_pid*.log}) fails the test; so does a refusal that is not the expected one line.
 */
class CrashSurvivalTest {
    @TempDir
    static Path tmp;

    static Path corpus;
    static final List<Path> hostile = new ArrayList<>();
    /** Prompt files each refused in one line, and one that loads. */
    static final List<Path> hostilePrompts = new ArrayList<>();
    static Path goodPrompts;
    /** Corpora each refused in one line when read. */
    static final List<Path> hostileCorpora = new ArrayList<>();
    /** Steering vector files each refused in one line ({@code steer FILE layer 1}). */
    static final List<Path> hostileVectors = new ArrayList<>();

    /** Hostile environment values the child starts with: each is one line on stderr, then ignored. */
    static final Map<String, String> HOSTILE_ENV = Map.of("JLENS_THREADS", "-1", "HF_ENDPOINT", "javascript:alert(1)",
            "XDG_CONFIG_HOME", "relative/config", "HF_TOKEN", "hf_crashSurvival\u001b[2J\nsecondLine");

    static ChildJvm.Child child(Path workDir, String... args) throws IOException, InterruptedException {
        ChildJvm jvm = new ChildJvm(workDir);
        HOSTILE_ENV.forEach(jvm::env);
        ChildJvm.Child c = jvm.run(args);
        OutputAuditSecrets.check(c, HOSTILE_ENV.get("HF_TOKEN"));
        assertTrue(c.status() <= 127, "killed by a signal: exit status " + c.status() + "\n" + c.out() + c.err());
        return c;
    }

    @BeforeAll
    static void corpus() throws IOException {
        corpus = Files.createDirectories(tmp.resolve("corpus"));
        Path fixture = Fixture.dir();
        halfPrecision("bf16");
        halfPrecision("f16");
        // headers the reference refuses: duplicates, aliasing, strings for numbers, fractions, comments, overflow
        header("duplicate-key", j -> "{\"wpe.weight\":" + JsonParser.parseString(j).getAsJsonObject().get("wpe.weight") + "," + j.substring(1));
        header("aliased-offsets", j -> {
            JsonObject o = JsonParser.parseString(j).getAsJsonObject();
            o.getAsJsonObject("wpe.weight").add("data_offsets", o.getAsJsonObject("h.0.ln_1.weight").get("data_offsets"));
            return o.toString();
        });
        header("offsets-as-strings", j -> j.replaceFirst("\"data_offsets\":\\[(\\d+),", "\"data_offsets\":[\"$1\","));
        header("fractional-shape", j -> j.replaceFirst("\"shape\":\\[(\\d+)", "\"shape\":[$1.5"));
        header("overflowing-shape", j -> j.replaceFirst("\"shape\":\\[(\\d+),(\\d+)\\]", "\"shape\":[4294967296,4294967296]"));
        header("comment", j -> "/* hi */" + j);
        header("single-quotes", j -> j.replaceFirst("\"dtype\"", "'dtype'"));
        // configs: absurd sizes, wrong types
        config("absurd-layers", c -> c.addProperty("n_layer", 2_000_000_000));
        config("absurd-positions", c -> {
            c.addProperty("n_positions", 60000);
            c.addProperty("n_ctx", 60000);
        });
        config("absurd-vocab", c -> c.addProperty("vocab_size", Integer.MAX_VALUE));
        config("epsilon-text", c -> c.addProperty("layer_norm_epsilon", "1e-5"));
        config("epsilon-object", c -> c.add("layer_norm_epsilon", new JsonObject()));
        config("epsilon-negative", c -> c.addProperty("layer_norm_epsilon", -1e-5));
        config("epsilon-zero", c -> c.addProperty("layer_norm_epsilon", 0));
        config("heads-do-not-divide", c -> c.addProperty("n_head", 5));
        // tokenizers: an id that would size a table of two billion entries, hostile token strings
        tokenizer("huge-id", t -> t.getAsJsonArray("added_tokens").get(0).getAsJsonObject().addProperty("id", 2_000_000_000));
        tokenizer("escape-tokens", t -> t.getAsJsonObject("model").getAsJsonObject("vocab").addProperty("\u001b]52;c;aGk=\u0007\u001b[2J", 50250));
        hostile.remove(corpus.resolve("escape-tokens")); // loads: its danger is to the terminal, checked by logprobs
        // a file cut short after its header, and one whose header length is forged
        Path cut = folder("truncated");
        byte[] weights = Files.readAllBytes(fixture.resolve("model.safetensors"));
        Files.write(cut.resolve("model.safetensors"), java.util.Arrays.copyOf(weights, weights.length / 2));
        prompts();
        corpora();
        vectors();
        Path forged = folder("forged-length");
        byte[] f = weights.clone();
        ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Files.write(forged.resolve("model.safetensors"), f);
    }

    /** Prompt files of every class that got through before, and files that are not files. */
    private static void prompts() throws IOException {
        Path dir = Files.createDirectories(corpus.resolve("prompts"));
        java.util.function.BiConsumer<String, byte[]> file = (name, bytes) -> {
            try {
                hostilePrompts.add(Files.write(dir.resolve(name), bytes));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        file.accept("huge-line.txt", ("ok\n" + "word ".repeat(4_000_000) + "\n").getBytes(StandardCharsets.UTF_8)); // 20 MB
        file.accept("nul.txt", "a \u0000 b\n".getBytes(StandardCharsets.UTF_8));
        file.accept("escape.txt", "\u001b]52;c;aGk=\u0007\n".getBytes(StandardCharsets.UTF_8));
        file.accept("surrogate.jsonl", "{\"text\": \"\\udc00 alone\"}\n".getBytes(StandardCharsets.UTF_8));
        file.accept("not-utf8.txt", new byte[] {'a', (byte) 0xc3, '\n'});
        file.accept("deep.jsonl", ("[".repeat(100_000) + "\n").getBytes(StandardCharsets.UTF_8));
        file.accept("wrong-type.jsonl", "{\"text\": \"x\", \"answer\": {\"a\": [1e999]}}\n".getBytes(StandardCharsets.UTF_8));
        Path folder = Files.createDirectories(dir.resolve("a-folder.txt"));
        hostilePrompts.add(folder);
        UntrustedFileContract.fifo(dir.resolve("fifo.txt")).ifPresent(hostilePrompts::add);
        goodPrompts = Files.writeString(dir.resolve("good.txt"), "When Mary and John went to the store\n".repeat(2000));
    }


    /** Corpora of every class a reader refuses: long lines, control characters, bad bytes, broken gzip and JSON. */
    private static void corpora() throws IOException {
        Path dir = Files.createDirectories(corpus.resolve("corpora"));
        hostileCorpora.add(Files.writeString(dir.resolve("huge-line.txt"), "ok\n" + "word ".repeat(3_500_000) + "\n")); // 17.5 MB
        hostileCorpora.add(Files.writeString(dir.resolve("escape.txt"), "fine\n\u001b]52;c;aGk=\u0007\n"));
        hostileCorpora.add(Files.write(dir.resolve("not-utf8.txt"), new byte[] {'a', (byte) 0xc3, '\n'}));
        hostileCorpora.add(Files.writeString(dir.resolve("deep.jsonl"), "[".repeat(100_000) + "\n"));
        hostileCorpora.add(Files.write(dir.resolve("cut.txt.gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0}));
        hostileCorpora.add(Files.createDirectories(dir.resolve("empty-folder")));
    }

    /** Steering vectors ({@code .npy}) of the classes that got through a reader before: forged sizes, FIFOs, NaN. */
    private static void vectors() throws IOException {
        Path dir = Files.createDirectories(corpus.resolve("vectors"));
        java.util.function.BiFunction<String, String, byte[]> npy = (dict, data) -> {
            byte[] header = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
            ByteBuffer b = ByteBuffer.allocate(10 + header.length + data.length()).order(ByteOrder.LITTLE_ENDIAN);
            b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                    .putShort((short) header.length).put(header).put(data.getBytes(StandardCharsets.ISO_8859_1));
            return b.array();
        };
        java.util.function.BiConsumer<String, byte[]> file = (name, bytes) -> {
            try {
                hostileVectors.add(Files.write(dir.resolve(name), bytes));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        // a byte count that wraps to 0 (2^62 float32 values) with no data, and a product past a long
        file.accept("wraps.npy", npy.apply("{'descr': '<f4', 'fortran_order': False, 'shape': (536870912, 536870912, 16), }", ""));
        file.accept("huge.npy", npy.apply("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999, 999999999, 999999999), }", ""));
        file.accept("escape.npy", npy.apply("{'descr': '\u001b]52;c;aGk=\u0007\u001b[2J', 'fortran_order': False, 'shape': (32,), }",
                "\0".repeat(128)));
        byte[] nan = new byte[128];
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(40, Float.NaN);
        file.accept("nan.npy", npy.apply("{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }",
                new String(nan, StandardCharsets.ISO_8859_1)));
        file.accept("cut.npy", java.util.Arrays.copyOf(npy.apply("{'descr': '<f4', 'fortran_order': False, 'shape': (32,), }",
                "\0".repeat(128)), 40));
        UntrustedFileContract.fifo(dir.resolve("fifo.npy")).ifPresent(hostileVectors::add);
    }

    private static Path folder(String name) throws IOException {
        Path dir = CheckpointFiles.copyWithoutWeights(Fixture.dir(), corpus.resolve(name));
        hostile.add(dir);
        return dir;
    }

    private static void halfPrecision(String name) throws IOException {
        Path dir = corpus.resolve(name);
        CheckpointFiles.copyWithoutWeights(Fixture.dir(), dir);
        CheckpointFiles.rewrite(Fixture.dir(), dir, (info, data) -> {
            ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer out = ByteBuffer.allocate(data.length / 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.hasRemaining()) {
                float v = in.getFloat();
                out.putShort(name.equals("bf16") ? SafetensorsWriter.toBfloat16(v) : SafetensorsWriter.toHalf(v));
            }
            return new CheckpointFiles.Rewritten(info.name(), name.toUpperCase(), info.shape(), out.array());
        });
    }

    private static void header(String name, UnaryOperator<String> edit) throws IOException {
        Path dir = folder(name);
        byte[] weights = Files.readAllBytes(Fixture.dir().resolve("model.safetensors"));
        int n = (int) ByteBuffer.wrap(weights, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] json = edit.apply(new String(weights, 8, n, StandardCharsets.UTF_8).trim()).getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + weights.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json).put(weights, 8 + n, weights.length - 8 - n);
        Files.write(dir.resolve("model.safetensors"), b.array());
    }

    private static void config(String name, java.util.function.Consumer<JsonObject> edit) throws IOException {
        Path dir = folder(name);
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        JsonObject c = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        edit.accept(c);
        Files.writeString(dir.resolve("config.json"), c.toString());
    }

    private static void tokenizer(String name, java.util.function.Consumer<JsonObject> edit) throws IOException {
        Path dir = folder(name);
        Files.copy(Fixture.dir().resolve("model.safetensors"), dir.resolve("model.safetensors"));
        JsonObject t = JsonParser.parseString(Files.readString(dir.resolve("tokenizer.json"))).getAsJsonObject();
        edit.accept(t);
        Files.writeString(dir.resolve("tokenizer.json"), t.toString());
    }

    /** A Java line that tries {@code load DIR} for each folder and prints one line per outcome. */
    private static String loadEach(List<Path> dirs) {
        return eachLine("load", dirs, "LOADED", "REFUSED");
    }

    /** A Java line that runs {@code COMMAND PATH} for each path and prints {@code ok PATH} or {@code refused CLASS: MESSAGE}. */
    private static String eachLine(String command, List<Path> paths, String ok, String refused) {
        return eachLine(command, paths, "", ok, refused);
    }

    /** As {@link #eachLine(String, List, String, String)}, with {@code suffix} after each path. */
    private static String eachLine(String command, List<Path> paths, String suffix, String ok, String refused) {
        StringBuilder list = new StringBuilder();
        for (Path d : paths) {
            list.append(list.isEmpty() ? "" : ", ").append('"').append(d).append('"');
        }
        return "for (String d : List.of(" + list + ")) { try { session.exec(\"" + command + " \" + d + \"" + suffix + "\");"
                + " System.out.println(\"" + ok + " \" + d); } catch (RuntimeException e) {"
                + " System.out.println(\"" + refused + " \" + e.getClass().getSimpleName() + \": \" + e.getMessage()); } }";
    }

    /**
     * One child run (a JVM with JShell and PyTorch takes seconds to start): a BF16 model at start (the path that
     * aborted the process), every hostile folder through {@code load}, an F16 model, in-place writes from Java
     * lines on everything the session holds, and last the weights file cut short while loaded, which must stop
     * the script at that line with one line, not a SIGBUS.
     */
    @Test
    void hostileCorporaInAChildJvm() throws Exception {
        Path live = CheckpointFiles.copyWithoutWeights(Fixture.dir(), tmp.resolve("live"));
        Path weights = live.resolve("model.safetensors");
        Files.copy(Fixture.dir().resolve("model.safetensors"), weights);
        List<String> lines = List.of(
                "model",
                "text \"The quick brown fox\"",
                "run",
                "logprobs",
                loadEach(hostile),
                "prompts " + goodPrompts,
                eachLine("prompts", hostilePrompts, "PROMPTS LOADED", "PROMPTS REFUSED"),
                "prompts",
                "for (String d : List.of(" + String.join(", ", hostileCorpora.stream().map(p -> "\"" + p + "\"").toList()) + ")) {"
                        + " try { session.exec(\"corpus \" + d + \" --window 8\"); session.exec(\"corpus attention\");"
                        + " System.out.println(\"CORPUS READ \" + d); } catch (RuntimeException e) {"
                        + " System.out.println(\"CORPUS REFUSED \" + e.getClass().getSimpleName() + \": \" + e.getMessage()); } }",
                eachLine("steer", hostileVectors, " layer 1", "STEERED", "STEER REFUSED"),
                "steers",
                "load " + corpus.resolve("escape-tokens"),
                "logprobs",
                "load " + corpus.resolve("f16"),
                "run",
                "load " + live,
                "ws.capture(HookPoint.all(ws.config().nLayer()));",
                "run",
                // in place, on every activation the session holds and on copies of every weight
                "for (String n : ws.captured()) { ws.activation(n).addi(1f); }",
                "var w = ws.model().weights(); try (var m = NDManager.newBaseManager()) { for (String n : w.names()) { w.copy(n, m).muli(0f); } }",
                "run",
                "System.out.println(\"WROTE IN PLACE\");",
                // two threads on one workspace at once, the hostile way: A runs passes (each frees the run before it)
                // while B keeps taking an activation and summing it, outside the workspace's lock. B's arrays must
                // not be freed under its native sum: no crash, and no "released" either (B never keeps one past its
                // own next call).
                "var sums = new java.util.concurrent.atomic.AtomicInteger(); var released = new java.util.concurrent.atomic.AtomicInteger();"
                        + " var other = new java.util.concurrent.atomic.AtomicInteger(); var done = new java.util.concurrent.atomic.AtomicBoolean();"
                        + " Thread a = new Thread(() -> { for (int i = 0; i < 40; i++) { try { ws.text(\"a b c d e f g \" + i); ws.run();"
                        + " if (i % 4 == 0) { jlens.analysis.QkvDensities.layer(ws.split(0, 1), 10); ws.logprobs(-1, 3); } } catch (RuntimeException e) { other.incrementAndGet(); } }"
                        + " done.set(true); });"
                        + " Thread b = new Thread(() -> { while (!done.get()) { try { var q = ws.activation(\"blocks.0.attn.hook_q\");"
                        + " q.mul(q).sum().getFloat(); sums.incrementAndGet(); } catch (jlens.workspace.WorkspaceException e) { }"
                        + " catch (IllegalStateException e) { released.incrementAndGet(); } catch (RuntimeException e) { other.incrementAndGet(); } } });"
                        + " a.start(); b.start(); a.join(); b.join();"
                        + " System.out.println(\"THREADS DONE sums \" + sums.get() + \" released \" + released.get() + \" other \" + other.get());",
                // a few KB of expression (javac's recursion overflowed the default stack, and the Error ended jlens)
                "int deep = " + "1+".repeat(3000) + "1;",
                "System.out.println(\"DEEP \" + deep);",
                // a training script saving over the file: the same inode, cut short
                "try (var ch = java.nio.channels.FileChannel.open(Path.of(\"" + weights + "\"), StandardOpenOption.WRITE)) { ch.truncate(1000); }",
                "run");
        Path script = tmp.resolve("hostile.jsh");
        Files.writeString(script, String.join("\n", lines) + "\n");
        ChildJvm.Child c = child(tmp.resolve("run"), "--model", corpus.resolve("bf16").toString(), script.toString());
        List<String> refusals = c.out().lines().filter(l -> l.startsWith("REFUSED ")).toList();
        assertEquals(hostile.size(), refusals.size(), c.out() + c.err());
        for (String line : refusals) {
            assertTrue(line.startsWith("REFUSED UserError: ") || line.startsWith("REFUSED ModelLoadException: "), line);
            assertTrue(!line.contains("OutOfMemory") && !line.contains("internal error") && !line.contains("capture"), line);
        }
        List<String> promptRefusals = c.out().lines().filter(l -> l.startsWith("PROMPTS REFUSED ")).toList();
        assertEquals(hostilePrompts.size(), promptRefusals.size(), c.out() + c.err());
        for (String line : promptRefusals) {
            assertTrue(line.startsWith("PROMPTS REFUSED UserError: ") && !line.contains("internal error"), line);
        }
        assertTrue(c.out().contains("2000 prompts from good.txt"), "the set in use stays through every refusal: " + c.out());
        List<String> corpusRefusals = c.out().lines().filter(l -> l.startsWith("CORPUS REFUSED ")).toList();
        assertEquals(hostileCorpora.size(), corpusRefusals.size(), c.out() + c.err());
        for (String line : corpusRefusals) {
            assertTrue(line.startsWith("CORPUS REFUSED UserError: ") && !line.contains("internal error"), line);
        }
        List<String> steerRefusals = c.out().lines().filter(l -> l.startsWith("STEER REFUSED ")).toList();
        assertEquals(hostileVectors.size(), steerRefusals.size(), c.out() + c.err());
        for (String line : steerRefusals) {
            assertTrue(line.startsWith("STEER REFUSED UserError: ") && !line.contains("internal error"), line);
        }
        assertTrue(c.out().contains("WROTE IN PLACE"), c.out() + c.err());
        java.util.regex.Matcher threads = java.util.regex.Pattern.compile("THREADS DONE sums (\\d+) released (\\d+) other (\\d+)")
                .matcher(c.out());
        assertTrue(threads.find(), c.out() + c.err());
        System.out.println("[CrashSurvivalTest] " + threads.group());
        assertTrue(Integer.parseInt(threads.group(1)) > 0, "thread B summed activations: " + threads.group());
        assertEquals("0", threads.group(2), "an array was freed while the thread that took it used it: " + threads.group());
        assertEquals("0", threads.group(3), threads.group());
        assertTrue(c.out().contains("DEEP 3001"), c.out() + c.err());
        assertEquals(1, c.status(), "the pass after the file was cut short is refused: " + c.out() + c.err());
        // the engine's own warnings ([W...]) aside, stderr holds one line per hostile environment value, then exactly
        // the one line naming the script's last line
        List<String> err = c.err().lines().filter(l -> !l.startsWith("[W")).toList();
        assertEquals(HOSTILE_ENV.size() + 1, err.size(), c.err());
        for (String v : HOSTILE_ENV.keySet()) {
            assertTrue(err.stream().anyMatch(l -> l.startsWith("jlens: " + v)), v + " said at start: " + c.err());
        }
        err = err.subList(HOSTILE_ENV.size(), err.size());
        assertTrue(err.get(0).contains("hostile.jsh:" + lines.size() + ": ") && err.get(0).contains("changed size")
                && err.get(0).contains("load the model again"), err.get(0));
    }

    /**
     * Hostile SAE folders through {@code sae load} in a child JVM: each refused in one line (no internal error, no
     * crash), a good one loaded beside them; its weights file then cut short on disk, which must not reach the SAE (its
     * arrays are copies), and a feature edit in force while generating.
     */
    @Test
    void hostileSaeFoldersInAChildJvm() throws Exception {
        Path saes = Files.createDirectories(tmp.resolve("saes"));
        Path good = saes.resolve("good");
        copySae(jlens.SaeFixtures.dir("jumprelu-v6"), good);
        List<Path> bad = new java.util.ArrayList<>();
        java.util.function.BiFunction<String, java.util.function.UnaryOperator<String>, Path> cfg = (name, edit) -> {
            try {
                Path d = saes.resolve(name);
                copySae(jlens.SaeFixtures.dir("jumprelu-v6"), d);
                Files.writeString(d.resolve("cfg.json"), edit.apply(Files.readString(d.resolve("cfg.json"))));
                bad.add(d);
                return d;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        cfg.apply("escape-hook", c -> c.replace("blocks.1.hook_resid_post", "\u001b]52;c;aGk=\u0007\u001b[2J"));
        cfg.apply("huge-d-sae", c -> c.replace("\"d_sae\": 80", "\"d_sae\": 2147483647"));
        cfg.apply("negative-d-in", c -> c.replace("\"d_in\": 32", "\"d_in\": -32"));
        cfg.apply("deep", c -> "[".repeat(100_000));
        Path cut = cfg.apply("truncated-weights", c -> c);
        byte[] w = Files.readAllBytes(cut.resolve("sae_weights.safetensors"));
        Files.write(cut.resolve("sae_weights.safetensors"), java.util.Arrays.copyOf(w, w.length / 2));
        Path forged = cfg.apply("forged-length", c -> c);
        ByteBuffer.wrap(w, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Files.write(forged.resolve("sae_weights.safetensors"), w);
        bad.add(saes.resolve("no-such-folder"));
        List<String> lines = List.of(
                "text \"When Mary and John went to the store\"",
                eachLine("sae load", bad, "SAE LOADED", "SAE REFUSED"),
                "sae load " + good,
                "try (var ch = java.nio.channels.FileChannel.open(Path.of(\"" + good.resolve("sae_weights.safetensors")
                        + "\"), StandardOpenOption.WRITE)) { ch.truncate(100); }",
                "features",
                "sae ablate 4",
                "generate 3",
                "System.out.println(\"SAE DONE\");");
        Path script = tmp.resolve("saes.jsh");
        Files.writeString(script, String.join("\n", lines) + "\n");
        ChildJvm.Child c = child(tmp.resolve("run-saes"), "--model", Fixture.dir().toString(), script.toString());
        List<String> refusals = c.out().lines().filter(l -> l.startsWith("SAE REFUSED ")).toList();
        assertEquals(bad.size(), refusals.size(), c.out() + c.err());
        for (String line : refusals) {
            assertTrue(line.startsWith("SAE REFUSED UserError: ") && !line.contains("internal error"), line);
        }
        assertTrue(c.out().contains("SAE DONE") && c.out().contains("features active"), c.out() + c.err());
        assertEquals(0, c.status(), c.out() + c.err());
    }

    private static void copySae(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : List.of("cfg.json", "sae_weights.safetensors")) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
    }
}
