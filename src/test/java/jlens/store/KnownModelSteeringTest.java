package jlens.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import jlens.hook.HookPoint;
import jlens.intervene.steering.SteeringVector;
import jlens.model.Gpt2;
import jlens.workspace.LoadedModel;
import jlens.workspace.Workspace;
import org.junit.jupiter.api.Test;

/**
 * Steering on the known-answer model: a vector along one token's direction in the OUTPUT block (where ln_f reads
 * predictions, with weight +G) added to the final residual moves that token's logit by what ln_f's formula gives by
 * hand, and makes it the prediction.
 */
class KnownModelSteeringTest {
    @Test
    void aVectorTowardATokensOutputDirectionMovesItsLogitAsComputedByHand() {
        Workspace ws = new Workspace(spec -> new LoadedModel(Gpt2.load(KnownModelFixture.dir()), "known", null));
        try (ws; NDManager m = NDManager.newBaseManager()) {
            ws.load("known");
            ws.text("The cat sat on a mat and looked at the"); // no token repeats: nothing to copy, every logit near 0
            Gpt2 model = ws.model();
            int c = model.config().nEmbd();
            long x = model.tokenizer().encode(" dog")[0];
            float[] wte = model.weights().tokenRow(x, m).toFloatArray(); // [C]: the token vector in TOKEN and OUTPUT
            float[] v = new float[c];
            for (int i = 0; i < KnownResidual.D_TOKEN; i++) {
                v[KnownResidual.OUTPUT + i] = wte[KnownResidual.OUTPUT + i];
            }
            double alpha = 0.75;
            int last = model.config().nLayer() - 1;
            String finalResid = HookPoint.block(last, HookPoint.RESID_POST);
            ws.capture(finalResid);
            ws.run();
            int t = ws.ids().length;
            float[] resid = ws.activation(finalResid, m).get(0, t - 1).toFloatArray(); // [C], unsteered
            double before = ws.logits(m).getFloat(0, t - 1, x);

            ws.steer(new SteeringVector("toward \" dog\"", HookPoint.RESID_POST, last, v, new long[] {c}, alpha));
            ws.run();
            double after = ws.logits(m).getFloat(0, t - 1, x);

            // ln_f by hand on the steered final residual, then the tied unembedding's row of " dog"
            float[] gamma = model.weights().finalNormWeight();
            float[] beta = model.weights().finalNormBias();
            double[] y = new double[c];
            double mean = 0;
            for (int k = 0; k < c; k++) {
                y[k] = resid[k] + alpha * v[k];
                mean += y[k] / c;
            }
            double var = 0;
            for (int k = 0; k < c; k++) {
                var += (y[k] - mean) * (y[k] - mean) / c;
            }
            double sigma = Math.sqrt(var + model.config().layerNormEps());
            double expected = 0;
            for (int k = 0; k < c; k++) {
                expected += (gamma[k] * (y[k] - mean) / sigma + beta[k]) * wte[k];
            }
            assertEquals(expected, after, 1e-3 * Math.max(1, Math.abs(expected)));
            // and in the model's own constants: the OUTPUT block's weight G times alpha |h|^2 over the scale, the token
            // vector's two copies cancelling in the unsteered part
            double g = gamma[KnownResidual.OUTPUT];
            double byConstants = before + g * alpha * KnownResidual.TOKEN_NORM_SQ / sigma;
            assertEquals(byConstants, after, 0.05 * Math.abs(after - before));
            assertTrue(after - before > 5, "the logit moved by " + (after - before));
            NDArray row = ws.logits(m).get(0, t - 1);
            assertEquals(x, row.argMax().getLong(), "the steered model predicts \" dog\"");
        }
    }
}
