package jlens.repl;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** Where the REPL keeps its input history, and whether the file there can be used. */
final class History {
    private History() {}

    /** {@code ~/.jlens_history}, with the home the model cache and settings use: {@code $HOME}, else user.home. */
    static Path file(Map<String, String> env) {
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".jlens_history");
    }

    /**
     * Why the history file cannot be used, if it cannot: a folder, unreadable, or not text. The REPL then starts
     * without history and says so in one line (JLine would fail to start, with a trace); the file is left alone.
     */
    static Optional<String> problem(Path file) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (Files.isDirectory(file)) {
            return Optional.of(file + " is a folder");
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file)));
            return Optional.empty();
        } catch (CharacterCodingException e) {
            return Optional.of(file + " is not UTF-8 text");
        } catch (java.nio.file.AccessDeniedException e) {
            return Optional.of(file + ": permission denied");
        } catch (IOException | OutOfMemoryError e) {
            return Optional.of(file + ": cannot read it (" + e.getMessage() + ")");
        }
    }
}
