package jlens.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The atomic writer's temporaries: named for their process, removed on every exit it sees, swept only when dead. */
class TemporariesTest {
    @TempDir
    Path tmp;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** A pid no process has: the largest pid Linux hands out is far below this. */
    private static final long DEAD = 2_000_000_001L;

    @Test
    void aTemporaryNamesItsHostAndProcess() throws IOException {
        Path t = Temporaries.newFile(tmp);
        String n = t.getFileName().toString();
        assertTrue(n.startsWith(".jlens-" + Temporaries.HOST + "-" + ProcessHandle.current().pid() + "-") && n.endsWith(".tmp"), n);
        assertTrue(Temporaries.isTemporaryName(n));
        assertTrue(Temporaries.live().contains(t));
        Temporaries.discard(t);
        assertFalse(Files.exists(t));
        assertFalse(Temporaries.live().contains(t));
    }

    @Test
    void theSweepTakesOnlyDeadProcessesTemporariesOfThisHost() throws IOException {
        Path dead = Files.createFile(tmp.resolve(".jlens-" + Temporaries.HOST + "-" + DEAD + "-abc.tmp"));
        Path deadFolder = Files.createDirectories(tmp.resolve(".jlens-" + Temporaries.HOST + "-" + DEAD + "-def.tmp").resolve("sub"));
        Files.writeString(deadFolder.resolve("weights"), "x");
        Path oldKnown = Files.createDirectories(tmp.resolve(".known-model-1.tmp-" + DEAD + "-123"));
        Path live = Files.createFile(tmp.resolve(".jlens-" + Temporaries.HOST + "-1-abc.tmp")); // pid 1 runs
        Path otherHost = Files.createFile(tmp.resolve(".jlens-0badc0de-" + DEAD + "-abc.tmp"));
        Path mine = Temporaries.newFile(tmp); // this process's, being written
        Path user = Files.createFile(tmp.resolve(".jlens-notes.tmp")); // not one of ours by its name
        Files.createSymbolicLink(tmp.resolve(".jlens-" + Temporaries.HOST + "-" + DEAD + "-0ff.tmp"), tmp.resolve("target"));
        Files.writeString(tmp.resolve("target"), "a link's target is never followed");

        assertEquals(4, Temporaries.sweep(tmp));
        assertFalse(Files.exists(dead) || Files.exists(deadFolder.getParent()) || Files.exists(oldKnown));
        assertTrue(Files.exists(live) && Files.exists(otherHost) && Files.exists(mine) && Files.exists(user));
        assertEquals("a link's target is never followed", Files.readString(tmp.resolve("target")));
        Temporaries.discard(mine);
    }

    @Test
    void theShutdownHookRemovesWhatIsStillBeingWritten() throws IOException {
        Path file = Temporaries.newFile(tmp);
        Path folder = Temporaries.newFolder(tmp);
        Files.writeString(folder.resolve("part"), "half a model");
        Temporaries.removeAll(); // what the hook does at SIGTERM, SIGHUP, SIGINT or exit
        try {
            assertEquals(List.of(), names());
            assertThrows(IOException.class, () -> Temporaries.newFile(tmp), "nothing new is started while exiting");
        } finally {
            Temporaries.reopenForTests();
        }
    }

    @Test
    void aWriteThatFailsLeavesTheOldFileAndNoTemporary() throws IOException {
        Path target = tmp.resolve("result.json");
        Files.writeString(target, "the old result\n");
        IOException e = assertThrows(IOException.class, () -> AtomicWriter.write(target, out -> {
            out.write("{\"half\": ".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertEquals("no space left on the disk", FileErrors.reason(e));
        assertEquals("the old result\n", Files.readString(target));
        assertEquals(List.of("result.json"), names());
    }

    @Test
    void aFolderAppearsWholeOrNotAtAll() throws IOException {
        Path target = tmp.resolve("model");
        assertThrows(IOException.class, () -> AtomicWriter.writeFolder(target, dir -> {
            Files.writeString(dir.resolve("config.json"), "{}");
            throw new IOException("cancelled half-way");
        }));
        assertEquals(List.of(), names());
        AtomicWriter.writeFolder(target, dir -> Files.writeString(dir.resolve("config.json"), "{}"));
        assertEquals(List.of("model"), names());
        assertThrows(java.nio.file.FileSystemException.class, () -> AtomicWriter.writeFolder(target, dir -> { }),
                "another process wrote it first: the caller decides");
        assertEquals(List.of("model"), names());
    }
}
