package jlens.sys;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Locale;

/** Why a file operation failed, in words a user can act on: the bare message is often just a path. */
public final class FileErrors {
    private FileErrors() {}

    /** One short phrase: "no space left on the disk", "permission denied", ... */
    public static String reason(IOException e) {
        String all = messages(e).toLowerCase(Locale.ROOT);
        if (all.contains("no space left") || all.contains("not enough space")) {
            return "no space left on the disk";
        }
        if (all.contains("quota exceeded")) {
            return "disk quota exceeded";
        }
        if (all.contains("read-only file system")) {
            return "read-only file system";
        }
        if (e instanceof AccessDeniedException || all.contains("permission denied")) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "files cannot be created in that folder";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return firstLine(f.getReason());
        }
        return e.getMessage() == null ? "i/o error" : firstLine(e.getMessage());
    }

    /** Whether the disk (or the user's quota) is full. */
    public static boolean diskFull(IOException e) {
        String r = reason(e);
        return r.startsWith("no space") || r.startsWith("disk quota");
    }

    /** The messages of {@code e} and its causes (a library often wraps the one that says ENOSPC). */
    private static String messages(Throwable e) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = e; t != null && b.length() < 4000; t = t.getCause()) {
            b.append(t.getMessage()).append(' ');
            if (t instanceof FileSystemException f && f.getReason() != null) {
                b.append(f.getReason()).append(' ');
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
