package jlens.store;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Hugging Face hub on loopback with the hub's URL layout and headers: {@code /{repo}/resolve/{rev}/{file}}
 * answers HEAD and GET with {@code X-Repo-Commit} and {@code ETag}; LFS files answer with a 302 to a second server
 * (the "CDN", another port, so another origin) carrying {@code X-Linked-Etag} and {@code X-Linked-Size}; the CDN
 * serves byte ranges. Faults can be switched on per test. Every request is logged.
 */
final class FakeHub implements AutoCloseable {

    /** One logged request. */
    record Req(String server, String method, String path, String range, String auth) {}

    /** One repository at one commit. */
    static final class Repo {
        final String commit;
        final Map<String, byte[]> files = new HashMap<>();
        final Set<String> lfs = ConcurrentHashMap.newKeySet();
        volatile int status;          // when non-zero, every request for this repo gets it
        volatile String errorCode;    // with status: the X-Error-Code header
        volatile String token;        // when set, requests must carry "Bearer token"

        Repo(String commit) {
            this.commit = commit;
        }

        Repo file(String name, byte[] data, boolean isLfs) {
            files.put(name, data);
            if (isLfs) {
                lfs.add(name);
            }
            return this;
        }
    }

    final List<Req> log = new CopyOnWriteArrayList<>();
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    /** Old repo id to new: answered with a relative 307, as the hub answers for renamed repos. */
    final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    private final HttpServer hub;
    private final HttpServer cdn;
    private final java.util.concurrent.ExecutorService pool = Executors.newCachedThreadPool();

    /** CDN fault: the next {@code dropTimes} GETs send this many bytes, then the connection is cut. */
    volatile long dropAfter = -1;
    final AtomicInteger dropTimes = new AtomicInteger();
    /** CDN fault: send this many bytes, then hang until {@link #release} counts down. */
    volatile long stallAfter = -1;
    final CountDownLatch release = new CountDownLatch(1);
    /** Hub fault: advertise this as the LFS SHA-256 instead of the real one. */
    volatile String fakeLinkedEtag;
    /** CDN fault: answer every Range request with the whole file (200), as some mirrors do. */
    volatile boolean ignoreRange;
    /** Hub fault: advertise this as the commit. */
    volatile String fakeCommit;

    FakeHub() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        hub = HttpServer.create(new InetSocketAddress(lo, 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(lo, 0), 0);
        hub.createContext("/", this::hub);
        cdn.createContext("/", this::cdn);
        hub.setExecutor(pool);
        cdn.setExecutor(pool);
        hub.start();
        cdn.start();
    }

