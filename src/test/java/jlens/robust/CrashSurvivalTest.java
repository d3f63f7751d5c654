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
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
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
 * session hands out. A crash of the child (an abort, SIGBUS or SIGSEGV: exit status above 127) or a JVM error
 * file ({@code hs_err_pid*.log}) fails the test; so does a refusal that is not the expected one line.
 */
class CrashSurvivalTest {
    @TempDir
    static Path tmp;

    static Path corpus;
    static final List<Path> hostile = new ArrayList<>();

    /** What a child run left: its exit status and its output. */
    record Child(int status, String out, String err) {}

    static Child child(Path workDir, String... args) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-XX:ErrorFile=" + workDir.resolve("hs_err_pid%p.log"),
                "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1", "-Dfile.encoding=UTF-8",
                "-Duser.home=" + workDir, "--add-modules", "jdk.jshell",
                "-cp", System.getProperty("java.class.path"), "jlens.Main"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile())
                .redirectOutput(workDir.resolve("out.txt").toFile())
                .redirectError(workDir.resolve("err.txt").toFile());
        pb.environment().put("HOME", workDir.toString());
        pb.environment().put("TERM", "dumb");
        Process p = pb.start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish in 120 s: " + String.join(" ", args));
        }
        Child c = new Child(p.exitValue(), Files.readString(workDir.resolve("out.txt")),
                Files.readString(workDir.resolve("err.txt")));
        try (Stream<Path> files = Files.list(workDir)) {
            List<Path> crashes = files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList();
            if (!crashes.isEmpty()) { // keep the evidence: the temporary folder is deleted after the test
                Path keep = Files.createDirectories(Path.of("target", "crash-survival"));
                for (Path f : List.of(crashes.get(0), workDir.resolve("out.txt"), workDir.resolve("err.txt"))) {
                    Files.copy(f, keep.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            assertTrue(crashes.isEmpty(), "the JVM crashed (kept in target/crash-survival): " + crashes + "\n" + c.err());
        }
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
        Path forged = folder("forged-length");
        byte[] f = weights.clone();
        ByteBuffer.wrap(f, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE);
        Files.write(forged.resolve("model.safetensors"), f);
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
        StringBuilder list = new StringBuilder();
        for (Path d : dirs) {
            list.append(list.isEmpty() ? "" : ", ").append('"').append(d).append('"');
        }
        return "for (String d : List.of(" + list + ")) { try { session.exec(\"load \" + d);"
                + " System.out.println(\"LOADED \" + d); } catch (RuntimeException e) {"
                + " System.out.println(\"REFUSED \" + e.getClass().getSimpleName() + \": \" + e.getMessage()); } }";
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
        Child c = child(tmp.resolve("run"), "--model", corpus.resolve("bf16").toString(), script.toString());
        List<String> refusals = c.out().lines().filter(l -> l.startsWith("REFUSED ")).toList();
        assertEquals(hostile.size(), refusals.size(), c.out() + c.err());
        for (String line : refusals) {
            assertTrue(line.startsWith("REFUSED UserError: ") || line.startsWith("REFUSED ModelLoadException: "), line);
            assertTrue(!line.contains("OutOfMemory") && !line.contains("internal error") && !line.contains("capture"), line);
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
        // the engine's own warnings ([W...]) aside, stderr holds exactly the one line naming the script's last line
        List<String> err = c.err().lines().filter(l -> !l.startsWith("[W")).toList();
        assertEquals(1, err.size(), c.err());
        assertTrue(err.get(0).contains("hostile.jsh:" + lines.size() + ": ") && err.get(0).contains("changed size")
                && err.get(0).contains("load the model again"), err.get(0));
    }
}
