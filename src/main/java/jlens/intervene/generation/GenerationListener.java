package jlens.intervene.generation;

/** Receives each new token as soon as it is chosen, before the next forward step starts (for streaming). */
@FunctionalInterface
public interface GenerationListener {
    GenerationListener NONE = token -> { };

    void onToken(GeneratedToken token);
}
