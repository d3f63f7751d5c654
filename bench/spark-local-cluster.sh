#!/usr/bin/env bash
# Exactness across the split: the same corpus tasks in-process (the REPL), on Spark local[1] and local[2], and on a
# standalone Spark cluster of a master and two workers (one core each) started here on the loopback interface, then
# every result's sums compared with the in-process ones (counts equal, floats to 1e-9 relative); last, one JSON line of
# the attention task's tokens per second in each (corpus_tokens_per_s, spark_local2_corpus_tokens_per_s, ...).
# INPROCESS_THREADS (default 1, as every Spark task) sets the REPL's intra-op threads for a speed comparison.
#
#   bench/spark-local-cluster.sh [MODEL_DIR] [CORPUS]
#
# MODEL_DIR defaults to the test fixture, CORPUS to the repository's own Markdown as one document per line (documents
# jlens refuses are skipped, in every run alike). Nothing is
# downloaded that Maven Central does not serve: the master, the workers and spark-submit's SparkSubmit run from the
# jars Maven fetched for the spark module (listed in spark/target/spark-classpath.txt), in a SPARK_HOME made of links
# to them. Every engine runs one intra-op thread, so float32 passes are the same everywhere. The cluster is stopped
# (by the process ids it started) when the script ends; logs and results stay in target/spark-cluster/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$(cd "${1:-$here/src/test/resources/tiny-gpt2}" && pwd)"
out="$here/target/spark-cluster"
rm -rf "$out"
mkdir -p "$out"
if [[ -n "${2:-}" ]]; then
  corpus="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
else
  corpus="$out/docs.txt"
  cat "$here/README.md" "$here/ARCHITECTURE.md" > "$corpus"
fi
window="${WINDOW:-32}"
group="${GROUP:-20}"
batch="${BATCH:-4}"
parts="${PARTS:-6}"

# 1. the jlens jar into target/local-repo, then the Spark module's fat jar and Spark's own jars, from Maven's cache
settings="$out/settings.xml"
sed "s#@localRepositoryUrl@#file://${HOME}/.m2/repository#" "$here/spark/it-settings.xml" > "$settings"
repo="$here/target/local-repo"
(cd "$here" && ./mvnw -q -B -s "$settings" -Dmaven.repo.local="$repo" -DskipTests install) >&2
(cd "$here/spark" && ../mvnw -q -B -s "$settings" -Dmaven.repo.local="$repo" -DskipTests package) >&2
jar="$here/spark/target/jlens-spark.jar"
spark_home="$out/spark-home"
mkdir -p "$spark_home/jars" "$spark_home/conf"
tr ':' '\n' < "$here/spark/target/spark-classpath.txt" | while read -r j; do ln -sf "$j" "$spark_home/jars/"; done
cp "$here/spark/src/main/resources/jlens-spark-log4j2.properties" "$spark_home/conf/log4j2.properties"
export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_CONF_DIR="$spark_home/conf"
opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
spark_java=(java -Xmx1g -cp "$spark_home/conf:$spark_home/jars/*" "${opens[@]}" -Dlog4j2.configurationFile="$spark_home/conf/log4j2.properties")

pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap stop EXIT

# 2. a master and two workers on 127.0.0.1
"${spark_java[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 18080 > "$out/master.log" 2>&1 &
pids+=($!)
for w in 1 2; do
  "${spark_java[@]}" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 --memory 3g --webui-port $((18080 + w)) \
    --work-dir "$out/work-$w" spark://127.0.0.1:7077 > "$out/worker-$w.log" 2>&1 &
  pids+=($!)
done
for i in $(seq 1 60); do
  alive="$(curl -s http://127.0.0.1:18080/json/ 2>/dev/null | grep -o '"aliveworkers" *: *[0-9]*' | grep -o '[0-9]*$' || true)"
  [[ "$alive" == 2 ]] && break
  sleep 1
done
[[ "$alive" == 2 ]] || { echo "spark-local-cluster: the workers did not register; see $out/*.log" >&2; exit 1; }
echo "cluster: master spark://127.0.0.1:7077, 2 workers of 1 core"

tasks=("attention" "stats --hooks z,resid_post --range -3 3 --bins 12" "detect induction --exclude-bos" "lens" "features --layer 1 --k 5")
repl_tasks=("attention" "stats z resid_post --range -3 3 --bins 12" "detect induction --exclude-bos" "lens" "features 1 --k 5")
common=(--model "$model" --corpus "$corpus" --docs line --window "$window" --group "$group" --batch "$batch" --parts "$parts" --skip-bad)

