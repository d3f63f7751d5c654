package jlens.sys;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Secrets (the Hugging Face token) kept out of every message: each one is remembered where it is read, and
 * {@link #redact} replaces it, and each of its lines, in any text about to be shown or logged. Messages are built
 * so that they never quote a secret; this is the net under them (a library's exception that quotes a header, say).
 */
public final class Secrets {
    /** What a secret is shown as. */
    public static final String MASK = "[token hidden]";
    /** Parts shorter than this are not masked on their own (they would mask ordinary words). */
    static final int MIN_PART = 6;
    private static final Set<String> PARTS = ConcurrentHashMap.newKeySet();

    private Secrets() {}

    /**
     * Remembers {@code secret} (null or blank: nothing), a secret of this process (its environment's token, a proxy's
     * password), so that every later {@link #redact} hides it.
     */
    public static void remember(String secret) {
        PARTS.addAll(parts(secret));
    }

    /** {@code secret} and each of its lines, of {@value #MIN_PART} characters or more (shorter ones are words). */
    public static Set<String> parts(String secret) {
        Set<String> parts = new java.util.HashSet<>();
        if (secret == null || secret.isBlank()) {
            return parts;
        }
        String s = secret.strip();
        if (s.length() >= MIN_PART) {
            parts.add(s);
        }
        for (String part : s.split("[\\s\\p{Cntrl}]+")) {
            if (part.length() >= MIN_PART) {
                parts.add(part);
            }
        }
        return parts;
    }

    /** {@code text} with every remembered secret, and every line of one, replaced by {@link #MASK}. */
    public static String redact(String text) {
        return redact(text, PARTS);
    }

    /** {@code text} with each of {@code secrets} replaced by {@link #MASK}, the longest first. */
    public static String redact(String text, java.util.Collection<String> secrets) {
        if (text == null || secrets.isEmpty()) {
            return text;
        }
        String out = text;
        for (String p : secrets.stream().sorted((a, b) -> b.length() - a.length()).toList()) {
            if (out.contains(p)) {
                out = out.replace(p, MASK);
            }
        }
        return out;
    }

    /** For tests: what is remembered. */
    static List<String> remembered() {
        return List.copyOf(PARTS);
    }
}
