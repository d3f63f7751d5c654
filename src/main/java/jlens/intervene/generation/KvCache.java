package jlens.intervene.generation;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import jlens.model.Gpt2;
import jlens.model.Gpt2Config;

/**
 * The keys and values of the positions a generation has computed so far, per layer, in buffers
 * {@code [1, NH, capacity, HS]} allocated once: each step writes its positions' keys and values in place after the
 * earlier ones, instead of concatenating (which would copy the whole cache every step). The cache owns its
 * native memory (a sub-manager of the given one) and is freed by {@link #close}.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] k; // [L] x [1, NH, capacity, HS]
    private final NDArray[] v; // [L] x [1, NH, capacity, HS]
    private final int capacity;
    private int length;

    public KvCache(NDManager parent, Gpt2Config config, DataType dtype, int capacity) {
        if (capacity < 1 || capacity > config.nPositions()) {
            throw new IllegalArgumentException("a key/value cache holds 1.." + config.nPositions() + " positions, not " + capacity);
        }
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        int n = config.nLayer();
        this.k = new NDArray[n];
        this.v = new NDArray[n];
        Shape shape = new Shape(1, config.nHead(), capacity, config.dHead());
        for (int l = 0; l < n; l++) {
            k[l] = manager.zeros(shape, dtype); // [1, NH, capacity, HS]
            v[l] = manager.zeros(shape, dtype); // [1, NH, capacity, HS]
        }
    }

    /** Bytes of a cache of {@code capacity} positions, known before it is made. */
    public static long bytes(Gpt2Config config, DataType dtype, int capacity) {
        return 2L * config.nLayer() * config.nHead() * capacity * config.dHead() * dtype.getNumOfBytes();
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Layer {@code l}'s keys and values of the positions held, as views owned by {@code step}; null when empty. */
    public Gpt2.KvPrefix prefix(int l, NDManager step) {
        if (length == 0) {
            return null;
        }
        NDIndex held = new NDIndex(":, :, :{}, :", length);
        return new Gpt2.KvPrefix(k[l].get(step, held), v[l].get(step, held)); // [1, NH, P, HS] each
    }

    /** Writes layer {@code l}'s keys and values ({@code [1, NH, T, HS]}) of the next T positions. */
    public void put(int l, NDArray keys, NDArray values) {
        long t = keys.getShape().get(2);
        if (length + t > capacity) {
            throw new IllegalStateException("the key/value cache holds " + capacity + " positions; " + (length + t) + " asked");
        }
        NDIndex next = new NDIndex(":, :, {}:{}, :", length, length + t);
        k[l].set(next, keys);
        v[l].set(next, values);
    }

    /** Counts the T positions just written in every layer as held. */
    public void advance(int t) {
        length += t;
    }

    @Override
    public void close() {
        manager.close();
    }
}
