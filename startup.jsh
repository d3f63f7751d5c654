// jlens start-up for a stock jshell: `./jlens jshell` (or jshell --class-path ... --startup DEFAULT --startup startup.jsh).
// Opens a session on $JLENS_MODEL (a name or folder) and binds its workspace, the Java API, as `ws`:
//   ws.text("..."); ws.captureAll(HookPoint.QKV); ws.run(); ws.split(5, 1); ws.qkvDensities(1); ws.logprobs(-2, 10); ...
// `jl("...")` runs a REPL command line on the same workspace (it prints and draws); `show(x)` prints a value as
// jshell shows it (the shape and first values of an array, a record's components).
import jlens.workspace.*;
import jlens.analysis.*;
import jlens.intervene.*;
import jlens.intervene.generation.*;
import jlens.intervene.prompts.*;
import jlens.intervene.steering.*;
import jlens.model.*;
import jlens.hook.*;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
var session = jlens.repl.Jsh.session();
Workspace ws = session.workspace();
/** Runs a jlens command line, e.g. jl("hist 5"). */
void jl(String line) { jlens.repl.Jsh.line(line); }
/** Prints any value as jshell shows it here: an array's shape and first values, a record's components. */
void show(Object value) { System.out.println(jlens.repl.ValueText.of(value)); }
