package jlens.store;

import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Checks every name that becomes part of a cache path, whether typed by the user (repo ids, revisions) or sent by
 * a server (commit hashes, etags). Nothing may climb out of the cache folder, so these are allow-lists, not
 * deny-lists, and {@link #inside} checks the final path as a second fence.
 */
final class SafeNames {
    private SafeNames() {}

    // Hugging Face's own rule set, narrowed to ASCII: letters, digits, '.', '_', '-', starting with a letter or digit.
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,127}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    /** Returns a one-line reason the repo id is not acceptable, or null when it is. */
    static String checkRepoId(String repoId) {
        if (repoId == null || repoId.isEmpty()) {
            return "empty model name";
        }
        String[] parts = repoId.split("/", -1);
        if (parts.length > 2) {
            return "a Hugging Face repo id has the form ORG/NAME, not '" + printable(repoId) + "'";
        }
        for (String p : parts) {
            if (!SEGMENT.matcher(p).matches() || p.contains("..") || p.contains("--") || p.endsWith(".")
                    || p.endsWith("-")) {
                return "'" + printable(repoId) + "' is not a valid Hugging Face repo id (use letters, digits, '.',"
                        + " '_' and '-', as in openai-community/gpt2)";
            }
        }
        return null;
    }

    /** Returns a one-line reason the revision is not acceptable, or null when it is. */
    static String checkRevision(String rev) {
        if (rev == null || rev.isEmpty()) {
            return "empty revision after '@'";
        }
        if (!REVISION.matcher(rev).matches() || rev.contains("..") || rev.contains("//") || rev.endsWith("/")) {
            return "'" + printable(rev) + "' is not a valid revision (a branch, tag or commit hash)";
        }
        return null;
    }

    static boolean isCommitHash(String s) {
        return s != null && COMMIT.matcher(s).matches();
    }

    static boolean isSafeEtag(String s) {
        return s != null && ETAG.matcher(s).matches();
    }

    static boolean isSha256(String s) {
        return s != null && s.length() == 64 && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** The second fence: resolves {@code child} under {@code root} and refuses anything that lands outside. */
    static Path inside(Path root, String child) throws ModelStoreException {
        Path base = root.toAbsolutePath().normalize();
        Path p = base.resolve(child).normalize();
        if (!p.startsWith(base) || p.equals(base)) {
            throw new ModelStoreException(ModelStoreException.Kind.INVALID_SPEC,
                    "refusing the path '" + printable(child) + "': it would leave the cache folder " + base);
        }
        return p;
    }

    /** Makes hostile text safe to echo in a one-line message: no control characters, bounded length. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        if (s.codePointCount(0, s.length()) > 80) {
            b.append("...");
        }
        return b.toString();
    }
}
