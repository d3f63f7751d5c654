package jlens;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** A child process's output, collected as it comes by a daemon thread (tests that talk to a REPL process). */
public final class ProcessOutput {
    private final StringBuffer text = new StringBuffer();
    private final Thread reader;

    private ProcessOutput(Process p) {
        reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) {
                    text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts collecting {@code p}'s standard output. */
    public static ProcessOutput of(Process p) {
        return new ProcessOutput(p);
    }

    /** Everything read so far. */
    public String text() {
        return text.toString();
    }

    /** Waits (at most {@code millis}) for the output to end. */
    public void join(long millis) throws InterruptedException {
        reader.join(millis);
    }
}
