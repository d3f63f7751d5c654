package jlens.store;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jlens.sys.Environment;

/**
 * The proxies named by {@code HTTPS_PROXY}, {@code HTTP_PROXY} and {@code NO_PROXY} (either case), which Python's
 * requests honours and Java's HTTP client does not read by itself: GPU servers often reach the hub only through one.
 * Loopback is never proxied. Proxy passwords are not sent (a 407 says so).
 *
 * @param http    the proxy for http:// URLs, or null
 * @param https   the proxy for https:// URLs, or null
 * @param noProxy host names (or suffixes, {@code .example.com}) to reach directly; {@code *} for all
 */
public record Proxies(URI http, URI https, List<String> noProxy) {

    public static final Proxies NONE = new Proxies(null, null, List.of());

    static Proxies from(Map<String, String> env) {
        Environment e = Environment.of(env);
        return new Proxies(e.proxy("HTTP_PROXY", "http_proxy").orElse(null), e.proxy("HTTPS_PROXY", "https_proxy").orElse(null),
                Arrays.stream(String.valueOf(first(env, "NO_PROXY", "no_proxy")).split(","))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty() && !s.equals("null")).toList());
    }

    public boolean isNone() {
        return http == null && https == null;
    }

    /** The proxy to use for {@code uri}, or null to connect directly. */
    URI proxyFor(URI uri) {
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (host.equals("localhost") || host.startsWith("127.") || host.equals("::1") || host.equals("[::1]")) {
            return null;
        }
        for (String np : noProxy) {
            String suffix = np.startsWith(".") ? np : "." + np;
            if (np.equals("*") || host.equals(np) || host.endsWith(suffix)) {
                return null;
            }
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? https : http;
    }

    ProxySelector selector() {
        return new ProxySelector() {
            @Override
            public List<Proxy> select(URI uri) {
                URI p = proxyFor(uri);
                if (p == null) {
                    return List.of(Proxy.NO_PROXY);
                }
                return List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(p.getHost(),
                        p.getPort() > 0 ? p.getPort() : 1080)));
            }

            @Override
            public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
                // Reported by the request itself; there is no second proxy to try.
            }
        };
    }

    private static String first(Map<String, String> env, String a, String b) {
        String v = env.get(a);
        return v != null && !v.isBlank() ? v.trim() : env.get(b) != null && !env.get(b).isBlank() ? env.get(b).trim()
                : null;
    }
}