    int port() {
        return hub.getAddress().getPort();
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    long count(String server) {
        return log.stream().filter(r -> r.server().equals(server)).count();
    }

    List<Req> requests(String server, String method) {
        return log.stream().filter(r -> r.server().equals(server) && r.method().equals(method)).toList();
    }

    Repo add(String repoId, String commit) {
        Repo r = new Repo(commit);
        repos.put(repoId, r);
        return r;
    }

    /** A GPT-2-shaped repo with random bytes as weights (the store never parses them). */
    Repo addGpt2(String repoId, String commit, int weightBytes) {
        byte[] weights = new byte[weightBytes];
        new Random(42).nextBytes(weights);
        return add(repoId, commit)
                .file("config.json", "{\"model_type\":\"gpt2\",\"n_layer\":2}".getBytes(StandardCharsets.UTF_8), false)
                .file("tokenizer.json", "{\"version\":\"1.0\"}".getBytes(StandardCharsets.UTF_8), false)
                .file("vocab.json", "{\"a\":0}".getBytes(StandardCharsets.UTF_8), false)
                .file("merges.txt", "#version: 0.2\n".getBytes(StandardCharsets.UTF_8), false)
                .file("model.safetensors", weights, true);
    }

    static String sha256(byte[] b) {
        return hex("SHA-256", b);
    }

    /** The git blob id, which the hub sends as the ETag of small files. */
    static String gitSha1(byte[] b) {
        byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return hex("SHA-1", all);
    }

    private static String hex(String alg, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void hub(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getRawPath();
            log.add(new Req("hub", ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Range"),
                    ex.getRequestHeaders().getFirst("Authorization")));
            int at = path.indexOf("/resolve/");
            if (at < 0) {
                send(ex, 404, "RepoNotFound", null);
                return;
            }
            String repoId = path.substring(1, at);
            String movedTo = renamed.get(repoId);
            if (movedTo != null) {
                // As the hub does for a renamed repo: a relative redirect to the new name, same host.
                ex.getResponseHeaders().set("Location", "/" + movedTo + path.substring(at));
                send(ex, 307, null, null);
                return;
            }
            String[] rest = path.substring(at + "/resolve/".length()).split("/", 2);
            String rev = URLDecoder.decode(rest[0], StandardCharsets.UTF_8);
            String file = rest.length > 1 ? rest[1] : "";
            Repo repo = repos.get(repoId);
            if (repo == null) {
                send(ex, 404, "RepoNotFound", null);
                return;
            }
            if (repo.token != null && !("Bearer " + repo.token).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "GatedRepo", null);
                return;
            }
            if (repo.status != 0) {
                send(ex, repo.status, repo.errorCode, null);
                return;
            }
            if (!rev.equals("main") && !rev.equals(repo.commit)) {
                send(ex, 404, "RevisionNotFound", null);
                return;
            }
            String commit = fakeCommit != null ? fakeCommit : repo.commit;
            ex.getResponseHeaders().set("X-Repo-Commit", commit);
            byte[] data = repo.files.get(file);
            if (data == null) {
                send(ex, 404, "EntryNotFound", null);
                return;
            }
            if (repo.lfs.contains(file)) {
                String sha = sha256(data);
                blobs.put(sha, data);
                String advertised = fakeLinkedEtag != null ? fakeLinkedEtag : sha;
                ex.getResponseHeaders().set("ETag", "\"" + gitSha1(("version lfs " + sha).getBytes()) + "\"");
                ex.getResponseHeaders().set("X-Linked-Etag", "\"" + advertised + "\"");
                ex.getResponseHeaders().set("X-Linked-Size", Long.toString(data.length));
                ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + cdn.getAddress().getPort()
                        + "/repos/aa/bb/" + sha + "?X-Amz-Signature=x");
                ex.sendResponseHeaders(302, -1);
                return;
            }
            ex.getResponseHeaders().set("ETag", "\"" + gitSha1(data) + "\"");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().set("Content-Length", Long.toString(data.length));
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, data.length);
            ex.getResponseBody().write(data);
        }
    }

    private void cdn(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getRawPath();
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add(new Req("cdn", ex.getRequestMethod(), path, range, ex.getRequestHeaders().getFirst("Authorization")));
        byte[] data = blobs.get(path.substring(path.lastIndexOf('/') + 1));
        if (data == null) {
            send(ex, 404, null, null);
            ex.close();
            return;
        }
        long from = 0;
        if (range != null && range.startsWith("bytes=") && range.endsWith("-") && !ignoreRange) {
            from = Long.parseLong(range.substring(6, range.length() - 1));
        }
        if (from >= data.length && data.length > 0) {
            ex.getResponseHeaders().set("Content-Range", "bytes */" + data.length);
            send(ex, 416, null, null);
            ex.close();
            return;
        }
        int status = 200;
        if (from > 0) {
            status = 206;
            ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
        }
        int len = (int) (data.length - from);
        ex.sendResponseHeaders(status, len);
        OutputStream out = ex.getResponseBody();
        long drop = dropAfter;
        if (drop >= 0 && dropTimes.getAndDecrement() > 0) {
            out.write(data, (int) from, (int) Math.min(drop, len));
            out.flush();
            // Cut the connection mid-body: the client sees fewer bytes than Content-Length promised.
            ex.close(); // "insufficient bytes written": the server closes the socket, which is the point
            return;
        }
        long stall = stallAfter;
        if (stall >= 0) {
            out.write(data, (int) from, (int) Math.min(stall, len));
            out.flush();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        try (ex) {
            out.write(data, (int) from, len);
        } catch (IOException clientLeft) {
            // the client cancelled mid-body
        }
    }

    private static void send(HttpExchange ex, int status, String errorCode, byte[] body) throws IOException {
        if (errorCode != null) {
            ex.getResponseHeaders().set("X-Error-Code", errorCode);
        }
        ex.sendResponseHeaders(status, -1);
    }

    @Override
    public void close() {
        release.countDown();
        hub.stop(0);
        cdn.stop(0);
        pool.shutdownNow();
    }
}
