package jlens.repl;

import java.nio.file.Files;
import java.nio.file.Path;
import jlens.model.Gpt2;

/** How the REPL turns a model name or folder into a loaded {@link Gpt2}, and which model it starts with. */
public final class Models {
    private Models() {}

    /**
     * Device and dtype for loading.
     *
     * @param device cpu or gpu
     * @param dtype  f32, f16 or bf16
     */
    /**
     * Device and dtype for loading, as typed: device auto, cpu, gpu or gpu:N; dtype f32, f16 or bf16.
     *
     * @param device null for auto
     * @param dtype  null for f32
     */
    public record Options(String device, String dtype) {
        public static Options fromEnvironment() {
            return new Options(System.getenv("JLENS_DEVICE"), System.getenv("JLENS_DTYPE"));
        }

        Gpt2.LoadOptions loadOptions() {
            try {
                return Gpt2.LoadOptions.parse(device, dtype);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
        }
    }

    /** Loads folders directly; names go through the model store. */
    public static ModelSource source(Options options) {
        return (spec, session) -> {
            Path dir = Path.of(spec);
            if (Files.isDirectory(dir)) {
                return new ModelSource.Loaded(Gpt2.load(dir, options.loadOptions()), dir.toString(), null);
            }
            if (Files.exists(dir)) {
                throw new UserError(spec + " is a file; give the model's folder (with config.json, model.safetensors, tokenizer.json)");
            }
            throw new UserError("'" + spec + "' is not a model folder, and loading models by name needs jlens.model.store, "
                    + "which this build does not have yet; give a folder");
        };
    }

    /** Loads the model named on the command line, or the default one; a failure is reported, not fatal. */
    static void loadStartupModel(Session s, String cliModel) {
        if (cliModel == null || cliModel.isBlank()) {
            return;
        }
        try {
            s.load(cliModel);
        } catch (UserError e) {
            throw e;
        } catch (Exception e) {
            throw Errors.toUserError(e, s.debug(), s.out());
        }
    }
}
