#!/usr/bin/env bash
# GPU check: the fixture's reference numbers on CUDA, then a timed forward pass of a large model folder.
#
#   bench/gpu-check.sh [MODEL_DIR]
#
# jlens ships CPU natives only; DJL takes CUDA natives from PYTORCH_LIBRARY_PATH, a libtorch 2.7.1 built for
# CUDA 12.8 (for instance the lib/ folder of a `pip install torch==2.7.1` on a CUDA 12.8 machine). This script
# finds one if PYTORCH_LIBRARY_PATH is unset, then runs the reference test with --device gpu in f32 and f16.
set -uo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "nvidia-smi: none"
if [[ -z "${PYTORCH_LIBRARY_PATH:-}" ]]; then
  found=$(find / -name libtorch_cuda.so -path "*torch/lib/*" 2>/dev/null | head -n 1)
  if [[ -z "$found" ]]; then
    echo "no CUDA libtorch found: set PYTORCH_LIBRARY_PATH to a libtorch 2.7.1 (cu128) lib folder" >&2
    exit 3
  fi
  export PYTORCH_LIBRARY_PATH=$(dirname "$found")
fi
export PYTORCH_VERSION=${PYTORCH_VERSION:-2.7.1} PYTORCH_FLAVOR=${PYTORCH_FLAVOR:-cu128}
echo "PYTORCH_LIBRARY_PATH=$PYTORCH_LIBRARY_PATH"
./mvnw -q -B -o -DskipTests package || exit 1
./mvnw -q -B -o test -Dtest=Gpt2ReferenceTest -Djlens.test.device=gpu -Dsurefire.failIfNoSpecifiedTests=false \
  && echo "reference (gpu, f32): passed" || echo "reference (gpu, f32): FAILED"
./mvnw -q -B -o test -Dtest=Gpt2ReferenceTest -Djlens.test.device=gpu -Djlens.test.dtype=f16 -Djlens.test.tolerance=2e-2 \
  && echo "reference (gpu, f16, 2e-2): passed" || echo "reference (gpu, f16, 2e-2): FAILED"
if [[ -n "${1:-}" ]]; then
  java -Dai.djl.offline=true -cp "target/classes:$(cat target/classpath.txt)" jlens.bench.Bench --model "$1" --device gpu --runs 5
fi
