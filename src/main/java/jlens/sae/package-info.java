/**
 * Sparse autoencoders in SAELens's file layout: reading a folder ({@code cfg.json} + {@code sae_weights.safetensors},
 * both SAELens 6's layout and the older one), the SAE itself (encode, decode, the error term), and the studies of its
 * features, each a function of the model, the token ids and the SAE in TransformerLens's style: the features of a
 * pass, one feature's card, reconstruction statistics, a feature's top contexts over a set or a file, and the direct
 * logit attribution of features. Splicing an SAE into the model and editing its features are
 * {@link jlens.intervene.Intervention}s ({@link jlens.sae.SaeSplice}): they stand among the workspace's changes in force
 * like a steering vector, so every analysis and generation honours them.
 *
 * <p>Everything read from an SAE folder is untrusted: the files are read within bounds, every refusal is one
 * {@link jlens.sae.SaeLoadException} line naming the file and the field, and nothing from them is printed unescaped.
 */
package jlens.sae;
