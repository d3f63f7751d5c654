/**
 * Pure analyses over a forward pass's logits and cached activations: histograms, statistics, the seed
 * notebook's Q/K/V and QK^T studies, per-head attention matrices and log-probabilities.
 *
 * <p>Every analysis is a small class of static methods with one job, and returns a plain Java record (arrays,
 * numbers, strings) that carries its parameters: no NDArray escapes, and NDArray temporaries live in a scope
 * that is closed before the method returns. Results implement {@link jlens.analysis.AnalysisResult}, so a REPL
 * or a script can save any of them as CSV or JSON.
 *
 * <p>Positions: demos 1 and 2 of the notebook leave position 0 out (the first token acts as an attention sink
 * with extreme values), so the Q/K/V and QK^T analyses take a {@code firstPosition}, by default
 * {@link jlens.analysis.AnalysisDefaults#FIRST_POSITION} = 1; pass 0 to include the first token.
 */
package jlens.analysis;
