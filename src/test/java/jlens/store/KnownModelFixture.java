package jlens.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The known-answer model written once per test run into a temporary folder, removed when the JVM exits. */
final class KnownModelFixture {
    private static Path dir;
    private static long writeNanos;

    private KnownModelFixture() {}

    static synchronized Path dir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("jlens-known-test");
                long t0 = System.nanoTime();
                KnownModelWriter.write(d);
                writeNanos = System.nanoTime() - t0;
                dir = d;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(d)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    /** How long the first write took (generation time, including the tokenizer files). */
    static synchronized long writeNanos() {
        dir();
        return writeNanos;
    }

    static void delete(Path d) {
        try (Stream<Path> s = Files.walk(d)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
