package jlens.store;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The settings the store reads from the environment, read once from a map so tests can point everything at
 * temporary folders and a loopback server. Variable names and defaults follow huggingface_hub, so a shell set up
 * for Python tools works for jlens unchanged.
 *
 * @param hubCache  the Hugging Face hub cache ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else
 *                  {@code ~/.cache/huggingface/hub})
 * @param endpoint  the hub ({@code HF_ENDPOINT}, default {@code https://huggingface.co}), without a trailing slash
 * @param token     {@code HF_TOKEN}, else the token file {@code huggingface-cli login} wrote ({@code HF_TOKEN_PATH},
 *                  else {@code HF_HOME/token}), or null
 * @param offline   {@code HF_HUB_OFFLINE} set to a true value: the network is never touched
 * @param jlensCache where jlens keeps its own files, such as the extracted demo model
 *                  ({@code XDG_CACHE_HOME/jlens}, else {@code ~/.cache/jlens})
 * @param configDir where {@code settings.properties} lives ({@code XDG_CONFIG_HOME/jlens}, else {@code ~/.config/jlens})
 * @param home      the user's home, for {@code ~} in local paths
 * @param modelVar  {@code JLENS_MODEL}, or null
 * @param proxies   {@code HTTPS_PROXY}, {@code HTTP_PROXY}, {@code NO_PROXY}
 */
public record StoreEnv(Path hubCache, URI endpoint, String token, boolean offline, Path jlensCache, Path configDir,
        Path home, String modelVar, Proxies proxies) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";

    /** The process environment. */
    public static StoreEnv fromSystem() {
        return from(System.getenv());
    }

    public static StoreEnv from(Map<String, String> env) {
        Path home = Path.of(nonBlank(env.get("HOME"), System.getProperty("user.home")));
        Path hubCache;
        if (nonBlank(env.get("HF_HUB_CACHE"), null) != null) {
            hubCache = expandHome(env.get("HF_HUB_CACHE"), home);
        } else if (nonBlank(env.get("HF_HOME"), null) != null) {
            hubCache = expandHome(env.get("HF_HOME"), home).resolve("hub");
        } else {
            hubCache = home.resolve(".cache").resolve("huggingface").resolve("hub");
        }
        String ep = nonBlank(env.get("HF_ENDPOINT"), DEFAULT_ENDPOINT).trim();
        while (ep.endsWith("/")) {
            ep = ep.substring(0, ep.length() - 1);
        }
        String xdgCache = nonBlank(env.get("XDG_CACHE_HOME"), null);
        Path jlensCache = (xdgCache != null ? expandHome(xdgCache, home) : home.resolve(".cache")).resolve("jlens");
        String xdgConfig = nonBlank(env.get("XDG_CONFIG_HOME"), null);
        Path configDir = (xdgConfig != null ? expandHome(xdgConfig, home) : home.resolve(".config")).resolve("jlens");
        String token = nonBlank(env.get("HF_TOKEN"), null);
        if (token == null) {
            // Where `huggingface-cli login` (`hf auth login`) keeps it: HF_TOKEN_PATH, else HF_HOME/token.
            Path hfHome = nonBlank(env.get("HF_HOME"), null) != null ? expandHome(env.get("HF_HOME"), home)
                    : home.resolve(".cache").resolve("huggingface");
            String tokenPath = nonBlank(env.get("HF_TOKEN_PATH"), null);
            token = readToken(tokenPath != null ? expandHome(tokenPath, home) : hfHome.resolve("token"));
        }
        return new StoreEnv(hubCache.toAbsolutePath().normalize(), URI.create(ep), token == null ? null : token.trim(),
                isTrue(env.get("HF_HUB_OFFLINE")), jlensCache.toAbsolutePath().normalize(),
                configDir.toAbsolutePath().normalize(), home, nonBlank(env.get("JLENS_MODEL"), null), Proxies.from(env));
    }

    /** The same settings with the network switched off (what {@code HF_HUB_OFFLINE=1} does). */
    public StoreEnv withOffline(boolean off) {
        return new StoreEnv(hubCache, endpoint, token, off, jlensCache, configDir, home, modelVar, proxies);
    }

    private static String readToken(Path file) {
        try {
            if (Files.isRegularFile(file) && Files.size(file) < 4096) {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                return t.isEmpty() || t.contains("\n") ? null : t;
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

    private static String nonBlank(String v, String fallback) {
        return v == null || v.isBlank() ? fallback : v;
    }
}
