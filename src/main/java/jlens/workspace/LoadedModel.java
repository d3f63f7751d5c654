package jlens.workspace;

import jlens.model.Gpt2;

/**
 * A loaded model and how to name it.
 *
 * @param model the model
 * @param name  the name to show ({@code gpt2}, a folder)
 * @param note  a line for the banner (the demo-model warning), or null
 */
public record LoadedModel(Gpt2 model, String name, String note) {}
