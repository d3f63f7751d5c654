/**
 * Where models come from: a spec ({@code gpt2}, {@code gpt2-large}, {@code ORG/NAME[@REVISION]}, a folder, or
 * {@code demo}) becomes a local folder with {@code config.json}, {@code model.safetensors} and {@code tokenizer.json}.
 *
 * <h2>Use</h2>
 * <pre>{@code
 * ModelStore store = ModelStore.fromSystem();                 // or new ModelStore(StoreEnv.from(map)) in tests
 * Cancellation cancel = new Cancellation();                   // Ctrl-C handler: cancel.cancel()
 * ProgressListener bar = new TextProgressBar(System.err, isTty, columns);
 * ResolvedModel m = store.resolveDefault(cliModelOrNull, bar, cancel);   // start-up: --model, JLENS_MODEL,
 *                                                              // settings file, else gpt2, else the demo model
 * ResolvedModel m2 = store.resolve("gpt2-medium", bar, cancel);           // `load gpt2-medium`
 * System.out.println(m.bannerLine());                          // says "demo model with random weights ..." if so
 * Gpt2 model = Gpt2.load(m.dir());
 * }</pre>
 * Errors are {@link jlens.store.ModelStoreException}s whose message is one line that says what to do; print it,
 * not the stack trace. {@code kind()} tells them apart.
 *
 * <h2>Environment (the same variables as Python's huggingface_hub)</h2>
 * {@code HF_HUB_CACHE} (else {@code HF_HOME/hub}, else {@code ~/.cache/huggingface/hub}); {@code HF_ENDPOINT}
 * (default {@code https://huggingface.co}); {@code HF_TOKEN} (sent as a Bearer token to the hub only, never to the
 * storage host an LFS file redirects to); {@code HF_HUB_OFFLINE=1} (never touch the network); {@code HTTPS_PROXY},
 * {@code HTTP_PROXY}, {@code NO_PROXY}. jlens's own: {@code JLENS_MODEL}, and {@code model=} in
 * {@code ~/.config/jlens/settings.properties} ({@code XDG_CONFIG_HOME} honoured); the demo model is copied out to
 * {@code ~/.cache/jlens/demo-model-HASH/} ({@code XDG_CACHE_HOME} honoured).
 *
 * <h2>Cache</h2>
 * Read and written in huggingface_hub's layout ({@code models--ORG--NAME/blobs}, {@code snapshots/COMMIT/} with
 * relative symlinks, {@code refs/REVISION}, {@code .no_exist}, {@code .locks}), so Python and jlens share downloads
 * both ways. A model in the cache is used with no request at all (there is no check for a newer commit; ask for one
 * with {@code @COMMIT}, or delete the ref). A download fetches every blob first, each to {@code ETAG.incomplete}
 * (resumed with an HTTP Range request), verified against the hub's SHA-256 for LFS files and moved into place in one
 * rename; only then do the snapshot links and the ref appear, so a failed or cancelled download never leaves a
 * snapshot that looks complete.
 *
 * <h2>Safety</h2>
 * Only safetensors weights; a repo with only {@code pytorch_model.bin} is refused with a message. Repo ids,
 * revisions, and the commit hashes and etags the server sends are checked against allow-lists, and every cache path
 * is checked again to stay inside the cache folder.
 *
 * <h2>The demo model</h2>
 * {@code src/main/resources/jlens/demo-model/} is written by {@link jlens.store.DemoModelWriter} (seeded, so
 * reproducible; a test checks the shipped bytes):
 * {@code java -cp target/classes jlens.store.DemoModelWriter src/main/resources/jlens/demo-model src/test/resources/tiny-gpt2}
 */
package jlens.store;
