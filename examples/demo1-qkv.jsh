// Demo 1 of the notebook "LLM breakdown 5/6: Attention": Q, K and V activations.
//   ./jlens examples/demo1-qkv.jsh                        gpt2-large when it is on this machine
//   ./jlens --model gpt2 examples/demo1-qkv.jsh           any GPT-2
// Lines are REPL commands; the lines with Java (';' or parentheses) run in JShell with `session` in scope.

session.prefer("gpt2-large")
model
text "Be who you are and say what you feel,\n      because those who mind don't matter and those who matter don't mind"

// 1. A hook on attn.c_attn in every layer; one forward pass fills them all.
hook layer all
run
hooks

// 2. Layer 5 (the last layer on a smaller model) split into Q, K and V.
session.exec("set layer " + Math.min(5, session.workspace().config().nLayer() - 1));
split qkv

// 3. Density histograms of that layer's Q, K and V (100 bins each, position 0 left out as in the notebook).
hist

// 4-5. Every layer on common edges (100 bins on [-5, 5]): three layer x value heatmaps.
hist all

// 4 and 6. Unbiased variance of Q, K and V per layer, and its line plot.
var
