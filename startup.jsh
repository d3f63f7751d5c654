// jlens start-up for a stock jshell: `./jlens jshell` (or jshell --class-path ... --startup DEFAULT --startup startup.jsh).
// Imports the API, opens a session on $JLENS_MODEL (a name or folder), and gives `jl("...")` to run REPL commands.
import jlens.repl.*;
import jlens.model.*;
import jlens.hook.*;
import ai.djl.ndarray.*;
import ai.djl.ndarray.types.*;
var session = Jsh.session();
/** Runs a jlens command line, e.g. jl("hist 5"). */
void jl(String line) { session.exec(line); }
