package jlens.corpus;

/**
 * One window of a corpus: {@code ids} (BOS first when the options ask for it), the {@code index}-th window of
 * document group {@code group}. The pair names it wherever it is computed.
 */
public record Window(long group, int index, long[] ids) {
    public Window {
        ids = ids.clone();
    }

    @Override
    public long[] ids() {
        return ids.clone();
    }

    /** The id at position {@code p}, without a copy. */
    public long id(int p) {
        return ids[p];
    }

    public int length() {
        return ids.length;
    }
}
