package jlens.repl;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
    public record Options(String device, String dtype) {
        public Options {
            device = device == null ? "cpu" : device.toLowerCase(Locale.ROOT);
            dtype = dtype == null ? "f32" : dtype.toLowerCase(Locale.ROOT);
            if (!device.equals("cpu") && !device.equals("gpu")) {
                throw new UserError("--device takes cpu or gpu, not '" + device + "'");
            }
            if (!dtype.equals("f32") && !dtype.equals("f16") && !dtype.equals("bf16")) {
                throw new UserError("--dtype takes f32, f16 or bf16, not '" + dtype + "'");
            }
        }

        public static Options fromEnvironment() {
            return new Options(System.getenv("JLENS_DEVICE"), System.getenv("JLENS_DTYPE"));
        }

        Gpt2.LoadOptions loadOptions() {
            Device d = device.equals("gpu") ? Device.gpu() : Device.cpu();
            DataType t = switch (dtype) {
                case "f16" -> DataType.FLOAT16;
                case "bf16" -> DataType.BFLOAT16;
                default -> DataType.FLOAT32;
            };
            return new Gpt2.LoadOptions(d, t);
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
