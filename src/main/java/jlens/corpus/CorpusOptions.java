package jlens.corpus;

import java.io.Serializable;

/**
 * How a corpus is read and cut, as TransformerLens's {@code tokenize_and_concatenate} cuts it (with
 * {@code streaming=True}: the dataset mapped in batches of {@code group} documents, 1000 by default). Each group's
 * documents are tokenised, joined with the {@code <|endoftext|>} token, and cut into windows of {@code window - 1}
 * tokens with a BOS in front ({@code window} without), the group's last partial window dropped; a group shorter
 * than one window is padded with {@code <|endoftext|>} to one window, as TransformerLens pads it.
 *
 * @param documents what a document is in a text file: a line, the whole file, or AUTO (a line for a {@code .txt}
 *     file given alone, the whole file for each {@code .txt} file of a folder); a JSON Lines file has one per line
 * @param window tokens per window, BOS included; 0 for the model's context
 * @param bos whether each window starts with BOS (GPT-2's BOS is {@code <|endoftext|>}); TransformerLens's default
 * @param group documents per group (TransformerLens's map batch): windows never cross a group's end
 * @param batch windows per forward pass; 0 for {@code max(1, 4096 / window)}. Part of the task: a batch's float32
 *     numbers depend on what else is in it, so runs compared to 1e-9 use the same batch
 * @param maxTokens stop after this many tokens (whole windows, at least one); 0 for the whole corpus
 * @param skipBad skip (and count) documents jlens refuses (control characters, not UTF-8, over the size bound)
 *     instead of stopping at the first
 */
public record CorpusOptions(Documents documents, int window, boolean bos, int group, int batch, long maxTokens, boolean skipBad)
        implements Serializable {
    /** TransformerLens's map batch: {@code datasets.Dataset.map(batched=True)} takes 1000 rows at a time. */
    public static final int DEFAULT_GROUP = 1000;
    /** Tokens per forward pass when no batch is given: 4 windows of GPT-2's 1024. */
    public static final int TOKENS_PER_BATCH = 4096;

    /** What a document is in a plain text file. */
    public enum Documents {
        AUTO, LINE, FILE;

        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public CorpusOptions {
        if (documents == null) {
            throw new IllegalArgumentException("documents: line, file or auto");
        }
        if (window < 0 || window == 1) {
            throw new IllegalArgumentException("a window holds at least 2 tokens, not " + window);
        }
        if (group < 1) {
            throw new IllegalArgumentException("a group holds at least 1 document, not " + group);
        }
        if (batch < 0 || batch > 4096) {
            throw new IllegalArgumentException("a batch holds 1..4096 windows, not " + batch);
        }
        if (maxTokens < 0) {
            throw new IllegalArgumentException("the token limit must be positive, not " + maxTokens);
        }
    }

    public static CorpusOptions defaults() {
        return new CorpusOptions(Documents.AUTO, 0, true, DEFAULT_GROUP, 0, 0, false);
    }

    public CorpusOptions withDocuments(Documents d) {
        return new CorpusOptions(d, window, bos, group, batch, maxTokens, skipBad);
    }

    public CorpusOptions withWindow(int w) {
        return new CorpusOptions(documents, w, bos, group, batch, maxTokens, skipBad);
    }

    public CorpusOptions withBos(boolean b) {
        return new CorpusOptions(documents, window, b, group, batch, maxTokens, skipBad);
    }

    public CorpusOptions withGroup(int g) {
        return new CorpusOptions(documents, window, bos, g, batch, maxTokens, skipBad);
    }

    public CorpusOptions withBatch(int b) {
        return new CorpusOptions(documents, window, bos, group, b, maxTokens, skipBad);
    }

    public CorpusOptions withMaxTokens(long n) {
        return new CorpusOptions(documents, window, bos, group, batch, n, skipBad);
    }

    public CorpusOptions withSkipBad(boolean s) {
        return new CorpusOptions(documents, window, bos, group, batch, maxTokens, s);
    }

    /** The window for a model of {@code context} positions; a window over the context is refused. */
    public int windowFor(int context) {
        int w = window == 0 ? context : window;
        if (w > context) {
            throw new IllegalArgumentException("a window of " + w + " tokens is more than the model's context of " + context
                    + "; give --window " + context + " or less");
        }
        if (w < 2) {
            throw new IllegalArgumentException("a window holds at least 2 tokens; the model's context is " + context);
        }
        return w;
    }

    /** Windows per forward pass for windows of {@code w} tokens. */
    public int batchFor(int w) {
        return batch > 0 ? batch : Math.max(1, TOKENS_PER_BATCH / w);
    }

    /** How these options read in a result and on the command line ({@code --window 1024 --bos ...}). */
    public String describe(int context) {
        int w = windowFor(context);
        return "windows of " + w + " tokens" + (bos ? " (BOS first)" : " (no BOS)") + ", groups of " + group
                + " documents, batches of " + batchFor(w) + " windows";
    }
}