# 3. in-process: the REPL
for i in "${!tasks[@]}"; do
  name="${tasks[$i]%% *}"
  JLENS_THREADS="${INPROCESS_THREADS:-1}" "$here/jlens" --model "$model" -c "corpus $corpus --docs line --window $window --group $group --batch $batch --skip-bad" \
    -c "corpus ${repl_tasks[$i]}" -c "save $out/inprocess-$name.json --force" > "$out/inprocess-$name.log"
done
echo "in-process: $(head -1 "$out/inprocess-attention.log" | cut -c1-120)"

# 4. Spark: local[1], local[2], the standalone cluster, each through SparkSubmit as spark-submit runs it
submit() { # MASTER PREFIX
  for t in "${tasks[@]}"; do
    name="${t%% *}"
    # shellcheck disable=SC2086
    "${spark_java[@]/-Xmx1g/-Xmx2g}" -Dai.djl.pytorch.num_threads=1 -Dai.djl.offline=true \
      org.apache.spark.deploy.SparkSubmit --master "$1" --class jlens.spark.CorpusJob \
      --conf spark.executor.extraJavaOptions="-Dai.djl.pytorch.num_threads=1 -Dai.djl.offline=true" \
      --conf spark.executor.memory=2g --conf spark.ui.enabled=false --conf spark.driver.host=127.0.0.1 \
      "$jar" $t "${common[@]}" --out "$out/$2-$name.json" > "$out/$2-$name.log" 2> "$out/$2-$name.err"
  done
  echo "$2: $(head -1 "$out/$2-attention.log" | cut -c1-140)"
}
submit "local[1]" local1
submit "local[2]" local2
submit "spark://127.0.0.1:7077" cluster

# 5. the sums against the in-process ones
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def sums(path):
    with open(path) as f:
        r = json.load(f)["result"]
    return r["sums"], r["info"]
def diff(a, b, where, worst):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a: diff(a[k], b[k], where + "." + k, worst)
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)): diff(x, y, where, worst)
    elif isinstance(a, bool) or isinstance(a, str) or a is None:
        assert a == b, where
    elif isinstance(a, int) and isinstance(b, int):
        assert a == b, f"{where}: {a} != {b}"
    else:
        d = abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0
        worst[0] = max(worst[0], d)
ok = True
for task in ["attention", "stats", "detect", "lens", "features"]:
    ref, info = sums(os.path.join(out, f"inprocess-{task}.json"))
    line = f"{task:10s} {info['tokens']:>8,} tokens in {info['windows']} windows:"
    for run in ["local1", "local2", "cluster"]:
        s, i = sums(os.path.join(out, f"{run}-{task}.json"))
        worst = [0.0]
        try:
            diff(ref, s, task, worst)
            same = worst[0] <= 1e-9
        except AssertionError as e:
            same, worst[0] = False, float("nan")
            print("  differs:", e)
        ok &= same
        line += f"  {run} max rel diff {worst[0]:.1e}{'' if same else ' (OVER 1e-9)'} ({i['seconds']:.1f} s)"
    print(line)
print("all runs equal the in-process sums within 1e-9" if ok else "SOME RUNS DIFFER")
# speed of the attention task: tokens per second of each run (Spark's from the job's start: indexing, executors
# loading the model, the merge), and Spark local[2]'s overhead against in-process
speed = {}
for run, key in [("inprocess", "corpus_tokens_per_s"), ("local1", "spark_local1_corpus_tokens_per_s"),
                 ("local2", "spark_local2_corpus_tokens_per_s"), ("cluster", "spark_cluster_corpus_tokens_per_s")]:
    s, i = sums(os.path.join(out, f"{run}-attention.json"))
    speed[key] = round(i["tokens"] / i["seconds"], 1) if i["seconds"] > 0 else None
if speed["corpus_tokens_per_s"] and speed["spark_local2_corpus_tokens_per_s"]:
    speed["spark_local2_time_over_inprocess"] = round(speed["corpus_tokens_per_s"] / speed["spark_local2_corpus_tokens_per_s"], 2)
print(json.dumps(speed))
sys.exit(0 if ok else 1)
PY
