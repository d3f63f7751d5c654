package jlens.workspace;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;
import jlens.intervene.prompts.IoiPrompts;
import jlens.intervene.prompts.PromptFileException;
import jlens.intervene.prompts.PromptSet;
import jlens.intervene.prompts.PromptSetReader;
import jlens.model.Gpt2;

/**
 * The prompt set and what it was made from (a file, {@code ioi N seed S}, or a set given in Java), so that a
 * model change makes it again with the new tokenizer and context, with every check of the first time, instead
 * of keeping token ids of another vocabulary. Making it again can be cancelled (Ctrl-C during a long file): the set is
 * then not dropped but kept as its origin, and made for the current model when next used.
 */
final class PromptSetSlot {
    private PromptSet set;
    private Origin origin;
    private boolean pending; // a remake was cancelled: set is null, origin makes it for the current model on use
    private String source; // the set's source, for the lines about it

    /** What a set was made from: how to make it again. */
    private interface Origin {
        PromptSet make(Gpt2 model);
    }

    /** Read again from the file (what the file holds now, every line checked). */
    private record FromFile(Path file) implements Origin {
        @Override
        public PromptSet make(Gpt2 model) {
            return new PromptSetReader(model.tokenizer(), model.config().nPositions()).read(file);
        }
    }

    /** Generated again: the same seed gives the same prompts, tokenised by the new model. */
    private record Ioi(int n, long seed) implements Origin {
        @Override
        public PromptSet make(Gpt2 model) {
            return IoiPrompts.generate(n, seed, model.tokenizer()).requireWithin(model.config().nPositions());
        }
    }

    /** A set built in Java: its texts tokenised again and checked as a file's lines are. */
    private record Given(PromptSet original) implements Origin {
        @Override
        public PromptSet make(Gpt2 model) {
            return new PromptSetReader(model.tokenizer(), model.config().nPositions()).check(original);
        }
    }

    /** The set, made for the current {@code model} first when its remake was cancelled (which may be cancelled again). */
    PromptSet get(Supplier<Gpt2> model) {
        if (pending) {
            try {
                set = origin.make(model.get());
                pending = false;
            } catch (IllegalArgumentException | IllegalStateException e) {
                if (e instanceof CancellationException) {
                    throw e; // still pending
                }
                drop();
                throw new MissingStateException("the prompt set does not fit this model (" + e.getMessage() + "); give one"
                        + " again with 'prompts FILE' or 'prompts ioi N'");
            }
        }
        if (set == null) {
            throw new MissingStateException("no prompt set; give one with 'prompts FILE' or 'prompts ioi N'");
        }
        return set;
    }

    boolean present() {
        return set != null || pending;
    }

    PromptSet read(Path file, Gpt2 model) {
        return use(new FromFile(file), model);
    }

    PromptSet ioi(int n, long seed, Gpt2 model) {
        return use(new Ioi(n, seed), model);
    }

    /** A set built in Java, taken as it is (its ids are the caller's); made again from its texts on a model change. */
    PromptSet given(PromptSet given) {
        set = given;
        origin = new Given(given);
        pending = false;
        source = given.source();
        return given;
    }

    /** Makes the set from {@code o}; a set that cannot be made (or whose reading is cancelled) changes nothing. */
    private PromptSet use(Origin o, Gpt2 model) {
        PromptSet made = o.make(model);
        set = made;
        origin = o;
        pending = false;
        source = made.source();
        return made;
    }

    private void drop() {
        set = null;
        origin = null;
        pending = false;
        source = null;
    }

    /**
     * Makes the set again for {@code model}, or drops it when it no longer fits (an answer that is not one token,
     * a prompt over the context, a file gone): one line saying which. Empty when there is no set.
     */
    Optional<String> remake(Gpt2 model, String modelName) {
        if (set == null && !pending) {
            return Optional.empty();
        }
        String shown = PromptFileException.printable(source, 80);
        try {
            set = origin.make(model);
            pending = false;
            return Optional.of("prompt set " + shown + " made again for " + modelName + ": " + set.size() + " prompts, "
                    + set.minLength() + (set.minLength() == set.maxLength() ? "" : ".." + set.maxLength()) + " tokens");
        } catch (CancellationException e) { // Ctrl-C: its ids are the old vocabulary's, so it waits for its next use
            set = null;
            pending = true;
            return Optional.of("prompt set " + shown + " not made again for " + modelName + " (cancelled): it is made when next"
                    + " used");
        } catch (IllegalArgumentException | IllegalStateException e) {
            drop();
            return Optional.of("prompt set " + shown + " dropped: it does not fit " + modelName + " (" + e.getMessage()
                    + "); give one again with 'prompts FILE' or 'prompts ioi N'");
        }
    }
}
