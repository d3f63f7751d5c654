package jlens.store;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import jlens.sys.Environment;
import jlens.sys.Secrets;

/**
 * The settings the store reads from the environment, read once from a map so tests can point everything at
 * temporary folders and a loopback server. Variable names and defaults follow huggingface_hub, so a shell set up
 * for Python tools works for jlens unchanged.
 *
 * @param hubCache  the Hugging Face hub cache ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else
 *                  {@code ~/.cache/huggingface/hub})
 * @param endpoint  the hub ({@code HF_ENDPOINT}, default {@code https://huggingface.co}), without a trailing slash;
 *                  null when the value is not an http(s) address
 * @param token     {@code HF_TOKEN}, else the token file {@code huggingface-cli login} wrote ({@code HF_TOKEN_PATH},
 *                  else {@code HF_HOME/token}), or null (also when it holds a character no token has)
 * @param offline   {@code HF_HUB_OFFLINE} set to a true value: the network is never touched
 * @param jlensCache where jlens keeps its own files, such as the extracted demo model
 *                  ({@code XDG_CACHE_HOME/jlens}, else {@code ~/.cache/jlens})
 * @param configDir where {@code settings.properties} lives ({@code XDG_CONFIG_HOME/jlens}, else {@code ~/.config/jlens})
 * @param home      the user's home, for {@code ~} in local paths
 * @param modelVar  {@code JLENS_MODEL}, or null
 * @param proxies   {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
 * @param endpointProblem why {@code HF_ENDPOINT} cannot be used (then {@code endpoint} is null), or null
 */
public record StoreEnv(Path hubCache, URI endpoint, String token, boolean offline, Path jlensCache, Path configDir,
        Path home, String modelVar, Proxies proxies, String endpointProblem) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** The process environment. */
    public static StoreEnv fromSystem() {
        return from(System.getenv());
    }

    /** The settings from {@code env}, each value checked by {@link Environment} (a bad one is ignored, not fatal). */
    public static StoreEnv from(Map<String, String> env) {
        Environment e = Environment.of(env);
        Path home = e.home();
        Path hubCache = e.folder("HF_HUB_CACHE").or(() -> e.folder("HF_HOME").map(h -> h.resolve("hub")))
                .orElse(home.resolve(".cache").resolve("huggingface").resolve("hub"));
        URI endpoint = e.endpoint(DEFAULT_ENDPOINT).orElse(null);
        Path jlensCache = e.absoluteFolder("XDG_CACHE_HOME").orElse(home.resolve(".cache")).resolve("jlens");
        Path configDir = e.absoluteFolder("XDG_CONFIG_HOME").orElse(home.resolve(".config")).resolve("jlens");
        String token = e.token().orElse(null);
        if (e.get(Environment.TOKEN) == null) {
            // Where `huggingface-cli login` (`hf auth login`) keeps it: HF_TOKEN_PATH, else HF_HOME/token.
            Path hfHome = e.folder("HF_HOME").orElse(home.resolve(".cache").resolve("huggingface"));
            Path tokenFile = e.folder("HF_TOKEN_PATH").orElse(hfHome.resolve("token"));
            String fromFile = readToken(tokenFile);
            token = fromFile == null ? null : e.checkedToken(fromFile, "the token file " + tokenFile).orElse(null);
        }
        return new StoreEnv(hubCache.toAbsolutePath().normalize(), endpoint, token, isTrue(env.get("HF_HUB_OFFLINE")),
                jlensCache.toAbsolutePath().normalize(), configDir.toAbsolutePath().normalize(), home,
                e.get("JLENS_MODEL"), Proxies.from(env), endpoint == null ? e.endpointProblem() : null);
    }

    /** The same settings with the network switched off (what {@code HF_HUB_OFFLINE=1} does). */
    public StoreEnv withOffline(boolean off) {
        return new StoreEnv(hubCache, endpoint, token, off, jlensCache, configDir, home, modelVar, proxies, endpointProblem);
    }

    /** Never shows the token: a record's own toString would. */
    @Override
    public String toString() {
        return Secrets.redact(Secrets.redact("StoreEnv[hubCache=" + hubCache + ", endpoint=" + endpoint + ", token=" + (token == null ? "none" : Secrets.MASK)
                + ", offline=" + offline + ", jlensCache=" + jlensCache + ", configDir=" + configDir + ", home=" + home
                + ", modelVar=" + modelVar + "]"), Secrets.parts(token));
    }

    private static String readToken(Path file) {
        try {
            if (Files.isRegularFile(file) && Files.size(file) < 4096) {
                String t = Files.readString(file, StandardCharsets.UTF_8).strip();
                return t.isEmpty() ? null : t;
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable token file is the same as none
        }
        return null;
    }

    /** huggingface_hub treats 1, ON, YES and TRUE (any case) as true. */
    static boolean isTrue(String v) {
        if (v == null) {
            return false;
        }
        String s = v.trim().toUpperCase(Locale.ROOT);
        return s.equals("1") || s.equals("ON") || s.equals("YES") || s.equals("TRUE");
    }

    /** {@code ~} and {@code ~/...} in a model folder typed by the user. */
    static Path expandHome(String p, Path home) {
        String s = p.trim();
        if (s.equals("~")) {
            return home;
        }
        if (s.startsWith("~/")) {
            return home.resolve(s.substring(2));
        }
        return Path.of(s);
    }
}
