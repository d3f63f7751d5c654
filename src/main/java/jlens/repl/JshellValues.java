package jlens.repl;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.execution.RemoteExecutionControl;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * How JShell shows values here: through {@link ValueText}, so an array shows its shape and first values and a
 * result record its components, in the REPL's embedded JShell and in {@code ./jlens jshell} alike.
 *
 * <p>JShell turns a snippet's value into text where the snippet runs, in its execution engine
 * ({@code DirectExecutionControl.valueString}, a static method). The engines here are JShell's own (the local one
 * in the REPL, the remote one of a stock {@code jshell}) with one change: the snippet's method is called through
 * {@link #capture()}, which keeps the value it returns, so the text can be made from the value itself. Everything
 * else (threads, Ctrl-C, exceptions) is the engine's: an exception thrown by the snippet reaches it exactly as
 * before, as the cause of the same {@link InvocationTargetException}.
 */
public final class JshellValues {
    private static final Object NONE = new Object();
    private static final Method CAPTURE;

    static {
        try {
            CAPTURE = JshellValues.class.getMethod("capture");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The snippet method {@link #capture()} calls next, and what it returned (one snippet runs at a time). */
    private static volatile Method pending;
    private static volatile Object returned = NONE;

    private JshellValues() {}

    /** Runs the pending snippet method, keeping its value. Public: JShell's engine calls it reflectively. */
    public static Object capture() throws Throwable {
        try {
            Object value = pending.invoke(null);
            returned = value;
            return value;
        } catch (InvocationTargetException e) {
            throw e.getCause(); // the engine wraps it again: the same exception it would have seen
        }
    }

    /** The engine's own invocation of {@code snippet}, through {@link #capture()}. */
    @FunctionalInterface
    interface Invocation {
        String invoke(Method method) throws Exception;
    }

    /** The text for a snippet's value: {@link ValueText}'s where it says more than JShell's {@code shown}. */
    static String invoke(Method snippet, Invocation engine) throws Exception {
        pending = snippet;
        returned = NONE;
        try {
            String shown = engine.invoke(CAPTURE);
            Object value = returned;
            return value == NONE ? shown : text(value, shown);
        } finally {
            pending = null;
            returned = NONE;
        }
    }

    private static String text(Object value, String shown) {
        try {
            return ValueText.improves(value) ? ValueText.of(value) : shown;
        } catch (RuntimeException | StackOverflowError e) {
            return shown; // the value's own text, as JShell would have shown it
        }
    }

    /** JShell's local engine (snippets run in this JVM, as the REPL's do), showing values through ValueText. */
    static final class Local extends LocalExecutionControl {
        @Override
        protected String invoke(Method doitMethod) throws Exception {
            return JshellValues.invoke(doitMethod, super::invoke);
        }
    }

    /** The provider for {@code JShell.builder().executionEngine(...)}. */
    static ExecutionControlProvider localProvider() {
        return new ExecutionControlProvider() {
            @Override
            public String name() {
                return "jlens-local";
            }

            @Override
            public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
                return new Local();
            }
        };
    }

    /**
     * The remote agent of {@code ./jlens jshell} ({@code jshell --execution "jdi:remoteAgent(jlens.repl.JshellValues$Agent)"}):
     * JShell's {@code RemoteExecutionControl}, started as its own {@code main} starts it.
     */
    public static final class Agent extends RemoteExecutionControl {
        @Override
        protected String invoke(Method doitMethod) throws Exception {
            return JshellValues.invoke(doitMethod, super::invoke);
        }

        public static void main(String[] args) throws Exception {
            Socket socket = new Socket((String) null, Integer.parseInt(args[0]));
            Map<String, Consumer<OutputStream>> outputs = new HashMap<>();
            outputs.put("out", st -> System.setOut(new PrintStream(st, true, StandardCharsets.UTF_8)));
            outputs.put("err", st -> System.setErr(new PrintStream(st, true, StandardCharsets.UTF_8)));
            Map<String, Consumer<InputStream>> inputs = new HashMap<>();
            inputs.put("in", System::setIn);
            Util.forwardExecutionControlAndIO(new Agent(), socket.getInputStream(), socket.getOutputStream(), outputs, inputs);
        }
    }
}
