package jlens.model;

/**
 * The weights file changed on disk after the model was loaded from it (a training script saving a checkpoint
 * over it, say). The model reads its weights from the file's pages as it runs, so it refuses to run until it is
 * loaded again.
 */
public class WeightsChangedException extends ModelLoadException {
    public WeightsChangedException(String message) {
        super(message);
    }
}
