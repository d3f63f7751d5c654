package jlens.store;

import static jlens.store.KnownResidual.CURRENT_OUT;
import static jlens.store.KnownResidual.DUPLICATE_OUT;
import static jlens.store.KnownResidual.D_MODEL;
import static jlens.store.KnownResidual.D_TOKEN;
import static jlens.store.KnownResidual.FIRST;
import static jlens.store.KnownResidual.FIRST_HEAD_OUT;
import static jlens.store.KnownResidual.MARKER;
import static jlens.store.KnownResidual.OUTPUT;
import static jlens.store.KnownResidual.POSITION;
import static jlens.store.KnownResidual.PREVIOUS;
import static jlens.store.KnownResidual.TOKEN;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Random;
import jlens.model.SafetensorsWriter;
import jlens.sys.AtomicWriter;

/**
 * Writes the known-answer model: a GPT-2 (Hugging Face's exact files, the real tokenizer) whose weights are set by
 * hand so that it holds named circuits, and nothing else:
 *
 * <pre>
 *   0.0 first-token head     attends to the first position
 *   0.1 previous-token head  attends one position back, writes that token into PREVIOUS
 *   0.2 duplicate-token head attends to earlier copies of the current token
 *   1.0 current-token head   attends to itself
 *   1.1 (idle)               zero weights: uniform attention, writes nothing
 *   1.2 induction head       query = current token, key = PREVIOUS (written by 0.1: K-composition),
 *                            value = the attended token, copied into the prediction
 *   1.1 S-inhibition head    key = 0.2's "seen before" mark (K-composition): attends to an earlier repeated
 *                            token; value = that token, written into a channel of its own
 *   2.1 name mover           query = that channel (Q-composition), key = the name flag and the token: attends
 *                            to the name that is not the repeated one and copies it into the prediction
 *   2.0, 2.2 (idle)
 * </pre>
 *
 * <p>The last three make an IOI-like multi-hop circuit ({@link KnownIoiCircuit}): on "When Mary and John went to
 * the store, John gave a drink to" the logit of " Mary" exceeds that of " John" by several nats, through
 * 0.2 -> 1.1 -> 2.1 only.
 *
 * So on any text, a token that occurred before is followed by a confident prediction of what followed it then,
 * and every other prediction is uniform over the vocabulary. The MLPs are zero. Each circuit is one short method
 * below; {@link KnownResidual} says where everything lives and why LayerNorm does not disturb it, and
 * {@link KnownPositions} how positions are coded. Attention strengths are given in nats: the score a head gives
 * the position it should attend to, over the scores of the others.
 *
 * <p>Deterministic: a fixed seed, {@link java.util.Random}'s specified generator and {@link StrictMath}, so two
 * writes give identical bytes on any machine.
 */
