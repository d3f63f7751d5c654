package jlens.repl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files jlens writes (saved results, the history) are written whole to a temporary file and renamed over the
 * target, so a crash or a failure half-way never leaves a half-written file, and an existing file is replaced only
 * with {@code --force}. A second hard link to the file tells the two apart: a rename leaves the link with the old
 * content, a rewrite in place would change it too.
 */
class BadInputFilesTest {
    @TempDir
    Path tmp;

    /** A second name for the file as it is now. */
    private Path link(Path p) throws IOException {
        return Files.createLink(tmp.resolve(p.getFileName() + ".link"), p);
    }

    private List<String> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void saveRenamesAWholeFileIntoPlace() throws Exception {
        TestSessions.Buffered b = TestSessions.session().exec(TestSessions.textLine(), "hook layer all", "run", "var");
        Path csv = tmp.resolve("var.csv");
        b.exec("save " + csv);
        String written = Files.readString(csv);
        assertTrue(written.startsWith("layer,q,k,v\n") && written.lines().count() == 4, written);
        Files.writeString(csv, "an older result\n");
        Path old = link(csv);
        assertThrows(UserError.class, () -> b.exec("save " + csv), "no overwrite without --force");
        assertEquals("an older result\n", Files.readString(csv));
        b.exec("save " + csv + " --force");
        assertEquals(written, Files.readString(csv));
        assertEquals("an older result\n", Files.readString(old), "replaced by a rename, not rewritten in place");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aWriteThatFailsHalfWayLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path target = tmp.resolve("result.json");
        Files.writeString(target, "the old result\n");
        UserError e = assertThrows(UserError.class, () -> SaveTarget.write(target, true, out -> {
            out.write("{\"half\": ".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        assertTrue(e.getMessage().contains("disk full"), e.getMessage());
        assertEquals("the old result\n", Files.readString(target));
        assertEquals(List.of(), leftovers());
    }

    @Test
    void historyIsSavedWholeThroughARename() throws Exception {
        Path history = tmp.resolve("history");
        Files.writeString(history, "");
        Path old = link(history);
        Session s = TestSessions.session().session();
        ReplTerminalTest.drive(s, history, "model", "hook layer all", "hsit 1");
        List<String> lines = Files.readAllLines(history);
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("hook layer all")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("hsit 1")), "typos are kept too: " + lines);
        assertEquals("", Files.readString(old), "written to a temporary file and renamed, not appended in place");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aHistoryThatCannotBeWrittenWarnsOnceAndTheReplCarriesOn() throws Exception {
        Path dir = tmp.resolve("ro");
        Files.createDirectory(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        Path history = dir.resolve("history");
        // Root writes anywhere, so for root the history lands; for anyone else it must warn once and go on.
        String out = ReplTerminalTest.drive(TestSessions.session().session(), history, "model", "model", "model");
        long answers = out.lines().filter(l -> l.contains("d_head 8")).count();
        assertEquals(3, answers, out);
        if (!Files.isWritable(dir)) {
            assertEquals(1, out.lines().filter(l -> l.startsWith("history not saved")).count(), out);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
