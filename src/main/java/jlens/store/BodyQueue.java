package jlens.store;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP response body read with a timeout. The JDK's InputStream body blocks in a way that neither an interrupt nor
 * a flag can end promptly, so the body is taken as a stream of buffers instead, polled by the downloading thread
 * itself, which then notices a cancel, an interrupt or a stalled connection within one poll. One buffer list is
 * requested at a time, so a slow disk holds back the network instead of filling memory.
 */
final class BodyQueue implements HttpResponse.BodySubscriber<Void> {
    /** Returned by {@link #poll} at the end of the body. */
    static final List<ByteBuffer> END = List.of();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private volatile Flow.Subscription subscription;
    private static final Object DONE = new Object();

    /**
     * Done at once: the response (status and headers) is handed over as soon as it arrives, and the body is then
     * read through {@link #poll}. A stage that completed only at the end of the body would hold back the headers
     * while the one-at-a-time demand waits for a reader: a deadlock.
     */
    @Override
    public CompletionStage<Void> getBody() {
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        queue.add(item);
    }

    @Override
    public void onError(Throwable t) {
        queue.add(t);
    }

    @Override
    public void onComplete() {
        queue.add(DONE);
    }

    /**
     * The next buffers, {@link #END} at the end, or null when nothing came within {@code millis}.
     * Throws IOException when the connection failed, InterruptedException when this thread is interrupted.
     */
    @SuppressWarnings("unchecked")
    List<ByteBuffer> poll(long millis) throws IOException, InterruptedException {
        Object o = queue.poll(millis, TimeUnit.MILLISECONDS);
        if (o == null) {
            return null;
        }
        if (o == DONE) {
            return END;
        }
        if (o instanceof Throwable t) {
            throw t instanceof IOException io ? io : new IOException(t.getMessage(), t);
        }
        subscription.request(1);
        return (List<ByteBuffer>) o;
    }

    /** Stops the transfer and releases the connection; harmless after the end. */
    void cancel() {
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
