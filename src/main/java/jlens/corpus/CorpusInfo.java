package jlens.corpus;

import java.io.Serializable;

/**
 * What a corpus result was computed from, kept with it (its JSON's {@code info}).
 *
 * @param task the reduction ({@code stats}, {@code attention}, ...)
 * @param corpus the corpus's name (its file or folder)
 * @param files its files
 * @param model the model's name
 * @param window tokens per window, BOS included
 * @param bos whether windows start with BOS
 * @param group documents per group
 * @param batch windows per forward pass
 * @param documents documents read
 * @param skipped documents skipped ({@code --skip-bad})
 * @param windows windows reduced
 * @param tokens tokens reduced ({@code windows * window})
 * @param complete false when Ctrl-C stopped it: the sums cover the windows counted
 * @param where how it ran: {@code in-process}, {@code spark local[2]}, {@code spark://...}
 * @param seconds wall time of the reduction
 */
public record CorpusInfo(String task, String corpus, int files, String model, int window, boolean bos, int group, int batch,
                         long documents, long skipped, long windows, long tokens, boolean complete, String where,
                         double seconds) implements Serializable {
    /** One line for the terminal: {@code 12,288 tokens (12 windows of 1024) from 3 documents of wiki.txt, in-process, 4.2 s}. */
    public String describe() {
        return String.format(java.util.Locale.ROOT, "%,d tokens (%,d windows of %d%s) from %,d documents of %s%s, %s, %.1f s%s",
                tokens, windows, window, bos ? ", BOS first" : "", documents, corpus, skipped > 0 ? " (" + skipped + " skipped)" : "",
                where, seconds, complete ? "" : "; stopped early: the sums cover these tokens only");
    }
}
