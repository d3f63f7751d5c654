package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import jlens.Fixture;
import jlens.intervene.steering.Steering;
import jlens.intervene.steering.SteeringVector;
import jlens.model.Gpt2;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A fuzzer over steering vector files ({@code steer FILE.npy}): {@code .npy} files with a right or wrong magic and
 * version, a header length that fits, runs past the end or is forged, headers whose dtype, order and shape are right,
 * wrong, hostile text ({@link HostileText}) or forged so that the shape's product wraps around, and data that fits
 * the shape, falls short, runs over or holds NaN and infinities. Each file must meet {@link UntrustedFileContract}
 * through {@link Steering#fromFile}: a vector of the model's shape made of finite numbers, or one
 * {@link IllegalArgumentException} line naming the file; and reading stops at an interrupt.
 */
class SteeringVectorFuzzTest {
    static final int TRIES = 200;
    static Gpt2 model;
    static Path root;
    static final UntrustedFileContract.Tally tally = new UntrustedFileContract.Tally();

    @BeforeContainer
    static void load() throws IOException {
        model = Gpt2.load(Fixture.dir());
        root = UntrustedFileContract.folder("jlens-npy-fuzz");
    }

    @AfterContainer
    static void close() throws IOException {
        model.close();
        tally.end("SteeringVectorFuzzTest", root);
    }

    /** A shape tuple as a header writes it: the model's, near it, empty, forged, or hostile text. */
    static Arbitrary<String> shape() {
        int c = 32; // the fixture's d_model (3 layers), checked in the property
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of("(" + c + ",)", "(3, " + c + ")", "(2, " + c + ")")),
                net.jqwik.api.Tuple.of(3, Arbitraries.of("(" + (c + 1) + ",)", "()", "(0,)", "(1, " + c + ")", "(-1,)",
                        "(" + c + ", 1)", "(999999999, 999999999, 999999999)", "(536870912, 536870912, 8)",
                        "(4611686018427387904,)", "(1e3,)", "(" + c + "", "(" + c + ",,)")),
                net.jqwik.api.Tuple.of(1, HostileText.text().map(t -> "(" + t + ")")));
    }

    static Arbitrary<String> header() {
        Arbitrary<String> descr = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.of("<f4", "<f8")),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(">f4", "<i8", "|u1", "<f2", "O", "")),
                net.jqwik.api.Tuple.of(1, HostileText.text().map(t -> t.replace("'", ""))));
        Arbitrary<String> order = Arbitraries.of("False", "False", "False", "False", "False", "True", "0", "");
        return Combinators.combine(descr, order, shape(), Arbitraries.of(0, 0, 0, 0, 0, 0, 1, 2, 3)).as((d, o, s, drop) -> {
            String descrPart = drop == 1 ? "" : "'descr': '" + d + "', ";
            String orderPart = drop == 2 ? "" : "'fortran_order': " + o + ", ";
            String shapePart = drop == 3 ? "" : "'shape': " + s + ", ";
            return "{" + descrPart + orderPart + shapePart + "}";
        });
    }

    record FileCase(String header, int version, int lengthForgery, boolean magicOk, int dataDelta, int poison) {}

    @Provide
    Arbitrary<FileCase> files() {
        return Combinators.combine(header(), Arbitraries.of(1, 1, 1, 2, 3, 0, 255), Arbitraries.of(0, 0, 0, 0, 0, 0, 1, 2, 3),
                Arbitraries.of(true, true, true, true, true, false), Arbitraries.of(0, 0, 0, 0, 0, 0, -4, 4, -1000000),
                Arbitraries.of(0, 0, 0, 0, 0, 0, 1, 2))
                .as(FileCase::new);
    }

    /** The bytes of {@code c}: magic, version, header length (forged or not), header, then data for the shape it says. */
    static byte[] bytes(FileCase c, int dModel) {
        byte[] header = (c.header() + " ".repeat(7) + "\n").getBytes(c.version() == 3 ? StandardCharsets.UTF_8
                : StandardCharsets.ISO_8859_1);
        boolean wide = c.version() >= 2;
        long length = switch (c.lengthForgery()) {
            case 1 -> header.length + 100_000L; // runs past the end
            case 2 -> wide ? 0xffffffffL : 0xffff; // the largest the field holds
            case 3 -> 0;
            default -> header.length;
        };
        // data for the shape the header says when it is one of the sizes a test can hold, else a vector's worth
        long values = dModel;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("'shape': \\(([0-9, ]*)\\)").matcher(c.header());
        if (m.find()) {
            long n = 1;
            for (String part : m.group(1).split(",")) {
                if (!part.isBlank()) {
                    n = part.strip().length() > 6 ? Long.MAX_VALUE / 16 : n * Long.parseLong(part.strip());
                }
            }
            values = n > 0 && n < 100_000 ? n : values;
        }
        int width = c.header().contains("<f8") ? 8 : 4;
        long dataBytes = Math.max(0, values * width + c.dataDelta());
        ByteBuffer b = ByteBuffer.allocate((int) (12 + header.length + dataBytes)).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) (c.magicOk() ? 0x93 : 0x89)).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) c.version()).put((byte) 0);
        if (wide) {
            b.putInt((int) length);
        } else {
            b.putShort((short) length);
        }
        b.put(header);
        java.util.Random r = new java.util.Random(header.length);
        while (b.remaining() >= width) {
            double v = r.nextGaussian();
            if (c.poison() == 1 && b.remaining() < 64) {
                v = Double.NaN;
            } else if (c.poison() == 2 && b.remaining() < 64) {
                v = width == 8 ? 1e300 : Double.POSITIVE_INFINITY; // f64 that overflows f32, or +inf
            }
            if (width == 8) {
                b.putDouble(v);
            } else {
                b.putFloat((float) v);
            }
        }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    @Property(tries = TRIES, seed = "20271206", shrinking = ShrinkingMode.OFF)
    void everySteeringVectorFileIsReadOrRefusedInOneLine(@ForAll("files") FileCase c) throws IOException {
        int dModel = model.config().nEmbd();
        assertTrue(dModel == 32 && model.config().nLayer() == 3, "the shapes above are the fixture's");
        Path file = root.resolve(tally.files.incrementAndGet() + ".npy");
        Files.write(file, bytes(c, dModel));
        java.util.function.Function<Path, SteeringVector> reader = f -> {
            boolean everyLayer = c.header().contains("'shape': (" + model.config().nLayer() + ", ");
            return Steering.fromFile(model, f, everyLayer ? null : 1, 2.0);
        };
        Optional<SteeringVector> v = UntrustedFileContract.read(file, reader, IllegalArgumentException.class);
        if (v.isPresent()) {
            tally.read.incrementAndGet();
            float[] data = v.get().data();
            assertTrue(data.length == dModel || data.length == (long) model.config().nLayer() * dModel, "" + data.length);
            for (float x : data) {
                assertTrue(Float.isFinite(x), "a vector is made of finite numbers");
            }
            UntrustedFileContract.stopsWhenInterrupted(file, reader);
        } else {
            tally.refused.incrementAndGet();
        }
    }

    /** Shapes whose product overflows a long, or whose byte count wraps to the data's: refused, never read past the data. */
    @net.jqwik.api.Example
    void forgedShapesAreRefused() throws IOException {
        for (String shape : new String[] {"(999999999, 999999999, 999999999)", "(536870912, 536870912, 8)",
                "(536870912, 536870912, 16)"}) {
            for (String descr : new String[] {"<f4", "<f8"}) {
                FileCase c = new FileCase("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }", 1, 0, true,
                        -32 * (descr.equals("<f8") ? 8 : 4), 0); // no data at all: what a wrapped count of 0 would accept
                Path file = root.resolve("forged-" + tally.files.incrementAndGet() + ".npy");
                Files.write(file, bytes(c, 32));
                assertTrue(UntrustedFileContract.read(file, f -> Steering.fromFile(model, f, 1, 1.0), IllegalArgumentException.class)
                        .isEmpty(), shape + " " + descr);
            }
        }
    }

    /** A FIFO named like a vector is refused, not read (reading one blocks until a writer comes). */
    @net.jqwik.api.Example
    void aFifoIsRefusedNotWaitedFor() throws Exception {
        Optional<Path> made = UntrustedFileContract.fifo(root.resolve("fifo.npy"));
        if (made.isEmpty()) {
            return; // no mkfifo here
        }
        Optional<SteeringVector> v = UntrustedFileContract.read(made.get(), f -> Steering.fromFile(model, f, 1, 1.0),
                IllegalArgumentException.class);
        assertTrue(v.isEmpty());
    }
}
