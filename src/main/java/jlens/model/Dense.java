package jlens.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

/** The matrix products behind {@link Gpt2}'s dense layers and prefix attention, tuned for the CPU. */
final class Dense {
    /**
     * Row counts up to which {@link #product} uses the convolution when oneDNN's primitive cache could not be
     * bounded ({@link NativeSettings}): each new row count then keeps its primitives for the process's life.
     */
    private static final long UNBOUNDED_CACHE_MAX_ROWS = 64;
    /**
     * Row counts up to which MKL's own product is used. One row (a generation step) is a matrix-vector product
     * that MKL streams at memory speed, 2-3x faster than the convolution; up to four rows it is still faster.
     */
    private static final long MATMUL_MAX_ROWS = 4;
    private static final Shape CONV_STRIDE = new Shape(1);
    private static final Shape CONV_PADDING = new Shape(0);
    // A width-1 kernel ignores dilation; 2 keeps ATen off its NNPACK probe (reached only by undilated 2-d
    // convolutions that oneDNN declines), which logs a warning on every call on CPUs NNPACK does not support.
    private static final Shape CONV_DILATION = new Shape(2);

    private Dense() {}

    /**
     * {@code rows} {@code [R, IN]} times {@code weight} {@code [IN, OUT]}: {@code [R, OUT]}, written as a width-1
     * convolution whose signal is the weight (IN channels, OUT long) and whose R filters are the rows. PyTorch
     * runs that on oneDNN, which streams a weight matrix faster than MKL's sgemm does for a few dozen rows
     * (gpt2-large, 30 tokens: forward pass 0.51 s with matMul, 0.37-0.40 s like this), and it reads the weight
     * where it lies, with no transposed copy. The gain grows with the rows: oneDNN's AVX-512 kernels run the four
     * dense layers of gpt2-large at 140-260 GFLOP/s on two cores for 100-480 rows, MKL's sgemm (which takes its
     * AVX2 path on AMD CPUs) at 90-145. Each call reorders the weight into oneDNN's blocked layout, so the rows go
     * in one call, not in chunks. The weight is not read channels-last (which would skip that reorder): see
     * ARCHITECTURE.md, oneDNN's kernel for that layout gave wrong rows and a SIGFPE in this engine build.
     */
    static NDArray product(NDArray rows, NDArray weight) {
        long r = rows.getShape().get(0);
        if (r <= MATMUL_MAX_ROWS) {
            return rows.matMul(weight);
        }
        // The trick is for CPU memory bandwidth (GPUs have cuBLAS), and only oneDNN's multi-threaded kernel gains:
        // on one thread ATen runs a width-1 convolution as a gemm, which matMul does faster.
        if (rows.getDevice().isGpu() || JniUtils.getNumThreads() < 2
                || (r > UNBOUNDED_CACHE_MAX_ROWS && !NativeSettings.cacheBounded())) {
            return rows.matMul(weight);
        }
        long in = weight.getShape().get(0);
        long out = weight.getShape().get(1);
        NDArray signal = weight.reshape(1, in, out); // [1, IN, OUT], a view
        signal.attach(rows.getManager()); // else it and the product would land in the model's manager
        NDArray filters = rows.reshape(r, in, 1); // [R, IN, 1]
        return signal.getNDArrayInternal()
                .convolution(signal, filters, null, CONV_STRIDE, CONV_PADDING, CONV_DILATION, 1)
                .get(0) // [1, R, OUT]
                .reshape(r, out);
    }

    /**
     * {@code a} {@code [B, NH, T, X]} times {@code b} {@code [B or 1, NH, X, Y]}: {@code [B, NH, T, Y]}. A prefix
     * shared by the whole batch (batch 1) would be broadcast by copying it B times (a sweep's 720 cases copied
     * 100 MB of keys per layer); folding the batch into the rows multiplies by it once instead.
     */
    static NDArray matMulShared(NDArray a, NDArray b) {
        Shape s = a.getShape();
        long bsz = s.get(0);
        if (bsz == 1 || b.getShape().get(0) != 1) {
            return a.matMul(b);
        }
        long nh = s.get(1);
        long t = s.get(2);
        NDArray rows = a.transpose(1, 0, 2, 3).reshape(nh, bsz * t, s.get(3)); // [NH, B*T, X]
        NDArray out = rows.matMul(b.squeeze(0)); // [NH, B*T, Y]
        return out.reshape(nh, bsz, t, -1).transpose(1, 0, 2, 3); // [B, NH, T, Y]
    }
}
