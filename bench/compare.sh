#!/usr/bin/env bash
# jlens beside the PyTorch-eager baseline (bench_pytorch.py) on the same model folder, as ratios.
#
#   bench/compare.sh MODEL_DIR [BENCH_PY] [ROUNDS] [RUNS]
#
# BENCH_PY defaults to ../shared/tools/bench_pytorch.py next to the repository. Each round runs both once,
# alternating which goes first, because these machines drift by 15-30% over minutes: only side-by-side
# numbers compare. The baseline runs with --more (greedy generation with its KV cache, a batch of 8 prompts),
# which jlens's bench times too. THREADS (default 2) sets both sides' intra-op threads. Raw JSON lines are kept in
# the folder printed at the end.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="${1:?usage: bench/compare.sh MODEL_DIR [BENCH_PY] [ROUNDS] [RUNS]}"
bench_py="${2:-$here/../shared/tools/bench_pytorch.py}"
rounds="${3:-2}"
runs="${4:-3}"
threads="${THREADS:-2}"
[[ -f "$model/config.json" ]] || { echo "compare.sh: $model has no config.json (make one with make_random_gpt2.py)" >&2; exit 1; }
[[ -f "$bench_py" ]] || { echo "compare.sh: $bench_py not found; give its path as the second argument" >&2; exit 1; }

(cd "$here" && ./mvnw -q -o -B -DskipTests package)
out="$(mktemp -d -t jlens-bench.XXXXXX)"
run_java() {
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads="$threads" \
    -cp "$here/target/classes:$(cat "$here/target/classpath.txt")" jlens.bench.Bench --model "$model" --runs "$runs"
}
run_python() {
  /usr/bin/python3 "$bench_py" "$model" --threads "$threads" --runs "$runs" --more
}
for ((r = 1; r <= rounds; r++)); do
  if ((r % 2)); then order="java python"; else order="python java"; fi
  for who in $order; do
    echo "round $r/$rounds: $who..." >&2
    "run_$who" | tail -n 1 >> "$out/$who.jsonl"
  done
done
/usr/bin/python3 "$here/bench/ratio_table.py" "$out/python.jsonl" "$out/java.jsonl"
echo "raw results: $out" >&2