public final class KnownModelWriter {
    static final long SEED = 20240201L;
    static final int N_LAYER = 3;
    static final int N_HEAD = 3;
    static final int N_POSITIONS = 1024;
    static final int VOCAB = 50257;
    static final int D_HEAD = D_MODEL / N_HEAD; // 128
    /** Where the GPT-2 tokenizer files ship inside jlens (shared with the bundled demo model). */
    static final String TOKENIZER_RESOURCES = "/jlens/gpt2-tokenizer/";
    static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "vocab.json", "merges.txt",
            "tokenizer_config.json");

    /** The tokens the model treats as names (the IOI prompts' names): each has the name flag in its embedding. */
    public static final List<String> NAMES = List.of(" Mary", " John", " Tom", " James", " Dan", " Sid", " Martin",
            " Amy", " Paul", " Kate", " Lisa", " Mark", " Mike", " David", " Peter", " Sarah", " Jack", " Sam", " Ben",
            " Alex", " Emma", " Laura", " Jane", " Adam", " Eric", " Steve", " Rachel", " Andrew", " Michael",
            " George", " Thomas", " Daniel", " Anna", " Alice", " Frank", " Grace", " Henry", " Kevin", " Ryan", " Scott");

    private static final KnownHead S_INHIBITION = new KnownHead(1, 1);
    private static final KnownHead NAME_MOVER = new KnownHead(2, 1);

    /** The wiring; {@link #write} builds exactly this. */
    public static final KnownCircuits CIRCUITS = new KnownCircuits(new KnownHead(0, 0), new KnownHead(0, 1),
            new KnownHead(0, 2), new KnownHead(1, 0), new KnownHead(1, 2), ioi(new KnownHead(0, 2)));

    private static KnownIoiCircuit ioi(KnownHead dup) {
        String d = "a" + dup.layer() + ".h" + dup.head();
        String s = "a" + S_INHIBITION.layer() + ".h" + S_INHIBITION.head();
        String n = "a" + NAME_MOVER.layer() + ".h" + NAME_MOVER.head();
        return new KnownIoiCircuit("indirect object identification: after 'A and B ... B ... to', the logit of A"
                + " exceeds that of B (the repeated name)", dup, S_INHIBITION, NAME_MOVER, NAMES,
                List.of("input", "a0.h0", d, s, n, "logits"), List.of(
                        new KnownIoiCircuit.Edge("input->" + d + "<q>", "embedding", "the current token"),
                        new KnownIoiCircuit.Edge("input->" + d + "<k>", "embedding",
                                "earlier tokens and positions (a token does not find itself)"),
                        new KnownIoiCircuit.Edge(d + "->" + s + "<k>", "K",
                                "the 'seen before' mark of the repeated name, which S-inhibition attends to"),
                        new KnownIoiCircuit.Edge("a0.h0->" + s + "<q>", "Q", "a constant: the first-token head's mark,"
                                + " the same at every position (the query's weights read it; nothing varies along it)"),
                        new KnownIoiCircuit.Edge("input->" + s + "<k>", "embedding",
                                "positions (not itself) and the first-position flag (its rest)"),
                        new KnownIoiCircuit.Edge("input->" + s + "<v>", "embedding", "the repeated name's token"),
                        new KnownIoiCircuit.Edge(s + "->" + n + "<q>", "Q",
                                "the repeated name's identity and a 'fired' flag, in the S-inhibition channel"),
                        new KnownIoiCircuit.Edge("input->" + n + "<k>", "embedding", "the name flag and each token"),
                        new KnownIoiCircuit.Edge("input->" + n + "<v>", "embedding", "the attended name's token"),
                        new KnownIoiCircuit.Edge(n + "->logits", "direct", "the copied name, into the prediction")));
    }

    /** Logit of the copied token over the others' typical 0: e^-20 * 50257 leaves it ~99.9% of the mass. */
    static final double COPY_LOGIT = 20;

    private final KnownWeights w = new KnownWeights(N_LAYER, N_HEAD, D_MODEL, N_POSITIONS);
    private final Random rng = new Random(SEED);
    private final KnownPositions positions = new KnownPositions(rng, N_POSITIONS, KnownResidual.POSITION_NORM_SQ);
    private final double sq = Math.sqrt(D_HEAD); // GPT-2 divides scores by sqrt(d_head): readers multiply it back
    private final double flag = KnownResidual.firstFlag(); // the first position's flag after LayerNorm
    private final double s1 = KnownResidual.layer1Scale(); // what layer 1's LayerNorm divides by

    private KnownWriterState state;
    private byte[] wte; // the token embeddings as F16 bytes, drawn in build() right after the position code
    private final java.util.Map<Integer, double[]> nameVectors = new java.util.LinkedHashMap<>();

    private KnownModelWriter() {}

    /** What {@link #write} produced besides the files: the wiring and the position code's measured sharpness. */
    record KnownWriterState(KnownCircuits circuits, double sidelobe, double sidelobeDuplicate) {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: KnownModelWriter NEW_DIR (written whole; an existing folder is refused)");
            System.exit(2);
        }
        AtomicWriter.writeFolder(Path.of(args[0]), KnownModelWriter::write); // whole, or not at all
        System.out.println("wrote the known-answer model to " + args[0]);
    }

    /** Writes config.json, model.safetensors, the tokenizer files and {@value KnownCircuits#FILE} into {@code dir}. */
    public static KnownCircuits write(Path dir) throws IOException {
        return build().writeFiles(dir).circuits();
    }

    /** Builds every weight (no files). */
    static KnownModelWriter build() {
        KnownModelWriter m = new KnownModelWriter();
        m.positionEmbeddings();
        m.firstTokenHead(CIRCUITS.firstToken());
        m.previousTokenHead(CIRCUITS.previousToken());
        m.duplicateTokenHead(CIRCUITS.duplicateToken());
        m.currentTokenHead(CIRCUITS.currentToken());
        m.inductionHead(CIRCUITS.induction());
        m.wte = m.tokenEmbeddings(nameIds()); // the same draws as before: nothing above takes from the generator
        m.sInhibitionHead(CIRCUITS.ioi().sInhibition());
        m.nameMoverHead(CIRCUITS.ioi().nameMover());
        m.unembedding();
        m.state = new KnownWriterState(CIRCUITS, m.positions.sidelobe(KnownPositions.N_FREQ, N_POSITIONS - 1),
                m.positions.sidelobe(KnownPositions.N_FREQ_DUP, N_POSITIONS - 1));
        return m;
    }

    KnownWriterState state() {
        return state;
    }

    // ---- embeddings ----

    /**
     * Token embeddings: a random direction per token (centred, norm sqrt(96)), stored twice, in TOKEN and OUTPUT;
     * zero elsewhere. Drawn after the position code, row by row, straight into F16 bytes.
     */
    byte[] tokenEmbeddings(java.util.Set<Integer> names) {
        ByteBuffer out = ByteBuffer.allocate(VOCAB * D_MODEL * 2).order(ByteOrder.LITTLE_ENDIAN);
        double[] u = new double[D_TOKEN];
        short[] row = new short[D_MODEL];
        for (int v = 0; v < VOCAB; v++) {
            double mean = 0;
            for (int i = 0; i < D_TOKEN; i++) {
                u[i] = rng.nextGaussian();
                mean += u[i] / D_TOKEN;
            }
            double norm = 0;
            for (int i = 0; i < D_TOKEN; i++) {
                u[i] -= mean;
                norm += u[i] * u[i];
            }
            double scale = Math.sqrt(KnownResidual.TOKEN_NORM_SQ / norm);
            java.util.Arrays.fill(row, (short) 0);
            for (int i = 0; i < D_TOKEN; i++) {
                short h = SafetensorsWriter.toHalf((float) (u[i] * scale));
                row[TOKEN + i] = h;
                row[OUTPUT + i] = h; // the same rounded number: the two copies cancel exactly in ln_f
            }
            if (names.contains(v)) {
                row[KnownResidual.NAME] = SafetensorsWriter.toHalf((float) KnownResidual.NAME_FLAG);
                double[] t = new double[D_TOKEN];
                for (int i = 0; i < D_TOKEN; i++) {
                    t[i] = u[i] * scale;
                }
                nameVectors.put(v, t);
            }
            for (short h : row) {
                out.putShort(h);
            }
        }
        return out.array();
    }

    /**
     * Position embeddings: the sinusoidal code at every position but the first, whose row is only the first-token
     * flag, {@link KnownResidual#FIRST_BOOST} times larger than LayerNorm's unit: after ln_1 it is a plain flag
     * and the first token's identity is shrunk a hundredfold, so a head resting there copies nothing.
     */
    private void positionEmbeddings() {
        for (int p = 1; p < N_POSITIONS; p++) {
            for (int k = 0; k < KnownPositions.N_FREQ; k++) {
                for (int phase = 0; phase < KnownPositions.PHASES; phase++) {
                    w.wpe[p * D_MODEL + POSITION + k * KnownPositions.PHASES + phase] =
                            (float) positions.coordinate(p, k, phase);
                }
            }
        }
        w.wpe[FIRST] = (float) (KnownResidual.FIRST_BOOST * flag);
        w.wpe[FIRST + 1] = (float) (-KnownResidual.FIRST_BOOST * flag);
    }

    // ---- heads ----

    /**
     * Head dimension {@code dim} scores {@code nats} for the first position and 0 for any other: the query is a
     * constant 1, the key reads the first-position flag.
     */
    private void restOnFirst(KnownHead h, int dim, double nats) {
        w.queryBias(h.layer(), h.head(), dim, 1);
        w.key(h.layer(), h.head(), dim, FIRST, nats * sq / flag);
    }

    /**
     * Head dimensions {@code dim0..} score {@code nats * kappa(i - shift - j)} for query i and key j, from the first
     * {@code nFreq} frequencies of the position code: the query reads the code shifted back by {@code shift}, the
     * key reads it as it is (negated for negative {@code nats}). {@code scale} undoes the layer's LayerNorm.
     */
    private void positionKernel(KnownHead h, int dim0, int nFreq, int shift, double nats, double scale) {
        double each = Math.sqrt(Math.abs(nats) * sq / nFreq) * scale;
        double keySign = Math.signum(nats);
        for (int k = 0; k < nFreq; k++) {
            for (int phase = 0; phase < KnownPositions.PHASES; phase++) {
                int from = POSITION + k * KnownPositions.PHASES + phase;
                for (int part = 0; part < 2; part++) {
                    w.query(h.layer(), h.head(), dim0 + 2 * k + part, from,
                            each * positions.reader(k, phase, part, shift));
                    w.key(h.layer(), h.head(), dim0 + 2 * k + part, from,
                            keySign * each * positions.reader(k, phase, part, 0));
                }
            }
        }
    }

    /**
     * Head dimensions {@code dim0..dim0+95} score {@code nats * cos(query token, key vector)}: the query reads
     * TOKEN, the key reads block {@code keyBlock} (TOKEN again, or PREVIOUS). Token vectors have squared norm 96,
     * so the product of the two is divided by 96.
     */
    private void tokenMatch(KnownHead h, int dim0, int keyBlock, double nats, double scale) {
        double each = Math.sqrt(nats * sq / KnownResidual.TOKEN_NORM_SQ) * scale;
        for (int i = 0; i < D_TOKEN; i++) {
            w.query(h.layer(), h.head(), dim0 + i, TOKEN + i, each);
            w.key(h.layer(), h.head(), dim0 + i, keyBlock + i, each);
        }
    }

    /** Value dimension {@code dim} is 1 ({@code firstValue} at the first position), written to a marker pair. */
    private void marker(KnownHead h, int dim, int pair, double firstValue) {
        w.valueBias(h.layer(), h.head(), dim, 1);
        w.value(h.layer(), h.head(), dim, FIRST, (firstValue - 1) / flag);
        w.output(h.layer(), h.head(), dim, pair, MARKER);
        w.output(h.layer(), h.head(), dim, pair + 1, -MARKER);
    }

    /**
     * First-token head: 30 nats for the first position, 0 for the rest, so even at position 1023 it puts all but
     * 1023 e^-30 of its attention there. Its value is the first-position flag (1 there, 0 elsewhere), written to
     * a marker pair: its output is how much it attended to the first position.
     */
    private void firstTokenHead(KnownHead h) {
        restOnFirst(h, 0, 30);
        w.value(h.layer(), h.head(), 0, FIRST, 1 / flag);
        w.output(h.layer(), h.head(), 0, FIRST_HEAD_OUT, MARKER);
        w.output(h.layer(), h.head(), 0, FIRST_HEAD_OUT + 1, -MARKER);
    }

    /**
     * Previous-token head: the query is the position code rotated one step back, the key the code itself, so the
     * score is 40 kappa(i - 1 - j): 40 nats at j = i - 1 and at most 40 x sidelobe (~14) anywhere else. The first
     * position has no code; 20 nats on it bring position 1 back to it. The value is the token; the output
     * writes it into PREVIOUS unchanged (LayerNorm is the identity in layer 0), where the induction head's keys
     * read it.
     */
    private void previousTokenHead(KnownHead h) {
        positionKernel(h, 0, KnownPositions.N_FREQ, 1, 40, 1);
        restOnFirst(h, 2 * KnownPositions.N_FREQ, 20);
        for (int i = 0; i < D_TOKEN; i++) {
            w.value(h.layer(), h.head(), i, TOKEN + i, 1);
            w.output(h.layer(), h.head(), i, PREVIOUS + i, 1);
        }
    }

    /**
     * Duplicate-token head: 69 nats x cos(token_i, token_j), minus 31 nats x kappa(i - j) so that a token does not
     * find itself, plus 46 nats for the first position as the default. With sidelobes up to ~0.51 (15 frequencies)
     * and token cosines up to ~0.34 among 1024 positions: an earlier copy scores >= 69 - 16 = 53, the first
     * position 46, the query itself 69 - 31 = 38, any other token <= 23 + 16 = 39: each choice wins by about 7
     * nats at any distance. Its output is a marker pair: + when the token was seen before, - when it is new.
     */
    private void duplicateTokenHead(KnownHead h) {
        tokenMatch(h, 0, TOKEN, 69, 1);
        int pos = D_TOKEN;
        positionKernel(h, pos, KnownPositions.N_FREQ_DUP, 0, -31, 1);
        restOnFirst(h, pos + 2 * KnownPositions.N_FREQ_DUP, 46);
        marker(h, 0, DUPLICATE_OUT, -1);
    }

    /**
     * Current-token head: query and key both the position code, 40 kappa(i - j): 40 nats on itself, at most ~14
     * elsewhere; the first position has no code (score 0). Its value is a constant, written to a marker pair.
     */
    private void currentTokenHead(KnownHead h) {
        positionKernel(h, 0, KnownPositions.N_FREQ, 0, 40, s1);
        marker(h, 0, CURRENT_OUT, 1);
    }

    /**
     * Induction head: the query is the current token, the key is PREVIOUS, the token before the key's position
     * (written by the previous-token head: K-composition), so key j matches where token j-1 equals the current
     * token, at 36 nats x cosine; the first position scores 24 as the default. A match wins by 12 nats over the
     * default, and the default by ~12 over any non-match (cosine <= ~0.34). The value is the attended token, and
     * the output adds it to OUTPUT, where ln_f and the tied unembedding read it as a prediction of that token.
     * At the first position the token is shrunk a hundredfold, so resting there predicts nothing.
     */
    private void inductionHead(KnownHead h) {
        tokenMatch(h, 0, PREVIOUS, 36, s1);
        restOnFirst(h, D_TOKEN, 24);
        for (int i = 0; i < D_TOKEN; i++) {
            w.value(h.layer(), h.head(), i, TOKEN + i, s1);
            w.output(h.layer(), h.head(), i, OUTPUT + i, 1);
        }
    }

    // ---- the IOI-like circuit ----

    /** S-inhibition: a repeated token's "seen before" mark over the others', in nats. */
    static final double S_INHIBIT_MARK = 40;
    /** ... minus this times kappa(i - j), so a repeated token does not find itself. */
    static final double S_INHIBIT_SELF = 40;
    /**
     * ... and this for the first position, its rest when nothing before is repeated (LayerNorm shrinks the first
     * position's mark to nothing under its flag).
     */
    static final double S_INHIBIT_REST = 18;
    /** The channel's message gain and its "fired" flag. */
    static final double CHANNEL_GAIN = 1;
    static final double FIRED = 3;
    /** Name mover: nats for a name once S-inhibition has fired, and against the repeated name (at cosine 1). */
    static final double NAME_BONUS = 30;
    static final double NOT_THE_SUBJECT = 30;
    /** The name mover's copy, as a fraction of the induction head's (its logit about 8 instead of 20). */
    static final double NAME_COPY = 0.5;

    /** The token ids of {@link #NAMES}, from the bundled GPT-2 vocabulary ({@code Ġ} is the leading space). */
    static java.util.Set<Integer> nameIds() {
        try (InputStream in = KnownModelWriter.class.getResourceAsStream(TOKENIZER_RESOURCES + "vocab.json")) {
            if (in == null) {
                throw new IllegalStateException("the GPT-2 vocabulary is missing from the build; rebuild jlens");
            }
            com.google.gson.JsonObject vocab = com.google.gson.JsonParser.parseString(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            java.util.Set<Integer> ids = new java.util.LinkedHashSet<>();
            for (String name : NAMES) {
                String key = "\u0120" + name.substring(1);
                if (!vocab.has(key)) {
                    throw new IllegalStateException("'" + name + "' is not one GPT-2 token");
                }
                ids.add(vocab.get(key).getAsInt());
            }
            return ids;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A fixed orthonormal basis of {@code dims} directions in the token block (seeded; orthogonal to the constant). */
    private static double[][] tokenBasis(int dims) {
        Random r = new Random(SEED + 1); // its own generator: the model's draws stay what they were
        double[][] basis = new double[dims][];
        for (int m = 0; m < dims; m++) {
            double[] v = new double[D_TOKEN];
            for (int i = 0; i < D_TOKEN; i++) {
                v[i] = r.nextGaussian();
            }
            double[][] against = java.util.Arrays.copyOf(basis, m + 1);
            double[] ones = new double[D_TOKEN];
            java.util.Arrays.fill(ones, 1 / Math.sqrt(D_TOKEN));
            against[m] = ones;
            for (double[] b : against) {
                double dot = 0;
                for (int i = 0; i < D_TOKEN; i++) {
                    dot += v[i] * b[i];
                }
                for (int i = 0; i < D_TOKEN; i++) {
                    v[i] -= dot * b[i];
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            for (int i = 0; i < D_TOKEN; i++) {
                v[i] /= Math.sqrt(norm);
            }
            basis[m] = v;
        }
        return basis;
    }

    /** The channel's message directions in the token block; the last channel direction is the "fired" flag. */
    private static final int MESSAGE = KnownResidual.CHANNEL - 1;

    /**
     * S-inhibition head: the query is a constant (the first-token head's mark); its key reads the duplicate-token head's mark (+40 nats where a
     * token was seen before, -40 where it is new: K-composition), minus 40 kappa(i - j) so that a repeated token does
     * not find itself, plus 18 for the first position (whose mark LayerNorm shrinks to nothing): an earlier repeated
     * token scores >= 40 - 15 = 25, the first position 18, itself ~0, a new token <= -25. Its value is the attended token,
     * written into the channel through a fixed 27-dimensional projection, and a constant 1 (0 at the first
     * position) written as the channel's "fired" flag. Resting on the first position it writes nothing.
     */
    private void sInhibitionHead(KnownHead h) {
        int l = h.layer();
        double markerAfterLn = 2 * KnownResidual.MARKER / s1; // the pair's difference, as layer 1 reads it
        // The query's constant is read from the first-token head's mark (it attends to the first position from
        // everywhere), not put in a bias: composition scores read weights only, and so see this head's key.
        w.query(l, h.head(), 0, FIRST_HEAD_OUT, 1 / markerAfterLn);
        w.query(l, h.head(), 0, FIRST_HEAD_OUT + 1, -1 / markerAfterLn);
        w.key(l, h.head(), 0, DUPLICATE_OUT, S_INHIBIT_MARK * sq / markerAfterLn);
        w.key(l, h.head(), 0, DUPLICATE_OUT + 1, -S_INHIBIT_MARK * sq / markerAfterLn);
        restOnFirst(h, 1, S_INHIBIT_REST);
        positionKernel(h, 2, KnownPositions.N_FREQ, 0, -S_INHIBIT_SELF, s1);
        double[][] basis = tokenBasis(MESSAGE);
        for (int i = 0; i < D_TOKEN; i++) {
            w.value(l, h.head(), i, TOKEN + i, s1);
        }
        for (int m = 0; m < MESSAGE; m++) {
            double[] dir = KnownResidual.channel(m);
            for (int i = 0; i < D_TOKEN; i++) {
                for (int c = 0; c < D_MODEL; c++) {
                    if (dir[c] != 0) {
                        w.output(l, h.head(), i, c, CHANNEL_GAIN * basis[m][i] * dir[c]);
                    }
                }
            }
        }
        w.valueBias(l, h.head(), D_TOKEN, 1);
        w.value(l, h.head(), D_TOKEN, FIRST, -1 / flag);
        double[] fired = KnownResidual.channel(MESSAGE);
        for (int c = 0; c < D_MODEL; c++) {
            if (fired[c] != 0) {
                w.output(l, h.head(), D_TOKEN, c, FIRED * fired[c]);
            }
        }
    }

    /**
     * Name mover: its query reads the S-inhibition channel (Q-composition): the "fired" flag against its key's name
     * flag gives a name {@link #NAME_BONUS} nats, and the repeated name's identity against its key's token gives
     * that name -{@link #NOT_THE_SUBJECT} nats at cosine 1; nothing else. So once S-inhibition has fired it attends to
     * the name that is not the repeated one; where it has not, its query is zero and it attends evenly. Its value is
     * the attended token; its output writes it into OUTPUT through the projection on the names' directions, so that
     * whatever it averages over moves only names' logits, and a copied name's logit by about
     * {@link #NAME_COPY} x 20.
     */
    private void nameMoverHead(KnownHead h) {
        int l = h.layer();
        double s2 = KnownResidual.layer2Scale();
        double[][] basis = tokenBasis(MESSAGE);
        // |A^T t|^2 of a typical token: the message keeps MESSAGE of the token's D_TOKEN - 1 free directions
        double message = KnownResidual.TOKEN_NORM_SQ * MESSAGE / (D_TOKEN - 1.0);
        double gainQ = NOT_THE_SUBJECT * sq * s2 * s2 / (CHANNEL_GAIN * message);
        for (int m = 0; m < MESSAGE; m++) {
            double[] dir = KnownResidual.channel(m);
            for (int i = 0; i < D_TOKEN; i++) {
                for (int c = 0; c < D_MODEL; c++) {
                    if (dir[c] != 0) {
                        w.query(l, h.head(), i, c, -gainQ * basis[m][i] * dir[c]);
                    }
                }
            }
        }
        for (int i = 0; i < D_TOKEN; i++) {
            w.key(l, h.head(), i, TOKEN + i, 1);
        }
        double nameAfterLn = KnownResidual.NAME_FLAG * (1 - 1.0 / D_MODEL);
        double[] fired = KnownResidual.channel(MESSAGE);
        for (int c = 0; c < D_MODEL; c++) {
            if (fired[c] != 0) {
                w.query(l, h.head(), D_TOKEN, c, NAME_BONUS * sq * s2 * s2 / (FIRED * nameAfterLn) * fired[c]);
            }
        }
        w.key(l, h.head(), D_TOKEN, KnownResidual.NAME, 1);
        double[][] project = new double[D_TOKEN][D_TOKEN]; // sum over names of t t^T / |t|^2
        for (double[] t : nameVectors.values()) {
            double norm = 0;
            for (double x : t) {
                norm += x * x;
            }
            for (int i = 0; i < D_TOKEN; i++) {
                for (int o = 0; o < D_TOKEN; o++) {
                    project[i][o] += t[i] * t[o] / norm;
                }
            }
        }
        for (int i = 0; i < D_TOKEN; i++) {
            w.value(l, h.head(), i, TOKEN + i, s2);
            for (int o = 0; o < D_TOKEN; o++) {
                w.output(l, h.head(), i, OUTPUT + o, NAME_COPY * project[i][o]);
            }
        }
    }

    /**
     * ln_f: +G on OUTPUT, -G on TOKEN, 0 elsewhere. The embedding put the same token vector in both, so its logits
     * cancel exactly; what the induction head added to OUTPUT gives its token a logit of G x 96 / (ln_f's scale)
     * = {@link #COPY_LOGIT}, and any other token that times a cosine of ~0.1.
     */
    private void unembedding() {
        double g = COPY_LOGIT * KnownResidual.finalScaleWhenCopying() / KnownResidual.TOKEN_NORM_SQ;
        java.util.Arrays.fill(w.lnFW, 0f);
        for (int i = 0; i < D_TOKEN; i++) {
            w.lnFW[OUTPUT + i] = (float) g;
            w.lnFW[TOKEN + i] = (float) -g;
        }
    }

    // ---- files ----

    private KnownWriterState writeFiles(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : TOKENIZER_FILES) {
            try (InputStream in = KnownModelWriter.class.getResourceAsStream(TOKENIZER_RESOURCES + f)) {
                if (in == null) {
                    throw new IOException("the GPT-2 tokenizer file " + f + " is missing from the build; rebuild jlens");
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.writeString(dir.resolve("config.json"), configJson(), StandardCharsets.UTF_8);
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        w.addTo(st, wte, VOCAB);
        st.write(dir.resolve("model.safetensors"));
        state.circuits().write(dir);
        return state;
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
                  "attn_pdrop": 0.0,
                  "embd_pdrop": 0.0,
                  "resid_pdrop": 0.0,
                  "tie_word_embeddings": true,
                  "torch_dtype": "float16"
                }
                """.formatted(N_LAYER, N_HEAD, D_MODEL, N_POSITIONS, N_POSITIONS, VOCAB);
    }
}
