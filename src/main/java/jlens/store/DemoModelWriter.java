package jlens.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import jlens.model.SafetensorsWriter;

/**
 * Writes the bundled demo model: a 4-layer GPT-2 with random weights in Hugging Face's exact key layout, stored as
 * F16 so the whole folder stays small, plus the real GPT-2 tokenizer files and a {@code MANIFEST} of SHA-256 sums.
 * Seeded and written byte by byte (no library), so running it again gives identical files; a test checks that the
 * shipped files are what this class writes.
 *
 * <pre>java -cp target/classes jlens.store.DemoModelWriter src/main/resources/jlens/demo-model src/test/resources/tiny-gpt2</pre>
 */
public final class DemoModelWriter {
    static final long SEED = 20190214L; // GPT-2's announcement day; any fixed number would do
    static final int N_LAYER = 4;
    static final int N_HEAD = 8;
    static final int N_EMBD = 64;
    static final int N_POSITIONS = 256;
    static final int VOCAB = 50257;
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt",
            "tokenizer_config.json");

    private DemoModelWriter() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: DemoModelWriter OUT_DIR TOKENIZER_DIR");
            System.exit(2);
        }
        write(Path.of(args[0]), Path.of(args[1]));
        System.out.println("wrote the demo model to " + args[0]);
    }

    public static void write(Path out, Path tokenizerDir) throws IOException {
        Files.createDirectories(out);
        for (String f : TOKENIZER_FILES) {
            Files.copy(tokenizerDir.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(out.resolve(ModelFiles.CONFIG), configJson(), StandardCharsets.UTF_8);
        Files.write(out.resolve(ModelFiles.WEIGHTS), safetensors());
        StringBuilder manifest = new StringBuilder();
        TreeSet<String> names = new TreeSet<>(TOKENIZER_FILES);
        names.add(ModelFiles.CONFIG);
        names.add(ModelFiles.WEIGHTS);
        for (String f : names) {
            byte[] data = Files.readAllBytes(out.resolve(f));
            manifest.append(HexFormat.of().formatHex(HubClient.sha256().digest(data))).append(' ')
                    .append(data.length).append(' ').append(f).append('\n');
        }
        Files.writeString(out.resolve(DemoModel.MANIFEST), manifest, StandardCharsets.UTF_8);
    }

    static String configJson() {
        return """
                {
                  "architectures": [
                    "GPT2LMHeadModel"
                  ],
                  "model_type": "gpt2",
                  "activation_function": "gelu_new",
                  "n_layer": %d,
                  "n_head": %d,
                  "n_embd": %d,
                  "n_positions": %d,
                  "n_ctx": %d,
                  "vocab_size": %d,
                  "layer_norm_epsilon": 1e-05,
                  "bos_token_id": 50256,
                  "eos_token_id": 50256,
                  "attn_pdrop": 0.1,
                  "embd_pdrop": 0.1,
                  "resid_pdrop": 0.1,
                  "initializer_range": 0.02,
                  "torch_dtype": "float16"
                }
                """.formatted(N_LAYER, N_HEAD, N_EMBD, N_POSITIONS, N_POSITIONS, VOCAB);
    }

    /** One tensor to write: its key, shape and how to fill it. */
    private record Tensor(String name, int[] shape, Init init) {
        long count() {
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private enum Init { NORMAL, NORMAL_RESIDUAL, ONES, ZEROS }

    /** GPT-2's own initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2L), LayerNorm 1 and 0. */
    static List<Tensor> layout() {
        int c = N_EMBD;
        List<Tensor> t = new ArrayList<>();
        t.add(new Tensor("wte.weight", new int[] {VOCAB, c}, Init.NORMAL));
        t.add(new Tensor("wpe.weight", new int[] {N_POSITIONS, c}, Init.NORMAL));
        for (int l = 0; l < N_LAYER; l++) {
            String h = "h." + l + ".";
            t.add(new Tensor(h + "ln_1.weight", new int[] {c}, Init.ONES));
            t.add(new Tensor(h + "ln_1.bias", new int[] {c}, Init.ZEROS));
            t.add(new Tensor(h + "attn.c_attn.weight", new int[] {c, 3 * c}, Init.NORMAL));
            t.add(new Tensor(h + "attn.c_attn.bias", new int[] {3 * c}, Init.ZEROS));
            t.add(new Tensor(h + "attn.c_proj.weight", new int[] {c, c}, Init.NORMAL_RESIDUAL));
            t.add(new Tensor(h + "attn.c_proj.bias", new int[] {c}, Init.ZEROS));
            t.add(new Tensor(h + "ln_2.weight", new int[] {c}, Init.ONES));
            t.add(new Tensor(h + "ln_2.bias", new int[] {c}, Init.ZEROS));
            t.add(new Tensor(h + "mlp.c_fc.weight", new int[] {c, 4 * c}, Init.NORMAL));
            t.add(new Tensor(h + "mlp.c_fc.bias", new int[] {4 * c}, Init.ZEROS));
            t.add(new Tensor(h + "mlp.c_proj.weight", new int[] {4 * c, c}, Init.NORMAL_RESIDUAL));
            t.add(new Tensor(h + "mlp.c_proj.bias", new int[] {c}, Init.ZEROS));
        }
        t.add(new Tensor("ln_f.weight", new int[] {c}, Init.ONES));
        t.add(new Tensor("ln_f.bias", new int[] {c}, Init.ZEROS));
        return t;
    }

    /** The safetensors bytes, with GPT-2's initialisation drawn from a seeded generator. */
    static byte[] safetensors() {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        // java.util.Random's nextGaussian is specified exactly in its Javadoc, so these numbers never change.
        Random rng = new Random(SEED);
        double residualStd = 0.02 / Math.sqrt(2.0 * N_LAYER);
        for (Tensor t : layout()) {
            float[] values = new float[Math.toIntExact(t.count())];
            for (int i = 0; i < values.length; i++) {
                values[i] = switch (t.init()) {
                    case NORMAL -> (float) (rng.nextGaussian() * 0.02);
                    case NORMAL_RESIDUAL -> (float) (rng.nextGaussian() * residualStd);
                    case ONES -> 1f;
                    case ZEROS -> 0f;
                };
            }
            writer.addF16(t.name(), java.util.Arrays.stream(t.shape()).asLongStream().toArray(), values);
        }
        return writer.toBytes();
    }
}
