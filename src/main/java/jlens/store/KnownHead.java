package jlens.store;

/** A head of the known-answer model, written {@code layer.head} as the banner and the REPL show it. */
public record KnownHead(int layer, int head) {
    public KnownHead {
        if (layer < 0 || head < 0) {
            throw new IllegalArgumentException("layer and head count from 0: " + layer + "." + head);
        }
    }

    @Override
    public String toString() {
        return layer + "." + head;
    }
}
