package jlens.repl;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;

/**
 * An embedded JShell running in this JVM ({@code executionEngine("local")}), so snippets see the very session
 * objects the REPL uses: {@code session} is bound to the current {@link Session}. Errors come back as one
 * readable {@link UserError}.
 */
final class JavaShell implements AutoCloseable {
    /** Imports and bindings every snippet sees. */
    static final List<String> PRELUDE = List.of(
            "import jlens.repl.*;", "import jlens.workspace.*;", "import jlens.analysis.*;", "import jlens.intervene.*;",
            "import jlens.intervene.generation.*;", "import jlens.intervene.prompts.*;", "import jlens.model.*;", "import jlens.hook.*;",
            "import ai.djl.ndarray.*;", "import ai.djl.ndarray.types.*;", "import java.util.*;",
            "import java.nio.file.*;",
            "var session = jlens.repl.Jsh.session();", "var ws = session.workspace();");

    private final JShell shell;
    private final Session session;

    JavaShell(Session session) {
        this.session = session;
        Jsh.set(session);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        // JShell's local engine, values shown through ValueText (shape and first values, a record's components)
        this.shell = JShell.builder().executionEngine(JshellValues.localProvider(), java.util.Map.of())
                .out(new PrintStream(sink)).err(new PrintStream(sink)).build();
        shell.addToClasspath(System.getProperty("java.class.path"));
        for (String line : PRELUDE) {
            List<SnippetEvent> events = shell.eval(line);
            for (SnippetEvent e : events) {
                if (e.status() == Snippet.Status.REJECTED) {
                    throw new IllegalStateException("JShell prelude failed on " + line + ": " + diagnostics(e.snippet()));
                }
            }
        }
    }

