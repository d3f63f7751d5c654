// Demo 2 of the notebook "LLM breakdown 5/6: Attention": QK^T.
//   ./jlens examples/demo2-qkt.jsh      (gpt2-large when it is on this machine; any GPT-2 with --model)

session.prefer("gpt2-large")
model
text "Be who you are and say what you feel,\n      because those who mind don't matter and those who matter don't mind"
hook layer all
run

// 1-2. One layer: q[1:] @ k[1:].T / sqrt(d_head) over the full d_model (no heads, no causal mask, as the
// notebook simplifies it), as a heatmap beside a scatter of its values.
session.exec("qkt " + Math.min(5, session.workspace().config().nLayer() - 1));

// 3-4. Every layer: densities of QK^T and of its row softmax, and mean and std per layer.
qkt all

// The real per-head causal attention, for comparison.
pattern 1
