package jlens.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Test helpers: an environment that points every folder into a temporary one, and store construction. */
final class Fixtures {
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String COMMIT2 = "fedcba9876543210fedcba9876543210fedcba98";

    private Fixtures() {}

    static Map<String, String> env(Path tmp, String endpoint) {
        Map<String, String> env = new HashMap<>();
        env.put("HOME", tmp.resolve("home").toString());
        env.put("HF_HUB_CACHE", tmp.resolve("hub").toString());
        env.put("XDG_CACHE_HOME", tmp.resolve("xdg-cache").toString());
        env.put("XDG_CONFIG_HOME", tmp.resolve("xdg-config").toString());
        if (endpoint != null) {
            env.put("HF_ENDPOINT", endpoint);
        }
        return env;
    }

    static ModelStore store(Map<String, String> env) {
        return store(env, dir -> Long.MAX_VALUE, Duration.ofSeconds(5));
    }

    static ModelStore store(Map<String, String> env, ModelStore.SpaceProbe space, Duration stall) {
        StoreEnv e = StoreEnv.from(env);
        return new ModelStore(e, HubClient.defaultHttpClient(Duration.ofSeconds(2), e.proxies()), Duration.ofSeconds(5),
                stall, space);
    }

    /** Every file and link under {@code root}, relative, for "nothing was written there" checks. */
    static java.util.List<String> tree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return java.util.List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
