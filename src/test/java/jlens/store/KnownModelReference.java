package jlens.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An independent GPT-2 forward pass in float64 on plain Java arrays, reading {@code config.json} and
 * {@code model.safetensors} itself (its own header parser and F16 decoder): embeddings, LayerNorm, causal
 * attention, tanh-GELU MLP, ln_f and the tied unembedding, written from the GPT-2 paper's definitions and sharing
 * no code with jlens's forward pass.
 */
final class KnownModelReference {
    final int nLayer;
    final int nHead;
    final int c;
    final int vocab;
    final int nPositions;
    final double eps;
    private final Map<String, double[]> t = new HashMap<>();

    /** The outputs of one pass: logits {@code [T][V]} and each head's pattern {@code [L][H][T][T]}. */
    record Pass(double[][] logits, double[][][][] patterns) {}

    KnownModelReference(Path dir) throws IOException {
        JsonObject cfg = JsonParser.parseString(Files.readString(dir.resolve("config.json"))).getAsJsonObject();
        nLayer = cfg.get("n_layer").getAsInt();
        nHead = cfg.get("n_head").getAsInt();
        c = cfg.get("n_embd").getAsInt();
        vocab = cfg.get("vocab_size").getAsInt();
        nPositions = cfg.get("n_positions").getAsInt();
        eps = cfg.get("layer_norm_epsilon").getAsDouble();
        byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) b.getLong(0);
        JsonObject header = JsonParser.parseString(new String(file, 8, headerLen, StandardCharsets.UTF_8))
                .getAsJsonObject();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject info = e.getValue().getAsJsonObject();
            long start = info.getAsJsonArray("data_offsets").get(0).getAsLong() + 8 + headerLen;
            long end = info.getAsJsonArray("data_offsets").get(1).getAsLong() + 8 + headerLen;
            String dtype = info.get("dtype").getAsString();
            double[] v;
            if (dtype.equals("F16")) {
                v = new double[(int) ((end - start) / 2)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = half(b.getShort((int) start + 2 * i));
                }
            } else if (dtype.equals("F32")) {
                v = new double[(int) ((end - start) / 4)];
                for (int i = 0; i < v.length; i++) {
                    v[i] = b.getFloat((int) start + 4 * i);
                }
            } else {
                throw new IOException("unexpected dtype " + dtype);
            }
            t.put(e.getKey(), v);
        }
    }

    /** IEEE half precision to double, from the bit layout (1 sign, 5 exponent, 10 mantissa bits). */
    static double half(short bits) {
        int s = (bits >> 15) & 1;
        int e = (bits >> 10) & 0x1f;
        int m = bits & 0x3ff;
        double v;
        if (e == 0) {
            v = m * Math.pow(2, -24);
        } else if (e == 31) {
            v = m == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else {
            v = (1 + m / 1024.0) * Math.pow(2, e - 15);
        }
        return s == 1 ? -v : v;
    }

    double[] tensor(String name) {
        double[] v = t.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return v;
    }

    Pass forward(long[] ids) {
        int n = ids.length;
        int hs = c / nHead;
        double[] wte = tensor("wte.weight");
        double[] wpe = tensor("wpe.weight");
        double[][] x = new double[n][c];
        for (int p = 0; p < n; p++) {
            for (int i = 0; i < c; i++) {
                x[p][i] = wte[(int) ids[p] * c + i] + wpe[p * c + i];
            }
        }
        double[][][][] patterns = new double[nLayer][nHead][n][n];
        for (int l = 0; l < nLayer; l++) {
            String h = "h." + l + ".";
            double[][] a = layerNorm(x, tensor(h + "ln_1.weight"), tensor(h + "ln_1.bias"));
            double[][] qkv = linear(a, tensor(h + "attn.c_attn.weight"), tensor(h + "attn.c_attn.bias"), 3 * c);
            double[][] z = new double[n][c];
            for (int head = 0; head < nHead; head++) {
                int qo = head * hs;
                int ko = c + head * hs;
                int vo = 2 * c + head * hs;
                for (int i = 0; i < n; i++) {
                    double[] s = new double[i + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        double dot = 0;
                        for (int d = 0; d < hs; d++) {
                            dot += qkv[i][qo + d] * qkv[j][ko + d];
                        }
                        s[j] = dot / Math.sqrt(hs);
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        double p = s[j] / sum;
                        patterns[l][head][i][j] = p;
                        for (int d = 0; d < hs; d++) {
                            z[i][qo + d] += p * qkv[j][vo + d];
                        }
                    }
                }
            }
            add(x, linear(z, tensor(h + "attn.c_proj.weight"), tensor(h + "attn.c_proj.bias"), c));
            double[][] m = layerNorm(x, tensor(h + "ln_2.weight"), tensor(h + "ln_2.bias"));
            double[][] f = linear(m, tensor(h + "mlp.c_fc.weight"), tensor(h + "mlp.c_fc.bias"), 4 * c);
            for (double[] row : f) {
                for (int i = 0; i < row.length; i++) {
                    double u = row[i];
                    row[i] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                }
            }
            add(x, linear(f, tensor(h + "mlp.c_proj.weight"), tensor(h + "mlp.c_proj.bias"), c));
        }
        double[][] fin = layerNorm(x, tensor("ln_f.weight"), tensor("ln_f.bias"));
        double[][] logits = new double[n][vocab];
        for (int p = 0; p < n; p++) {
            for (int v = 0; v < vocab; v++) {
                double dot = 0;
                int row = v * c;
                for (int i = 0; i < c; i++) {
                    dot += fin[p][i] * wte[row + i];
                }
                logits[p][v] = dot;
            }
        }
        return new Pass(logits, patterns);
    }

    /** log-softmax of one row. */
    static double[] logSoftmax(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : row) {
            sum += Math.exp(v - max);
        }
        double lse = max + Math.log(sum);
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i] - lse;
        }
        return out;
    }

    private double[][] layerNorm(double[][] x, double[] g, double[] b) {
        double[][] out = new double[x.length][c];
        for (int p = 0; p < x.length; p++) {
            double mean = 0;
            for (double v : x[p]) {
                mean += v / c;
            }
            double var = 0;
            for (double v : x[p]) {
                var += (v - mean) * (v - mean) / c;
            }
            double inv = 1 / Math.sqrt(var + eps);
            for (int i = 0; i < c; i++) {
                out[p][i] = (x[p][i] - mean) * inv * g[i] + b[i];
            }
        }
        return out;
    }

    /** {@code x W + b} with W stored {@code [in, out]} (GPT-2's Conv1D). */
    private static double[][] linear(double[][] x, double[] w, double[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int p = 0; p < x.length; p++) {
            double[] row = y[p];
            System.arraycopy(b, 0, row, 0, out);
            for (int i = 0; i < in; i++) {
                double xi = x[p][i];
                if (xi == 0) {
                    continue;
                }
                int base = i * out;
                for (int o = 0; o < out; o++) {
                    row[o] += xi * w[base + o];
                }
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < x[p].length; i++) {
                x[p][i] += y[p][i];
            }
        }
    }
}
