package jlens.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * How the fast paths move arrays between their managers: the one that lives for the whole run (the kept
 * residuals, keys and values, the batch between layers) and the one of each layer step.
 */
final class StepArrays {
    private StepArrays() {}

    /**
     * A handle on {@code a}'s data owned by {@code step}: ops take their first operand's manager, so the layer's
     * intermediates computed from it are freed with the step, not kept until the run ends.
     */
    static NDArray inStep(NDArray a, NDManager step) {
        NDArray view = a.reshape(a.getShape());
        view.attach(step);
        return view;
    }

    /** A compact copy of {@code a} in {@code manager}: a view would keep a whole batch's buffer alive. */
    static NDArray keep(NDArray a, NDManager manager) {
        NDArray copy = a.duplicate();
        copy.attach(manager);
        return copy;
    }
}
