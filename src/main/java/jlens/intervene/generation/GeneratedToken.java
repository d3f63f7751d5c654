package jlens.intervene.generation;

/**
 * One new token as it is generated: its step (0 for the first new token), its sequence position, id, the text
 * it decodes to on its own (untrusted model text: escape it before printing), and its log-probability under
 * the model (log-softmax of the logits at temperature 1, whatever the sampling temperature).
 */
public record GeneratedToken(int step, int position, long id, String piece, double logprob) {}
