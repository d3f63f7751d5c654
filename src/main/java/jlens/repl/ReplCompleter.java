package jlens.repl;

import java.util.List;
import java.util.Optional;
import org.jline.builtins.Completers;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/** Tab completion from the command registry: command words, then each command's argument candidates. */
final class ReplCompleter implements Completer {
    private final Session session;
    private final Completer files = new Completers.FileNameCompleter();

    ReplCompleter(Session session) {
        this.session = session;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        if (index == 0) {
            for (Command c : session.commands().all()) {
                candidates.add(new Candidate(c.name(), c.name(), null, c.summary(), null, null, true));
            }
            return;
        }
        Optional<Command> c = session.commands().find(words.get(0));
        if (c.isEmpty()) {
            return;
        }
        List<String> before = words.subList(1, Math.min(index, words.size()));
        List<String> found;
        try {
            found = c.get().completer().candidates(session, before);
        } catch (RuntimeException e) {
            return; // completion must never disturb the prompt (no model yet, no text yet)
        }
        for (String f : found) {
            if (f.equals(Completions.FILES)) {
                files.complete(reader, line, candidates);
            } else {
                candidates.add(new Candidate(f, f, null, null, null, null, true));
            }
        }
    }
}
