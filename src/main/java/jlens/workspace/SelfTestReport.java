package jlens.workspace;

import java.util.List;

/** Every selftest check, in the order run, and the device and dtype they ran on. */
public record SelfTestReport(String device, String dtype, List<SelfTestCheck> checks) {
    public boolean passed() {
        return checks.stream().allMatch(SelfTestCheck::passed);
    }

    public long failures() {
        return checks.stream().filter(c -> !c.passed()).count();
    }
}
