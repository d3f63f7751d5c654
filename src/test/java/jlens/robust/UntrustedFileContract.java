package jlens.robust;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Function;
import jlens.OutputAudit;

/**
 * What every reader of an untrusted file must do, checked the same way for each: it returns what it read, or refuses
 * with its own exception whose message is one line that starts with the file's name (and line) and carries no raw
 * control or format character; no other exception, whatever the bytes; and it stops at an interrupt (Ctrl-C) with a
 * {@link CancellationException}, returning nothing. Prompt files use it now; SAE folders, graph JSON, steering vectors
 * and corpora plug their reader and refusal type in as they are added.
 */
final class UntrustedFileContract {
    private UntrustedFileContract() {}

    /** Reads {@code file}; empty when refused as the contract allows; fails the test on anything else. */
    static <T> Optional<T> read(Path file, Function<Path, T> reader, Class<? extends RuntimeException> refusal) {
        T value;
        try {
            value = reader.apply(file);
        } catch (RuntimeException e) {
            if (!refusal.isInstance(e)) {
                throw new AssertionError("a " + e.getClass().getName() + " instead of a " + refusal.getSimpleName()
                        + " for " + file + ": " + e.getMessage(), e);
            }
            String m = e.getMessage();
            assertTrue(m != null && m.startsWith(file.toString()), "the message names the file first: " + m);
            assertFalse(m.contains("\n") || m.contains("\r"), "one line: " + m);
            assertTrue(m.codePoints().noneMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    || Character.isSurrogate((char) c) && Character.charCount(c) == 1), "no raw control or format character: "
                    + jlens.chart.TerminalText.escape(m));
            OutputAudit.checkSecrets(m);
            return Optional.empty();
        }
        assertTrue(value != null, "a reader returns what it read or refuses");
        return Optional.of(value);
    }

    /** A FIFO at {@code path} (a file a reader must not open: reading one blocks until a writer comes); empty without mkfifo. */
    static Optional<Path> fifo(Path path) throws java.io.IOException {
        try {
            return new ProcessBuilder("mkfifo", path.toString()).start().waitFor() == 0 ? Optional.of(path) : Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** What a fuzzer of files counts: files made, read, refused; printed once at its end. */
    static final class Tally {
        final java.util.concurrent.atomic.AtomicInteger files = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();

        /** Deletes the fuzzer's {@code folder} and prints its counts, {@code [name] N files: R read, F refused in one line}. */
        void end(String name, Path folder) throws java.io.IOException {
            delete(folder);
            System.out.println("[" + name + "] " + files.get() + " files: " + read.get() + " read, " + refused.get()
                    + " refused in one line");
        }
    }

    /** A fresh folder for a fuzzer's files, under Java's temporary folder. */
    static Path folder(String name) throws java.io.IOException {
        return java.nio.file.Files.createTempDirectory(name);
    }

    /** Deletes what {@link #folder} made, with everything in it. */
    static void delete(Path folder) throws java.io.IOException {
        try (var s = java.nio.file.Files.walk(folder)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** An interrupted thread's read stops with a {@link CancellationException}. */
    static void stopsWhenInterrupted(Path file, Function<Path, ?> reader) {
        Thread.currentThread().interrupt();
        try {
            assertThrows(CancellationException.class, () -> reader.apply(file), "Ctrl-C (an interrupt) stops reading " + file);
        } finally {
            Thread.interrupted();
        }
    }
}
