package jlens.workspace;

/** Turns a model name, repo id or folder into a loaded model ({@link ModelCatalog#loader} is the usual one). */
@FunctionalInterface
public interface ModelLoader {
    LoadedModel load(String spec) throws Exception;
}
