package jlens.sys;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The one place that reads jlens's environment variables and says, in one line each, what is wrong with a value and
 * what is done instead; nothing else parses them. A bad value never stops the start: it is ignored (a default is used,
 * or the feature it sets is refused when asked for) and {@link #problems} lists it, once, at start.
 *
 * <ul>
 * <li>{@code JLENS_THREADS}: the engine's thread count, a whole number within 1..cores x 4 (more only slows a
 * start down: 100000 threads did not reach the first command in a minute); else this machine's cores.</li>
 * <li>{@code HF_ENDPOINT}: an http(s) address without a user or password; else downloads are refused with a line
 * that names it (a local or cached model still loads).</li>
 * <li>{@code HF_TOKEN}: printable ASCII without spaces (what an HTTP header may carry); else it is not sent, and never
 * printed.</li>
 * <li>{@code XDG_CACHE_HOME}, {@code XDG_CONFIG_HOME}: absolute paths, as the XDG spec requires; a relative one is
 * ignored (the folder under {@code HOME} is used), so nothing lands in whatever folder jlens was started from.</li>
 * <li>{@code HOME}: an absolute path; else Java's {@code user.home}.</li>
 * <li>{@code HTTPS_PROXY}, {@code HTTP_PROXY} (or lower case): a proxy address, its password a secret; else ignored.</li>
 * <li>{@code JLENS_DEVICE}: {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N} ({@code cuda} also); else auto.
 * {@code JLENS_DTYPE}: {@code f32} or {@code f16} (and their long spellings); else f32. Whether the engine can use
 * the word (a GPU it sees, f16 only on one) is the loader's question, asked once at start.</li>
 * </ul>
 *
 * <p>{@link #VARIABLES} lists every variable jlens reads; {@code EnvironmentFuzzTest} throws hostile values at all
 * of them.
 */
public final class Environment {
    public static final String THREADS = "JLENS_THREADS";
    public static final String ENDPOINT = "HF_ENDPOINT";
    public static final String TOKEN = "HF_TOKEN";
    public static final String DEVICE = "JLENS_DEVICE";
    public static final String DTYPE = "JLENS_DTYPE";
    /** The engine's property the thread count goes to (DJL reads it when the engine starts). */
    public static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    /** Every variable jlens reads (the store's follow huggingface_hub's names). */
    public static final List<String> VARIABLES = List.of(THREADS, ENDPOINT, TOKEN, "HOME", "XDG_CACHE_HOME",
            "XDG_CONFIG_HOME", "HF_HOME", "HF_HUB_CACHE", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "JLENS_MODEL", DEVICE,
            DTYPE, "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "NO_PROXY", "no_proxy");
    /** Longest value quoted back in a problem line. */
    private static final int QUOTE = 60;

    private static final java.util.concurrent.atomic.AtomicBoolean STARTED = new java.util.concurrent.atomic.AtomicBoolean();

    private final Map<String, String> env;
    /** Whether this is the process's own environment, whose secrets every message of the process hides. */
    private final boolean process;
    private final Map<String, String> problems = new LinkedHashMap<>();
    private final java.util.Set<String> secrets = new java.util.HashSet<>();

    private Environment(Map<String, String> env, boolean process) {
        this.env = env;
        this.process = process;
    }

    /** The variables in {@code env} (a test's, a child's); their secrets are hidden in this one's lines only. */
    public static Environment of(Map<String, String> env) {
        return new Environment(env, env == System.getenv());
    }

    /** The process's own environment: its secrets are hidden in every message ({@link Secrets}). */
    public static Environment system() {
        return new Environment(System.getenv(), true);
    }

    /** A secret read from the environment: hidden in this one's problem lines, and everywhere if it is the process's. */
    private void secret(String s) {
        secrets.addAll(Secrets.parts(s));
        if (process) {
            Secrets.remember(s);
        }
    }

    /**
     * What every way into jlens (the command line, JShell, the Java API's first model load) does once per process
     * before the engine starts: sets the engine's thread count from the valid value, and returns the problem lines of
     * the process environment to print. Later calls do nothing and return none.
     */
    public static List<String> atStart() {
        if (!STARTED.compareAndSet(false, true)) {
            return List.of();
        }
        Environment e = system();
        e.applyThreads();
        e.applyCacheHome();
        return e.problems();
    }

    /**
     * JNA (the engine's and jlens's way to libc) unpacks its native part under {@code XDG_CACHE_HOME} as it finds
     * it: a relative value would put it under the working folder. Then it is sent where the XDG spec says the
     * cache is, unless {@code jna.tmpdir} says otherwise.
     */
    void applyCacheHome() {
        if (get("XDG_CACHE_HOME") != null && absoluteFolder("XDG_CACHE_HOME").isEmpty()
                && System.getProperty("jna.tmpdir") == null) {
            System.setProperty("jna.tmpdir", home().resolve(".cache").resolve("JNA").resolve("temp").toString());
        }
    }

    /** The value, or null when unset or blank. */
    public String get(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v;
    }

    /**
     * Every problem of every variable jlens reads, one line each (variable name first, then what is done instead),
     * in a fixed order.
     */
    public List<String> problems() {
        threads(null);
        endpoint();
        token();
        proxy("HTTP_PROXY", "http_proxy");
        proxy("HTTPS_PROXY", "https_proxy");
        home();
        absoluteFolder("XDG_CACHE_HOME");
        absoluteFolder("XDG_CONFIG_HOME");
        device();
        dtype();
        return problems.values().stream().map(l -> Secrets.redact(Secrets.redact(l, secrets))).toList(); // a value holding a secret
    }

    private void problem(String name, String line) {
        problems.putIfAbsent(name, line);
    }

    /** {@code name=value} as a problem line quotes it: escaped and cut short, never a secret. */
    static String shown(String name, String value) {
        StringBuilder b = new StringBuilder(name).append('=');
        String v = value.length() > QUOTE ? value.substring(0, QUOTE) + "…" : value;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            b.append(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                    ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    // ---- JLENS_THREADS ----

    /** The largest thread count taken: more threads than four per core only slow the engine down. */
    public static int maxThreads() {
        return Runtime.getRuntime().availableProcessors() * 4;
    }

    /**
     * The engine's thread count: {@code JLENS_THREADS} if valid, else {@code property} (the engine property as the
     * launcher set it) if valid, else this machine's cores.
     */
    public int threads(String property) {
        int cores = Runtime.getRuntime().availableProcessors();
        int max = maxThreads();
        String v = get(THREADS);
        if (v != null) {
            OptionalInt n = parseInt(v.strip());
            if (n.isPresent() && n.getAsInt() >= 1 && n.getAsInt() <= max) {
                return n.getAsInt();
            }
            problem(THREADS, shown(THREADS, v) + " is not a thread count within 1.." + max + " (this machine's "
                    + cores + " cores x 4); using " + cores + ": unset it or give one in that range");
            return cores;
        }
        if (property != null) {
            OptionalInt n = parseInt(property.strip());
            if (n.isPresent() && n.getAsInt() >= 1 && n.getAsInt() <= max) {
                return n.getAsInt();
            }
            problem(THREADS, shown("-D" + THREADS_PROPERTY, property) + " is not a thread count within 1.." + max
                    + "; using " + cores);
        }
        return cores;
    }

    /**
     * Sets the engine's thread property to the valid count before the engine starts (DJL stops with a stack trace
     * on 0 or a word, and starts 100000 threads if told to).
     */
    public void applyThreads() {
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads(System.getProperty(THREADS_PROPERTY))));
    }

    private static OptionalInt parseInt(String s) {
        try {
            return s.matches("[+-]?[0-9]{1,10}") ? OptionalInt.of(Integer.parseInt(s)) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    // ---- JLENS_DEVICE, JLENS_DTYPE ----

    /**
     * {@code JLENS_DEVICE} in lower case when it is a device word the loader knows ({@code auto}, {@code cpu},
     * {@code gpu}, {@code gpu:N}, {@code cuda}, {@code cuda:N}); null when unset or not such a word (auto is used).
     */
    public String device() {
        return word(DEVICE, "auto|cpu|(gpu|cuda)(:[0-9]{1,3})?", "a device (auto, cpu, gpu or gpu:N)",
                "auto (a GPU when the engine sees one, else the CPU)");
    }

    /** {@code JLENS_DTYPE} in lower case when it is f32 or f16 (or a long spelling of them); null otherwise (f32). */
    public String dtype() {
        return word(DTYPE, "f32|float32|fp32|f16|float16|fp16|half", "a dtype (f32 or f16)", "f32");
    }

    private String word(String name, String words, String what, String instead) {
        String v = get(name);
        if (v == null) {
            return null;
        }
        String w = v.strip().toLowerCase(Locale.ROOT);
        if (w.matches(words)) {
            return w;
        }
        problem(name, shown(name, v) + " is not " + what + "; using " + instead + ": unset it or give one of those");
        return null;
    }

    // ---- HF_ENDPOINT ----

    /**
     * The hub's address ({@code HF_ENDPOINT}, default {@code fallback}) without a trailing slash, or empty when the
     * value is not an http(s) address (downloads are then refused).
     */
    public Optional<URI> endpoint(String fallback) {
        String v = get(ENDPOINT);
        String s = (v == null ? fallback : v).strip();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        String why = null;
        URI uri = null;
        try {
            uri = new URI(s);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http")) {
                why = "not an http(s) address";
            } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
                why = "an address without a host";
            } else if (uri.getRawUserInfo() != null) {
                why = "an address with a user name or password in it";
            } else if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                why = "an address with a query or fragment";
            }
        } catch (URISyntaxException e) {
            why = "not an address";
        }
        if (why == null) {
            return Optional.of(uri);
        }
        problem(ENDPOINT, shown(ENDPOINT, v == null ? s : v) + " is " + why + "; downloads are refused until it is set"
                + " to one such as " + fallback + " (local and cached models still load)");
        return Optional.empty();
    }

    private void endpoint() {
        endpoint("https://huggingface.co");
    }

    /** Why {@code HF_ENDPOINT} cannot be used, for a download's refusal. */
    public String endpointProblem() {
        endpoint();
        return problems.getOrDefault(ENDPOINT, ENDPOINT + " is unusable");
    }

    // ---- HF_TOKEN ----

    /**
     * {@code HF_TOKEN} (surrounding white space dropped), remembered as a secret; empty when unset, or when it holds
     * a character no token has (a line break, a space, a control character), since an HTTP header cannot carry it.
     */
    public Optional<String> token() {
        String v = env.get(TOKEN);
        secret(v);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        return checkedToken(v.strip(), TOKEN);
    }

    /** A token read from a file ({@code name} says which, for the problem line), checked as {@link #token} is. */
    public Optional<String> checkedToken(String token, String name) {
        secret(token);
        if (token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return Optional.of(token);
        }
        boolean lineBreak = token.indexOf('\n') >= 0 || token.indexOf('\r') >= 0;
        problem(TOKEN, name + " holds " + (lineBreak ? "a line break" : "a space or another character no token has")
                + ", so it is not sent (and not shown); set it to the token alone");
        return Optional.empty();
    }

    // ---- proxies ----

    /**
     * A proxy ({@code name}, else its lower-case spelling {@code alternative}): {@code host:port} or
     * {@code http://[user[:password]@]host:port/}, the user part remembered as a secret; empty when unset, or with a
     * problem line when it is not an address (downloads then go direct).
     */
    public Optional<URI> proxy(String name, String alternative) {
        String used = get(name) != null ? name : alternative;
        String v = get(used);
        if (v == null) {
            return Optional.empty();
        }
        String s = v.strip();
        try {
            URI u = new URI(s.contains("://") ? s : "http://" + s);
            secret(u.getRawUserInfo());
            if (u.getHost() != null) {
                return Optional.of(u);
            }
        } catch (URISyntaxException e) {
            // said below
        }
        int at = s.lastIndexOf('@');
        int user = s.indexOf("://") + 3; // 2 when there is no scheme: the user part starts at 0
        secret(at > user ? s.substring(user == 2 ? 0 : user, at) : null);
        problem(used, shown(used, Secrets.redact(s, secrets)) + " is not a proxy address (host:port, or http://host:port/);"
                + " ignored, so downloads go direct");
        return Optional.empty();
    }

    // ---- folders ----

    /** {@code HOME} if it is an absolute path, else Java's {@code user.home}. */
    public Path home() {
        String v = get("HOME");
        if (v != null) {
            Optional<Path> p = path(v);
            if (p.isPresent() && p.get().isAbsolute()) {
                return p.get();
            }
            problem("HOME", shown("HOME", v) + " is not an absolute path; using " + System.getProperty("user.home"));
        }
        return Path.of(System.getProperty("user.home"));
    }

    /**
     * An XDG folder variable: its value if it is an absolute path ({@code ~/} expanded, as shells and Python do),
     * else empty, with a problem line when it was set to something else (the XDG spec: relative paths are ignored).
     */
    public Optional<Path> absoluteFolder(String name) {
        String v = get(name);
        if (v == null) {
            return Optional.empty();
        }
        Optional<Path> p = path(expandHome(v));
        if (p.isPresent() && p.get().isAbsolute()) {
            return Optional.of(p.get().normalize());
        }
        problem(name, shown(name, v) + " is not an absolute path; ignored, as the XDG spec says (the folder under HOME is used)");
        return Optional.empty();
    }

    /** A path variable as given ({@code ~/} expanded; relative ones resolve against the working folder). */
    public Optional<Path> folder(String name) {
        String v = get(name);
        return v == null ? Optional.empty() : path(expandHome(v));
    }

    private String expandHome(String v) {
        String s = v.strip();
        if (s.equals("~")) {
            return home().toString();
        }
        if (s.startsWith("~/")) {
            return home().resolve(s.substring(2)).toString();
        }
        return s;
    }

    private static Optional<Path> path(String s) {
        try {
            return Optional.of(Path.of(s));
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** Every problem line so far (for the tests of a single accessor). */
    List<String> found() {
        return new ArrayList<>(problems.values());
    }
}
