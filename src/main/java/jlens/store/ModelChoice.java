package jlens.store;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Which model to open at start-up, and who asked for it: {@code --model} beats {@code JLENS_MODEL}, which beats
 * {@code model=} in {@code ~/.config/jlens/settings.properties}; with none of them, the default.
 *
 * @param spec     the model spec, or null for "the default" ({@code gpt2}, else the demo model)
 * @param origin   where it came from, for messages ({@code --model}, {@code JLENS_MODEL}, the settings file's path)
 */
public record ModelChoice(String spec, String origin) {

    public static final String SETTINGS_FILE = "settings.properties";

    public boolean isDefault() {
        return spec == null;
    }

    public static ModelChoice choose(String cliModel, StoreEnv env) {
        if (cliModel != null && !cliModel.isBlank()) {
            return new ModelChoice(cliModel.trim(), "--model");
        }
        if (env.modelVar() != null) {
            return new ModelChoice(env.modelVar().trim(), "JLENS_MODEL");
        }
        Path settings = env.configDir().resolve(SETTINGS_FILE);
        String fromFile = readSetting(settings, "model");
        if (fromFile != null) {
            return new ModelChoice(fromFile, settings.toString());
        }
        return new ModelChoice(null, "default");
    }

    /** A key from a properties file, or null when the file or key is missing or unreadable (settings are optional). */
    static String readSetting(Path file, String key) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
        String v = p.getProperty(key);
        return v == null || v.isBlank() ? null : v.trim();
    }
}
