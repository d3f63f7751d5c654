// Demo 3 of the notebook "LLM breakdown 5/6: Attention": head ablation.
//   ./jlens examples/demo3-ablation.jsh      (gpt2-large when it is on this machine; any GPT-2 with --model)

session.prefer("gpt2-large")
model
text "Be who you are and say what you feel,\n      because those who mind don't matter and those who matter don't mind"
hook layer all
run

// 1. Layer 9's Q split into heads (the last layer and head on a smaller model).
int layer = Math.min(9, session.workspace().config().nLayer() - 1);
int head = Math.min(4, session.workspace().config().nHead() - 1);
session.exec("split heads " + layer + " q");

// 2. No hooks; the clean run's log-softmax at position -2 over the whole vocabulary, real last token marked.
unhook
run
logprobs -2

// 3-4. Head 4 zeroed at token -2, one layer at a time: log-prob of the last token per layer against the
// clean value (a dashed line), with probabilities in the table.
session.exec("ablate head " + head + " token -2");

// Every layer x head at once (the fast sweep), as a grid.
ablate head all token -2
