package jlens.robust;

import ai.djl.ndarray.BaseNDManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import jlens.Fixture;
import jlens.model.Gpt2;
import jlens.repl.ModelSource;
import jlens.repl.Session;
import jlens.repl.UserError;

/**
 * A long session on the fixture: thousands of REPL commands (text, hook, run, hist, var, qkt, logprobs, pattern,
 * ablate, split, save to a temporary folder, unhook, and a few bad lines), with the process's resident memory and
 * DJL's NDArray counts recorded after warm-up and at the end. Not a JUnit test (it takes a minute); run it with
 *
 * <pre>
 *   bench/soak.sh [COMMANDS] [WARMUP]
 * </pre>
 *
 * <p>(which compiles the tests and runs this class with a fixed-size heap, so the heap growing and shrinking does
 * not swamp the resident-memory numbers).
 *
 * <p>Exit status 0 when resident memory grew by at most 5% after warm-up and the NDArray counts did not grow.
 */
public final class Soak {
    /** One round of work, in an order that always has what the next command needs. */
    static final List<String> ROUND = List.of(
            "text %TEXT%",
            "hook layer all",
            "run",
            "hist 1",
            "hist all",
            "var",
            "save %DIR%/var.csv --force",
            "qkt 1",
            "qkt all",
            "save %DIR%/qkt.json --force",
            "split qkv 1",
            "split heads 2 q",
            "save %DIR%/qkv.npy blocks.1.attn.hook_qkv --force",
            "logprobs -2",
            "save %DIR%/lp.csv --force",
            "pattern 1 2",
            "save %DIR%/pattern.txt --force",
            "ablate head 1 token 5",
            "save %DIR%/ablate.csv --force",
            "ablate head all token 5 layer 1",
            "hist 9",
            "unhook",
            "hook q1 pattern2 resid_post0",
            "run",
            "tokens",
            "hooks",
            "unhook");

    static final List<String> TEXTS = List.of(
            "\"" + Fixture.text().replace("\n", "\\n") + "\"",
            "\"The quick brown fox jumps over the lazy dog.\"",
            "\"a\\tb\\nc  d, e; f: g! 42\"");

    /** One sample of the process's memory. */
    record Sample(int commands, long rssKb, long heapCommittedKb, long heapUsedKb, long jvmNonHeapKb, int modelArrays,
            int allArrays) {
        /** Resident memory outside the Java heap: libtorch, the JVM's own, direct buffers (and any native leak). */
        long nativeKb() {
            return rssKb - heapCommittedKb;
        }

        String line() {
            return String.format(Locale.ROOT, "%6d commands: RSS %,d KiB (outside the heap %,d, of it JIT code and metaspace %,d),"
                    + " heap used %,d KiB, NDArrays model %d, all %d", commands, rssKb, nativeKb(), jvmNonHeapKb, heapUsedKb,
                    modelArrays, allArrays);
        }
    }

    private final Session session;
    private final Gpt2 model;
    private final Path dir;
    private int done;
    private int errors;

    Soak(Gpt2 model, Path dir) {
        this.model = model;
        this.dir = dir;
        PrintWriter discard = new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        ModelSource fixtureOnly = (spec, s) -> new ModelSource.Loaded(model, "tiny-gpt2", null);
        session = new Session(discard, fixtureOnly);
        session.useModel(model, "tiny-gpt2", null, false);
        session.exec("set color mono");
    }

    void run(int commands) {
        for (int i = 0; i < commands; i++) {
            String line = ROUND.get(done % ROUND.size())
                    .replace("%TEXT%", TEXTS.get((done / ROUND.size()) % TEXTS.size()))
                    .replace("%DIR%", dir.toString());
            try {
                session.exec(line);
            } catch (UserError e) {
                if (!line.equals("hist 9")) {
                    throw new IllegalStateException("'" + line + "' failed: " + e.getMessage(), e);
                }
                errors++;
            }
            done++;
        }
    }

    Sample sample() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        BaseNDManager m = (BaseNDManager) model.manager();
        BaseNDManager all = (BaseNDManager) m.getParentManager();
        long nonHeap = java.lang.management.ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted() / 1024;
        return new Sample(done, rssKb(), rt.totalMemory() / 1024, (rt.totalMemory() - rt.freeMemory()) / 1024, nonHeap,
                m.getManagedArrays().size(), all.getManagedArrays().size());
    }

    static int rounds(int commands) {
        return Math.max(1, Math.round(commands / (float) ROUND.size())) * ROUND.size();
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return -1;
    }

    public static void main(String[] args) throws IOException {
        // Whole rounds, so every sample is taken at the same point of the work (the last run's cache is then the same).
        int commands = rounds(args.length > 0 ? Integer.parseInt(args[0]) : 10_000);
        int warmup = rounds(args.length > 1 ? Integer.parseInt(args[1]) : 2_000);
        Path dir = Files.createTempDirectory("jlens-soak");
        int status;
        try (Gpt2 model = Gpt2.load(Fixture.dir())) {
            Soak soak = new Soak(model, dir);
            long t0 = System.nanoTime();
            soak.run(warmup);
            Sample warm = soak.sample();
            System.out.println("after warm-up " + warm.line());
            List<Sample> samples = new ArrayList<>();
            int step = rounds(Math.max(1, commands / 10));
            for (int left = commands; left > 0; left -= step) {
                soak.run(Math.min(step, left));
                Sample s = soak.sample();
                samples.add(s);
                System.out.println("              " + s.line());
            }
            Sample end = samples.get(samples.size() - 1);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double growth = 100.0 * (end.rssKb() - warm.rssKb()) / warm.rssKb();
            double nativeGrowth = 100.0 * (end.nativeKb() - warm.nativeKb()) / warm.nativeKb();
            long jitGrowth = end.jvmNonHeapKb() - warm.jvmNonHeapKb();
            long maxRss = samples.stream().mapToLong(Sample::rssKb).max().orElse(0);
            long files;
            try (Stream<Path> f = Files.list(dir)) {
                files = f.count();
            }
            System.out.printf(Locale.ROOT, "%d commands (+%d warm-up) in %.1f s, %d expected errors; %d files in %s%n",
                    commands, warmup, seconds, soak.errors, files, dir);
            System.out.printf(Locale.ROOT, "RSS %+.2f%% (warm-up %,d KiB, end %,d KiB, peak %,d KiB); outside the heap %+.2f%%"
                    + " (%+,d KiB, of it JIT code and metaspace %+,d KiB); NDArrays model %d -> %d, all %d -> %d%n", growth,
                    warm.rssKb(), end.rssKb(), maxRss, nativeGrowth, end.nativeKb() - warm.nativeKb(), jitGrowth,
                    warm.modelArrays(), end.modelArrays(), warm.allArrays(), end.allArrays());
            // The measure: resident memory within a few percent after warm-up, and no NDArray left behind.
            boolean ok = growth <= 5.0 && end.modelArrays() <= warm.modelArrays() && end.allArrays() <= warm.allArrays();
            System.out.println(ok ? "OK: flat after warm-up" : "GROWTH: see the numbers above");
            status = ok ? 0 : 1;
        } finally {
            try (Stream<Path> f = Files.walk(dir)) {
                f.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(status);
    }
}
