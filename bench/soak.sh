#!/usr/bin/env bash
# Long-session soak on the test fixture (issue 6): thousands of REPL commands, resident memory and DJL's NDArray
# counts after warm-up and at the end. Usage: bench/soak.sh [COMMANDS] [WARMUP]
# A fixed-size, pre-touched heap (-Xms = -Xmx, AlwaysPreTouch) keeps the heap's growing, shrinking and first touches
# out of the resident-memory numbers.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
offline=""
[[ -d "${HOME}/.m2/repository/ai/djl" ]] && offline="-o"
./mvnw -q -B $offline -DskipTests package >&2  # test classes, and target/classpath.txt
exec java -Xms512m -Xmx512m -XX:+AlwaysPreTouch -Djava.awt.headless=true -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_threads="${JLENS_THREADS:-1}" \
  -cp "target/test-classes:target/classes:$(cat target/classpath.txt)" jlens.robust.Soak "$@"
