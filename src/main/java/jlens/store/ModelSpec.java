package jlens.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * What the user typed after {@code load} or {@code --model}, parsed: either a local folder or a Hugging Face repo
 * with a revision. Parsing validates the repo id and revision, so a spec that exists is safe to turn into cache paths.
 *
 * @param text     the spec as typed (trimmed)
 * @param local    the folder, for local specs; null for hub specs
 * @param repoId   the Hugging Face repo id, for hub specs ({@code openai-community/gpt2})
 * @param revision the branch, tag or commit asked for ({@code main} when none was given)
 */
public record ModelSpec(String text, Path local, String repoId, String revision) {

    public static final String DEFAULT_REVISION = "main";

    /** The four OpenAI GPT-2 sizes, by the short names everyone types; they live under openai-community now. */
    static final Map<String, String> SHORT_NAMES = Map.of(
            "gpt2", "openai-community/gpt2",
            "gpt2-medium", "openai-community/gpt2-medium",
            "gpt2-large", "openai-community/gpt2-large",
            "gpt2-xl", "openai-community/gpt2-xl");

    public boolean isLocal() {
        return local != null;
    }

    /**
     * Parses a spec. A spec is a local folder when it looks like a path ({@code /}, {@code ./}, {@code ../},
     * {@code ~}) or names an existing folder holding a {@code config.json}; otherwise it is a repo id, a short GPT-2
     * name, with an optional {@code @revision}.
     */
    public static ModelSpec parse(String spec, Path home) throws ModelStoreException {
        if (spec == null || spec.isBlank()) {
            throw new ModelStoreException(ModelStoreException.Kind.INVALID_SPEC,
                    "no model given; try `load gpt2`, `load ORG/NAME[@REVISION]` or `load ./path/to/folder`");
        }
        String s = spec.trim();
        if (looksLikePath(s)) {
            return new ModelSpec(s, StoreEnv.expandHome(s, home).toAbsolutePath().normalize(), null, null);
        }
        try {
            Path maybe = Path.of(s);
            if (Files.isDirectory(maybe) && Files.exists(maybe.resolve("config.json"))) {
                return new ModelSpec(s, maybe.toAbsolutePath().normalize(), null, null);
            }
        } catch (java.nio.file.InvalidPathException e) {
            // Not a usable path (a NUL byte, say): it is then checked, and refused, as a repo id below.
        }
        String repo = s;
        String rev = DEFAULT_REVISION;
        int at = s.indexOf('@');
        if (at >= 0) {
            repo = s.substring(0, at);
            rev = s.substring(at + 1);
            String why = SafeNames.checkRevision(rev);
            if (why != null) {
                throw new ModelStoreException(ModelStoreException.Kind.INVALID_SPEC, why);
            }
        }
        repo = SHORT_NAMES.getOrDefault(repo, repo);
        String why = SafeNames.checkRepoId(repo);
        if (why != null) {
            throw new ModelStoreException(ModelStoreException.Kind.INVALID_SPEC, why);
        }
        return new ModelSpec(s, null, repo, rev);
    }

    private static boolean looksLikePath(String s) {
        return s.startsWith("/") || s.startsWith("./") || s.startsWith("../") || s.equals(".") || s.equals("..")
                || s.startsWith("~") || s.startsWith("\\") || (s.length() > 2 && s.charAt(1) == ':'
                        && (s.charAt(2) == '\\' || s.charAt(2) == '/'));
    }
}
