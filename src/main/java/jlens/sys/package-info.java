/**
 * What the process meets outside the model, in one place each: files written atomically ({@link jlens.sys.AtomicWriter})
 * through temporaries that are removed on any exit the JVM sees and swept after a dead process
 * ({@link jlens.sys.Temporaries}); the environment's values, checked with one line each ({@link jlens.sys.Environment});
 * secrets kept out of every message ({@link jlens.sys.Secrets}); memory errors named as such
 * ({@link jlens.sys.MemoryErrors}). Uses nothing of ours, so every package may use it.
 */
package jlens.sys;
