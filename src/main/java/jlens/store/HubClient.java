package jlens.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

import jlens.store.ModelStoreException.Kind;

/**
 * Talks to the Hugging Face hub (or a server with its URL layout, given by {@code HF_ENDPOINT}):
 * {@code HEAD/GET {endpoint}/{repo}/resolve/{revision}/{file}}. Redirects are followed by hand so the token is
 * never sent to another host (LFS files redirect to a CDN). Every failure becomes a one-line
 * {@link ModelStoreException} that says what to do.
 */
final class HubClient {
    private static final int MAX_REDIRECTS = 10;
    private static final int CHUNK = 1 << 16;
    /** How often a waiting download looks at its cancel flag: the bound on how long a cancel takes. */
    private static final long POLL_MILLIS = 100;
    private static final long PROGRESS_EVERY_NANOS = 100_000_000L;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

    private final StoreEnv env;
    /** Made at the first request: a client starts a selector thread, which an offline session never needs. */
    private final java.util.function.Supplier<HttpClient> http;
    private HttpClient client;
    private final Duration requestTimeout;
    private final Duration stallTimeout;

    HubClient(StoreEnv env, HttpClient http, Duration requestTimeout, Duration stallTimeout) {
        this(env, () -> http, requestTimeout, stallTimeout);
    }

    HubClient(StoreEnv env, java.util.function.Supplier<HttpClient> http, Duration requestTimeout, Duration stallTimeout) {
        this.env = env;
        this.http = http;
        this.requestTimeout = requestTimeout;
        this.stallTimeout = stallTimeout;
    }

