package jlens.intervene.generation;

/** Why a generation ended. */
public enum GenerationStop {
    /** The asked number of new tokens was reached. */
    DONE,
    /** The sequence filled the model's context (prompt plus new tokens = n_positions). */
    CONTEXT,
    /** The caller cancelled (Ctrl-C): what was generated so far is kept. */
    CANCELLED
}
