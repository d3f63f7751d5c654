// The Java API from JShell: the workspace `ws` the commands use, called directly.
//   ./jlens examples/java-api.jsh     or, in a stock jshell:  ./jlens jshell, then /open examples/java-api.jsh
import jlens.analysis.*;
import jlens.hook.*;
import jlens.workspace.*;

ws.text("The quick brown fox jumps over the lazy dog");
long[] ids = ws.ids();
System.out.println(ids.length + " tokens: " + Arrays.toString(ws.tokenPieces()));

// One forward pass capturing two hook points (exact or short names); the workspace owns their memory.
ws.capture("blocks.0.attn.hook_qkv", "pattern 0");
ws.run();
QkvSplit split = ws.split(0, 1);
System.out.println("layer 0 Q " + Arrays.toString(split.shape()));
HeadAttention.Matrix p = ws.attention(0, 0, AttentionKind.PATTERN);
System.out.printf("head 0 attends from the last token to the first with weight %.3f%n", p.get(ids.length - 1, 0));
LogProbs.AtPosition lp = ws.logprobs(-2, 3);
System.out.println("most likely last token: '" + lp.top().get(0).token() + "'; the real one, '" + lp.next().token()
        + "', has rank " + lp.next().rank());
ws.uncapture();

// Commands and Java share the workspace: run a command, then read its result as a record.
session.exec("text \"Hello world, hello jlens\"");
session.exec("logprobs");
var last = ws.lastResult(LogProbs.AtPosition.class);
System.out.println("rank of the real next token: " + last.next().rank());
