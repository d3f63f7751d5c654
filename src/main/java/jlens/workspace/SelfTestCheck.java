package jlens.workspace;

/** One selftest check: its name, whether it held, and the numbers that say so. */
public record SelfTestCheck(String name, boolean passed, String detail) {
    /** {@code PASS name: detail} or {@code FAIL name: detail}. */
    public String line() {
        return (passed ? "PASS " : "FAIL ") + name + ": " + detail;
    }
}