    /**
     * The compiler's thread. javac parses and attributes an expression by recursion, one level per operator: a
     * few KB of {@code 1+1+...} overflowed a default 1 MB stack (an Error that ended the REPL). JShell's work runs
     * here, on a stack of {@link #COMPILER_STACK} bytes (reserved address space; pages are used only as deep
     * as the compiler goes).
     */
    private static final long COMPILER_STACK = 1L << 30;
    private final java.util.concurrent.ExecutorService compiler = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "jlens-java", COMPILER_STACK);
        t.setDaemon(true);
        return t;
    });

    /**
     * Runs {@code work} on the compiler's thread and waits for it. An interrupt (Ctrl-C) stops the snippet and
     * keeps waiting for JShell to give back; javac's own report of a crash (printed to System.err) is kept off
     * the terminal; its Errors come back as one line.
     */
    private <T> T onCompilerThread(java.util.concurrent.Callable<T> work) {
        java.util.concurrent.Future<T> job = compiler.submit(() -> {
            PrintStream savedErr = System.err;
            System.setErr(new PrintStream(OutputStream.nullOutputStream()));
            try {
                return work.call();
            } finally {
                System.setErr(savedErr);
            }
        });
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return job.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    shell.stop();
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof StackOverflowError || String.valueOf(cause.getMessage()).contains("StackOverflowError")) {
                throw new UserError("the Java is nested too deeply for the compiler; split it into smaller statements");
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether {@code source} needs more lines to be a complete snippet (an open brace, a broken-off expression). */
    boolean isIncomplete(String source) {
        SourceCodeAnalysis.Completeness c = onCompilerThread(() -> shell.sourceCodeAnalysis().analyzeCompletion(source))
                .completeness();
        return c == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE;
    }

    /**
     * A call that would end the JVM, and with it the session and every unsaved result: refused, as 'quit' is the
     * way out. (Reflection can still reach it; this catches what is typed.)
     */
    private static final java.util.regex.Pattern EXIT = java.util.regex.Pattern.compile(
            "\\b(System\\s*\\.\\s*exit|Runtime\\s*\\.\\s*getRuntime\\s*\\(\\s*\\)\\s*\\.\\s*(exit|halt))\\s*\\(");

    static boolean callsExit(String snippet) {
        // string and char literals and comments cannot call anything
        // (unrolled loops: a group repeated per character recurses per character in java.util.regex)
        String code = snippet.replaceAll("\"[^\"\\\\]*+(?:\\\\.[^\"\\\\]*+)*+\"|'[^'\\\\]*+(?:\\\\.[^'\\\\]*+)*+'"
                + "|//[^\\n]*+|/\\*(?s:.*?)\\*/", " ");
        return EXIT.matcher(code).find();
    }

    /** Evaluates one or more complete snippets; prints values as jshell does ({@code x ==> 5}). */
    void eval(String source, boolean echo) {
        if (callsExit(source)) {
            throw new UserError("System.exit would end jlens and lose the session; type 'quit' to leave");
        }
        String remaining = source;
        while (!remaining.isBlank()) {
            String rest = remaining;
            SourceCodeAnalysis.CompletionInfo info = onCompilerThread(() -> shell.sourceCodeAnalysis().analyzeCompletion(rest));
            if (info.completeness() == SourceCodeAnalysis.Completeness.DEFINITELY_INCOMPLETE) {
                throw new UserError("incomplete Java: " + oneLine(remaining) + " (a brace or parenthesis is not closed)");
            }
            String snippet = info.source() == null || info.source().isEmpty() ? remaining : info.source();
            evalOne(snippet, echo);
            remaining = info.remaining() == null ? "" : info.remaining();
        }
    }

    private void evalOne(String snippet, boolean echo) {
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        List<SnippetEvent> events;
        // Snippets run in this JVM: route their System.out into the session's output for the call.
        System.setOut(capture);
        System.setErr(capture);
        try {
            events = onCompilerThread(() -> shell.eval(snippet));
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
            capture.flush();
            String printed = captured.toString(StandardCharsets.UTF_8);
            if (!printed.isEmpty()) {
                session.out().print(printed);
                session.out().flush();
            }
        }
        if (session.cancelRequested()) {
            throw new java.util.concurrent.CancellationException("cancelled"); // JShell stopped the snippet on Ctrl-C
        }
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue; // an update of a dependent snippet, not what the user typed
            }
            if (e.status() == Snippet.Status.REJECTED) {
                throw new UserError(diagnostics(e.snippet()));
            }
            if (e.exception() != null) {
                throw new UserError(describe(e.exception()));
            }
            if (e.status() == Snippet.Status.RECOVERABLE_NOT_DEFINED || e.status() == Snippet.Status.RECOVERABLE_DEFINED) {
                List<String> unresolved = shell.unresolvedDependencies((jdk.jshell.DeclarationSnippet) e.snippet())
                        .collect(Collectors.toList());
                throw new UserError("cannot find " + String.join(", ", unresolved));
            }
            if (echo && e.value() != null && shows(e.snippet())) {
                session.println(name(e.snippet()) + " ==> " + e.value());
            }
        }
    }

    private static boolean shows(Snippet s) {
        return switch (s.kind()) {
            case EXPRESSION, VAR -> true;
            default -> false;
        };
    }

    private static String name(Snippet s) {
        if (s instanceof jdk.jshell.VarSnippet v) {
            return v.name();
        }
        if (s instanceof jdk.jshell.ExpressionSnippet x) {
            return x.name();
        }
        return s.id();
    }

    private String diagnostics(Snippet s) {
        List<String> out = new ArrayList<>();
        shell.diagnostics(s).forEach(d -> out.add(describe(d, s.source())));
        return out.isEmpty() ? "Java error in: " + oneLine(s.source()) : String.join("; ", out);
    }

    private static String describe(Diag d, String source) {
        String msg = Errors.firstLine(d.getMessage(Locale.ROOT));
        long pos = d.getStartPosition();
        String near = pos >= 0 && pos < source.length() ? " at '" + oneLine(source.substring((int) pos,
                (int) Math.min(source.length(), Math.max(pos + 1, d.getEndPosition())))) + "'" : "";
        return "Java: " + msg + near;
    }

    private static String describe(Exception e) {
        if (e instanceof EvalException ee) {
            String cls = ee.getExceptionClassName();
            String simple = cls.substring(cls.lastIndexOf('.') + 1);
            if (simple.equals("UserError") || cls.startsWith("jlens.workspace.")) {
                return ee.getMessage();
            }
            String said = "Java threw " + simple + (ee.getMessage() == null ? "" : ": " + Errors.firstLine(ee.getMessage()));
            if (simple.equals("IllegalStateException") && String.valueOf(ee.getMessage()).contains("released")) {
                // an array of a run that a later run replaced (the workspace frees it): say how to keep one
                said += " (an array of an earlier run; ws.activation(name, manager) gives a copy to keep)";
            }
            return said;
        }
        if (e instanceof UnresolvedReferenceException u) {
            return "cannot use " + u.getSnippet().source().strip() + ": it refers to something not defined";
        }
        return "Java: " + e.getMessage();
    }

    private static String oneLine(String s) {
        String t = s.strip().replace('\n', ' ');
        return t.length() > 60 ? t.substring(0, 57) + "..." : t;
    }

    /** Stops a running snippet (Ctrl-C). */
    void stop() {
        shell.stop();
    }

    @Override
    public void close() {
        compiler.shutdownNow();
        shell.close();
    }
}
