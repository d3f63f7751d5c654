// The Java API from JShell: what the commands do, written by hand.
//   ./jlens examples/java-api.jsh     or, in a stock jshell:  ./jlens jshell, then /open examples/java-api.jsh
import jlens.analysis.*;
import jlens.hook.*;
import jlens.model.*;

Gpt2 model = session.model();
long[] ids = model.tokenizer().encode("The quick brown fox jumps over the lazy dog");
System.out.println(ids.length + " tokens: " + Arrays.toString(model.tokenizer().pieces(ids)));

// One forward pass capturing two hook points (exact or short names); the cache owns their memory.
try (Gpt2.Run run = model.run(ids, List.of("blocks.0.attn.hook_qkv", "pattern 0"))) {
    QkvSplit split = QkvSplitter.split(run.cache(), model.config(), 0, 1);
    System.out.println("layer 0 Q " + Arrays.toString(split.shape()));
    HeadAttention.Matrix p = HeadAttention.pattern(run.cache(), model.config(), 0, 0);
    System.out.printf("head 0 attends from the last token to the first with weight %.3f%n", p.get(ids.length - 1, 0));
    LogProbs.AtPosition lp = LogProbs.at(run.logits(), ids, model.tokenizer(), -2, 3);
    System.out.println("most likely last token: '" + lp.top().get(0).token() + "'; the real one, '" + lp.next().token()
            + "', has rank " + lp.next().rank());
}

// Commands and Java share the session: run a command, then read its result as a record.
session.exec("text \"Hello world, hello jlens\"");
session.exec("logprobs");
var last = (LogProbs.AtPosition) session.lastResult().value();
System.out.println("rank of the real next token: " + last.next().rank());