    static HttpClient defaultHttpClient(Duration connectTimeout, Proxies proxies) {
        HttpClient.Builder b = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NEVER) // by hand: see class comment
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1);
        if (!proxies.isNone()) {
            b.proxy(proxies.selector());
        }
        return b.build();
    }

    URI resolveUrl(String repoId, String revision, String file) {
        // The repo id and file are validated ASCII with no characters that need escaping; a revision may hold
        // '/', which the hub wants encoded (refs/pr/1 -> refs%2Fpr%2F1).
        return URI.create(env.endpoint() + "/" + repoId + "/resolve/"
                + URLEncoder.encode(revision, StandardCharsets.UTF_8) + "/" + file);
    }

    /**
     * The file's commit, etag and size; empty when the hub says the file does not exist at that revision.
     * Throws for an unknown repo or revision, refused access, or no network.
     */
    Optional<FileMeta> head(String repoId, String revision, String file, Cancellation cancel)
            throws ModelStoreException {
        URI uri = resolveUrl(repoId, revision, file);
        String what = repoId + "@" + revision + " " + file;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            cancel.check("asking the hub about " + file);
            HttpResponse<Void> r = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.discarding(), cancel, what);
            HttpHeaders h = r.headers();
            int status = r.statusCode();
            boolean linked = h.firstValue("X-Linked-Etag").isPresent();
            boolean hasMeta = linked || h.firstValue("X-Repo-Commit").isPresent();
            if (isRedirect(status)) {
                // An LFS file redirects to its storage and the headers of this answer are the metadata: stop here.
                // A renamed repo redirects to its new name on the same host (perhaps with a commit header, but
                // no file etag): follow it, as huggingface_hub does.
                URI next = location(uri, h, what);
                if (!linked && (sameOrigin(next, uri) || !hasMeta)) {
                    uri = next;
                    continue;
                }
            }
            if (status == 404 && isEntryMissing(h)) {
                return Optional.empty();
            }
            if (status >= 400) {
                throw httpError(status, h, repoId, revision, file);
            }
            if (!(status >= 200 && status < 300) && !isRedirect(status)) {
                throw new ModelStoreException(Kind.PROTOCOL, "the hub answered HTTP " + status + " for " + what
                        + "; try again later");
            }
            return Optional.of(meta(h, repoId, revision, file));
        }
        throw new ModelStoreException(Kind.PROTOCOL, "too many redirects for " + what + "; check HF_ENDPOINT");
    }

    private FileMeta meta(HttpHeaders h, String repoId, String revision, String file) throws ModelStoreException {
        String commit = h.firstValue("X-Repo-Commit").orElse(SafeNames.isCommitHash(revision) ? revision : null);
        if (commit == null) {
            throw new ModelStoreException(Kind.PROTOCOL, env.endpoint() + " did not say which commit " + repoId + "@"
                    + revision + " is (no X-Repo-Commit header); is HF_ENDPOINT a Hugging Face hub?");
        }
        if (!SafeNames.isCommitHash(commit)) {
            throw new ModelStoreException(Kind.PROTOCOL, "the hub sent an invalid commit hash '"
                    + SafeNames.printable(commit) + "' for " + repoId + "; refusing to use it");
        }
        Optional<String> linked = h.firstValue("X-Linked-Etag");
        String etag = normalizeEtag(linked.orElse(h.firstValue("ETag").orElse(null)));
        if (etag == null) {
            throw new ModelStoreException(Kind.PROTOCOL, "the hub sent no ETag for " + repoId + " " + file
                    + "; is HF_ENDPOINT a Hugging Face hub?");
        }
        if (!SafeNames.isSafeEtag(etag)) {
            throw new ModelStoreException(Kind.PROTOCOL, "the hub sent an invalid ETag '" + SafeNames.printable(etag)
                    + "' for " + repoId + " " + file + "; refusing to use it");
        }
        long size = parseLong(h.firstValue("X-Linked-Size").orElse(h.firstValue("Content-Length").orElse(null)));
        return new FileMeta(commit, etag, size, linked.isPresent());
    }

    /**
     * Downloads one file into {@code partial}, resuming from its current length with an HTTP Range request, and
     * verifies it. On return the file is complete and, for LFS files, matches the SHA-256. On a lost connection or a
     * cancel the partial file is kept for the next try; on a checksum mismatch it is deleted.
     */
    void download(String repoId, String commit, String file, FileMeta meta, Path partial, ProgressListener progress,
            Cancellation cancel) throws ModelStoreException {
        MessageDigest sha = sha256();
        long have = prefix(partial, meta, sha);
        if (meta.size() < 0 || have < meta.size()) {
            fetch(repoId, commit, file, meta, partial, have, sha, progress, cancel, true);
        }
        verify(file, meta, partial, sha);
    }

    private void fetch(String repoId, String commit, String file, FileMeta meta, Path partial, long have,
            MessageDigest sha, ProgressListener progress, Cancellation cancel, boolean mayRetryRange)
            throws ModelStoreException {
        URI uri = resolveUrl(repoId, commit, file);
        String what = repoId + " " + file;
        BodyQueue body = new BodyQueue();
        // Only a 200 or 206 body is streamed to disk; redirects and errors are read and dropped.
        HttpResponse.BodyHandler<Void> handler = info -> info.statusCode() == 200 || info.statusCode() == 206
                ? body : HttpResponse.BodySubscribers.discarding();
        try {
            HttpResponse<Void> r = null;
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpRequest.Builder b = request(uri).GET();
                if (!sameOrigin(uri, env.endpoint())) {
                    b = bareRequest(uri).GET(); // another host (a CDN): never send it the token
                }
                if (have > 0) {
                    b.header("Range", "bytes=" + have + "-");
                }
                r = send(b.build(), handler, cancel, what);
                if (!isRedirect(r.statusCode())) {
                    break;
                }
                uri = location(uri, r.headers(), what);
                r = null;
            }
            if (r == null) {
                throw new ModelStoreException(Kind.PROTOCOL, "too many redirects for " + what + "; check HF_ENDPOINT");
            }
            int status = r.statusCode();
            boolean append;
            if (status == 206) {
                append = rangeStartsAt(r.headers(), have);
            } else if (status == 200) {
                append = false; // the server ignored the Range: start over
            } else if (status == 416 && mayRetryRange) {
                // The partial file does not fit what the server has (it changed): start over.
                try {
                    Files.deleteIfExists(partial);
                } catch (IOException e) {
                    throw writeError(partial, e);
                }
                sha.reset();
                fetch(repoId, commit, file, meta, partial, 0, sha, progress, cancel, false);
                return;
            } else {
                throw httpError(status, r.headers(), repoId, commit, file);
            }
            if (!append && have > 0) {
                have = 0;
                sha.reset();
            }
            copy(body, partial, append, have, meta.size(), sha, file, progress, cancel);
        } finally {
            body.cancel();
        }
    }

    private void copy(BodyQueue body, Path partial, boolean append, long have, long total, MessageDigest sha,
            String file, ProgressListener progress, Cancellation cancel) throws ModelStoreException {
        long start = System.nanoTime();
        long lastData = start;
        long lastReport = 0;
        long got = 0;
        String during = "downloading " + file;
        FileChannel out;
        try {
            Files.createDirectories(partial.getParent());
            out = append
                    ? FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.APPEND)
                    : FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw writeError(partial, e);
        }
        try (out) {
            progress.onProgress(new DownloadProgress(file, have, total, 0, false));
            while (true) {
                List<ByteBuffer> items;
                try {
                    items = body.poll(POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // the caller's; left for it to see
                    throw cancelled(during, have + got, e);
                } catch (IOException e) {
                    if (cancel.isCancelled()) {
                        throw cancelled(during, have + got, e);
                    }
                    throw lostConnection(file, have + got, total, e);
                }
                if (cancel.isCancelled()) {
                    throw cancelled(during, have + got, null);
                }
                long now = System.nanoTime();
                if (items == null) {
                    if (now - lastData > stallTimeout.toNanos()) {
                        throw new ModelStoreException(Kind.NETWORK, "the download of " + file + " stalled (no data"
                                + " for " + stallTimeout.toSeconds() + " s) after " + TextProgressBar.bytes(have + got)
                                + "; run the same command again to resume");
                    }
                    continue;
                }
                if (items == BodyQueue.END) {
                    break;
                }
                for (ByteBuffer bb : items) {
                    got += bb.remaining();
                    sha.update(bb.duplicate());
                    try {
                        while (bb.hasRemaining()) {
                            out.write(bb);
                        }
                    } catch (IOException e) {
                        throw writeError(partial, e);
                    }
                }
                lastData = now;
                if (total >= 0 && have + got > total) {
                    break; // more than announced: caught by verify, which deletes the file
                }
                if (now - lastReport >= PROGRESS_EVERY_NANOS) {
                    lastReport = now;
                    progress.onProgress(new DownloadProgress(file, have + got, total, rate(got, start, now), false));
                }
            }
            try {
                out.force(true); // on disk before it is renamed into place, so a crash cannot expose a torn file
            } catch (IOException e) {
                throw writeError(partial, e);
            }
        } catch (IOException e) {
            throw writeError(partial, e);
        }
        if (total >= 0 && have + got < total) {
            throw lostConnection(file, have + got, total, null);
        }
        progress.onProgress(new DownloadProgress(file, have + got, total, rate(got, start, System.nanoTime()), true));
    }

    private static ModelStoreException cancelled(String during, long kept, Exception cause) {
        return new ModelStoreException(Kind.CANCELLED, "cancelled while " + during + " (" + TextProgressBar.bytes(kept)
                + " kept); run the same command again to resume", cause);
    }

    private static void verify(String file, FileMeta meta, Path partial, MessageDigest sha) throws ModelStoreException {
        long size;
        try {
            size = Files.size(partial);
        } catch (IOException e) {
            throw new ModelStoreException(Kind.IO, "cannot read " + partial + ": " + e.getMessage(), e);
        }
        String expected = meta.sha256();
        String actual = HexFormat.of().formatHex(sha.digest());
        boolean sizeOk = meta.size() < 0 || size == meta.size();
        if (!sizeOk || (expected != null && !expected.equals(actual))) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // Reported below either way; a leftover .incomplete is retried from scratch next time.
            }
            String detail = !sizeOk ? size + " bytes instead of " + meta.size()
                    : "SHA-256 " + actual.substring(0, 12) + "... instead of " + expected.substring(0, 12) + "...";
            throw new ModelStoreException(Kind.CHECKSUM, "the download of " + file + " is corrupt (" + detail
                    + "); it was deleted and not used: run the same command again, and if it persists check"
                    + " HF_ENDPOINT or your proxy");
        }
    }

    /** Length of the partial file, hashing it so the final digest covers the whole content. */
    private static long prefix(Path partial, FileMeta meta, MessageDigest sha) throws ModelStoreException {
        try {
            if (!Files.isRegularFile(partial)) {
                return 0;
            }
            long have = Files.size(partial);
            if (meta.size() >= 0 && have > meta.size()) {
                Files.delete(partial);
                return 0;
            }
            try (InputStream in = Files.newInputStream(partial)) {
                byte[] buf = new byte[CHUNK];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                }
            }
            return have;
        } catch (IOException e) {
            throw new ModelStoreException(Kind.IO, "cannot read " + partial + ": " + e.getMessage()
                    + "; delete it and try again", e);
        }
    }

    /**
     * Sends and waits for the response headers, polling so that a cancel or an interrupt ends the wait at once
     * (the request is then abandoned).
     */
    private <T> HttpResponse<T> send(HttpRequest req, HttpResponse.BodyHandler<T> handler, Cancellation cancel,
            String what) throws ModelStoreException {
        CompletableFuture<HttpResponse<T>> pending = client().sendAsync(req, handler);
        try {
            while (true) {
                try {
                    return pending.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (cancel.isCancelled()) {
                        pending.cancel(true);
                        throw new ModelStoreException(Kind.CANCELLED, "cancelled while fetching " + what
                                + "; run the same command again to resume");
                    }
                }
            }
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt(); // the caller's; left for it to see
            throw new ModelStoreException(Kind.CANCELLED, "cancelled while fetching " + what
                    + "; run the same command again to resume", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof IOException io) {
                throw unreachable(io);
            }
            throw new ModelStoreException(Kind.PROTOCOL, "the request for " + what + " failed: " + rootMessage(cause),
                    cause);
        }
    }

    /** A one-line explanation of why the hub could not be reached at all. */
    ModelStoreException unreachable(IOException e) {
        String host = env.endpoint().toString();
        String why;
        if (e instanceof HttpConnectTimeoutException) {
            why = "timed out connecting";
        } else if (e instanceof HttpTimeoutException) {
            why = "no answer within " + requestTimeout.toSeconds() + " s";
        } else if (hasCause(e, UnresolvedAddressException.class) || hasCause(e, UnknownHostException.class)) {
            why = "host not found";
        } else if (e instanceof ConnectException || hasCause(e, ConnectException.class)) {
            why = "connection refused";
        } else if (hasCause(e, SSLException.class)) {
            why = "TLS failed: " + rootMessage(e);
        } else {
            why = rootMessage(e);
        }
        return new ModelStoreException(Kind.NETWORK, "cannot reach " + host + " (" + why + "); check the network,"
                + " or set HF_HUB_OFFLINE=1 to use only models already in the cache", e);
    }

    private ModelStoreException httpError(int status, HttpHeaders h, String repoId, String revision, String file) {
        String code = h.firstValue("X-Error-Code").orElse("");
        String page = env.endpoint() + "/" + repoId;
        if (status == 401) {
            String hint = env.token() == null
                    ? "if it is private or gated, set HF_TOKEN to a token from " + env.endpoint() + "/settings/tokens"
                    : "HF_TOKEN was sent and refused: check that it is valid and not expired";
            return new ModelStoreException(Kind.AUTH, "the hub refused access to " + repoId + " (HTTP 401): check"
                    + " the name; " + hint);
        }
        if (status == 403) {
            String hint = env.token() == null ? "accept the licence at " + page + " and set HF_TOKEN to a token of"
                    + " that account" : "accept the licence at " + page + " with the account HF_TOKEN belongs to";
            return new ModelStoreException(Kind.AUTH, "access to " + repoId + " is denied (HTTP 403"
                    + (code.isEmpty() ? "" : ", " + code) + "): " + hint);
        }
        if (status == 404) {
            if (code.equals("RevisionNotFound")) {
                return new ModelStoreException(Kind.NOT_FOUND, "model " + repoId + " has no revision '" + revision
                        + "'; check the branch, tag or commit after '@'");
            }
            if (code.equals("EntryNotFound")) {
                return new ModelStoreException(Kind.NOT_FOUND, "model " + repoId + " has no " + file + " at "
                        + revision);
            }
            return new ModelStoreException(Kind.NOT_FOUND, "unknown model " + repoId + " (HTTP 404 from "
                    + env.endpoint() + "); check the name, e.g. gpt2 or openai-community/gpt2-large");
        }
        if (status == 407) {
            return new ModelStoreException(Kind.NETWORK, "the proxy asks for a password (HTTP 407), which jlens does"
                    + " not send; use a proxy that needs none, or download on another machine and copy the cache");
        }
        if (status == 416) {
            return new ModelStoreException(Kind.PROTOCOL, "the hub refused to resume " + file
                    + "; run the same command again to start it over");
        }
        if (status >= 500) {
            return new ModelStoreException(Kind.NETWORK, "the hub has a problem (HTTP " + status + ") with "
                    + repoId + " " + file + "; try again later");
        }
        return new ModelStoreException(Kind.PROTOCOL, "the hub answered HTTP " + status + " for " + repoId + " "
                + file + "; try again later");
    }

    private static ModelStoreException lostConnection(String file, long have, long total, IOException e) {
        String of = total >= 0 ? " of " + TextProgressBar.bytes(total) : "";
        return new ModelStoreException(Kind.NETWORK, "the connection was lost while downloading " + file + " ("
                + TextProgressBar.bytes(have) + of + " kept); run the same command again to resume", e);
    }

    /** Full disk or another write failure, said plainly. */
    static ModelStoreException writeError(Path p, IOException e) {
        String msg = String.valueOf(e.getMessage());
        if (msg.contains("No space left") || msg.contains("Disk quota exceeded") || msg.contains("not enough space")) {
            return new ModelStoreException(Kind.DISK_FULL, "no space left on the disk holding " + p.getParent()
                    + "; free some space, or set HF_HUB_CACHE to a folder on a bigger disk (the partial download is"
                    + " kept and resumes)", e);
        }
        return new ModelStoreException(Kind.IO, "cannot write " + p + ": " + msg, e);
    }

    private synchronized HttpClient client() {
        if (client == null) {
            client = http.get();
        }
        return client;
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = bareRequest(uri);
        if (env.token() != null) {
            b.header("Authorization", "Bearer " + env.token());
        }
        return b;
    }

    private HttpRequest.Builder bareRequest(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(requestTimeout)
                .header("User-Agent", "jlens/0.1 (java " + Runtime.version().feature() + ")")
                .header("Accept-Encoding", "identity"); // sizes and hashes are of the raw bytes
    }

    private static URI location(URI from, HttpHeaders h, String what) throws ModelStoreException {
        String loc = h.firstValue("Location").orElse(null);
        if (loc == null) {
            throw new ModelStoreException(Kind.PROTOCOL, "the hub sent a redirect without a Location for " + what);
        }
        try {
            URI next = from.resolve(loc);
            String scheme = Objects.toString(next.getScheme(), "");
            if (!scheme.equals("https") && !scheme.equals("http")) {
                throw new IllegalArgumentException("scheme " + scheme);
            }
            return next;
        } catch (IllegalArgumentException e) {
            throw new ModelStoreException(Kind.PROTOCOL, "the hub sent a bad redirect for " + what + ": "
                    + SafeNames.printable(loc));
        }
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()),
                lower(b.getHost())) && port(a) == port(b);
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(java.util.Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    private static boolean isRedirect(int s) {
        return s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
    }

    private static boolean isEntryMissing(HttpHeaders h) {
        String code = h.firstValue("X-Error-Code").orElse("");
        return code.isEmpty() || code.equals("EntryNotFound");
    }

    private static boolean rangeStartsAt(HttpHeaders h, long have) {
        Matcher m = CONTENT_RANGE.matcher(h.firstValue("Content-Range").orElse(""));
        return m.matches() && Long.parseLong(m.group(1)) == have;
    }

    static String normalizeEtag(String e) {
        if (e == null) {
            return null;
        }
        String s = e.trim();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        return s.isEmpty() ? null : s;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static double rate(long bytes, long startNanos, long nowNanos) {
        double secs = (nowNanos - startNanos) / 1e9;
        return secs > 0 ? bytes / secs : 0;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> c) {
        for (Throwable x = t; x != null; x = x.getCause()) {
            if (c.isInstance(x)) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable x = t;
        while (x.getCause() != null) {
            x = x.getCause();
        }
        return x.getMessage() != null ? x.getMessage() : x.getClass().getSimpleName();
    }
}
