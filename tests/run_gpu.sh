#!/usr/bin/env bash
# The GPU suite and benches, for a machine with an NVIDIA GPU (CI has none), in one command that ends
# inside the device tool's 10 minutes (GPU_BUDGET_S, default 540 s, from the start):
#  1. builds chainrule with CUDA required (CHAINRULE_CUDA=ON) for this GPU's architecture alone, offline
#     (the lent GPU machines have no network): pip --no-index --no-deps --no-build-isolation. The build
#     needs scikit-build-core, pybind11, CMake, Ninja and scipy-openblas32; the lent machines lack only
#     scipy-openblas32, so a folder .whl/ of wheels (git-ignored, named in the
#     device tool's carry) is installed first when present. Make it once with
#       python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#         --platform manylinux_2_28_x86_64 -d .whl scipy-openblas32
#  2. runs each GPU test file (test_cuda_*.py, the device-fixture files test_*_device.py, the special
#     functions and the digits example) in its own process under a timeout, so that a crash, a hang or a
#     CUDA error that poisons the process's context shows in that file alone; a file that hit a device
#     fault (illegal address, launch failure) is run again with CUDA_LAUNCH_BLOCKING=1, stopping at its
#     first failure, so the log names the kernel that faulted;
#  3. runs the GPU benches (bench_gpu.py, bench_matmul/conv/train.py --device cuda), each under a timeout,
#     while time is left;
#  4. ends with a summary: each step's result and pytest's summary line, every FAILED test, and the
#     tail of each file that crashed or ran out of time. Full logs go to build/gpu-logs, and, where the
#     device tool's $OUT is set, into $OUT/run_gpu.log.
# The C++ GoogleTests are not run here: they test host code, need libgtest (absent on the GPU
# machines), and tests/run.sh runs them on every machine. Exit status 1 if anything failed.
# Environment: PYTHON (default python3), GPU_BUDGET_S, CUDA_ARCHS (default: the GPU's, from PyTorch).
set -uo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
BUDGET=${GPU_BUDGET_S:-540}
LOGS=build/gpu-logs
mkdir -p "$LOGS"
rm -f "$LOGS"/*.log
export PYTHONUNBUFFERED=1 COLUMNS=240  # pytest's lines, FAILED reasons among them, this wide
START=$SECONDS
status=0
summary=()
unfinished=()  # logs of the files that crashed or ran out of time

left() { echo $((BUDGET - (SECONDS - START))); }
# The timeout for a step that may take up to $1 seconds: what is left of the budget if less.
step_limit() { local l; l=$(left); echo $((l < $1 ? l : $1)); }
note() { summary+=("$1"); }

# ---- 1. build ------------------------------------------------------------------------------------
if compgen -G ".whl/*.whl" >/dev/null; then
  $PY -m pip install -q --root-user-action=ignore --no-index --no-deps .whl/*.whl || echo "run_gpu.sh: .whl/ install failed"
fi
$PY -c 'import scipy_openblas32' 2>/dev/null || {
  echo "run_gpu.sh: scipy-openblas32 is missing and cannot be fetched here: carry a .whl/ folder (see the header)"
  exit 1
}
$PY -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(sysconfig.get_paths()["include"] + "/Python.h"))' ||
  echo "run_gpu.sh: warning: no Python.h for $PY; the extension's build needs the Python headers"
archs=${CUDA_ARCHS:-$($PY -c 'import torch; m, n = torch.cuda.get_device_capability(); print(f"{m}{n}")' 2>/dev/null \
  || echo "80;90")}
echo "run_gpu.sh: building chainrule with CUDA for sm_$archs ($(left) s of the budget left)"
if ! $PY -m pip install -q --root-user-action=ignore --no-index --no-deps --no-build-isolation \
    -C cmake.define.CHAINRULE_CUDA=ON -C "cmake.define.CMAKE_CUDA_ARCHITECTURES=$archs" . >"$LOGS/build.log" 2>&1; then
  tail -n 60 "$LOGS/build.log"
  echo "run_gpu.sh: the build failed (log: $LOGS/build.log)"
  [ -n "${OUT:-}" ] && cp "$LOGS/build.log" "$OUT/run_gpu.log"
  exit 1
fi
echo "run_gpu.sh: built in $((SECONDS - START)) s"

has_cublas='import glob, site, sys; sys.exit(not any(glob.glob(p + "/nvidia/cu13/lib/libcublas.so.13") for p in site.getsitepackages()))'
$PY -c "$has_cublas" || echo "run_gpu.sh: no nvidia-cublas wheel; GPU products need libcublas.so.13 on the loader's path"
if ! $PY -c 'import chainrule as cr, sys; print("GPU:", cr.cuda.get_device_name() if cr.cuda.is_available() else None); sys.exit(not cr.cuda.is_available())'; then
  echo "run_gpu.sh: chainrule sees no GPU"
  exit 1
fi

# ---- 2. tests, one process per file --------------------------------------------------------------
timeout_plugin=()
$PY -c 'import pytest_timeout' 2>/dev/null && timeout_plugin=(--timeout=120)
device_fault='illegal memory access|unspecified launch failure|misaligned address|illegal instruction|device-side assert'

# run_file FILE LOG [extra pytest args...]: pytest on FILE under the time left (-v: a crash's log ends
# at the test that was running); echoes its exit status, or 200 when no time was left to start it.
run_file() {
  local file=$1 log=$2 limit
  shift 2
  limit=$(step_limit 180)
  if [ "$limit" -lt 15 ]; then
    echo "not run: out of time" >"$log"
    echo 200
    return
  fi
  timeout -k 10 "$limit" $PY -m pytest -v -rfEs -p no:cacheprovider "${timeout_plugin[@]}" "$@" "$file" >"$log" 2>&1
  echo $?
}

files=(tests/test_cuda_*.py tests/test_*_device.py tests/test_device.py tests/test_special.py
       tests/test_example_explain_digits.py)
for file in "${files[@]}"; do
  name=$(basename "$file" .py)
  log="$LOGS/$name.log"
  rc=$(run_file "$file" "$log")
  last=$(grep -E '(passed|failed|error|skipped|deselected|no tests ran)' "$log" | tail -n 1 | tr -d '=' | sed 's/^ *//; s/ *$//')
  case $rc in
    0) note "ok      $name: $last" ;;
    1) note "FAILED  $name: $last"; status=1 ;;
    200) note "NOT RUN $name: out of time"; status=1 ;;
    2|3|4|5) note "ERROR   $name (pytest rc $rc): $last"; status=1 ;;
    124|137) note "TIMEOUT $name (rc $rc): $last"; status=1; unfinished+=("$log") ;;
    *) note "CRASH   $name (rc $rc): $last"; status=1; unfinished+=("$log") ;;
  esac
  echo "${summary[-1]}"
  if [ "$rc" != 0 ] && grep -qE "$device_fault" "$log"; then
    rc=$(CUDA_LAUNCH_BLOCKING=1 run_file "$file" "$LOGS/blocking_$name.log" -x)
    note "        $name again with CUDA_LAUNCH_BLOCKING=1 -x (rc $rc): $LOGS/blocking_$name.log"
  fi
done

# ---- 3. benches ----------------------------------------------------------------------------------
# --settle 0: the pause before each timing lets CPU worker threads sleep; on a GPU there are none.
benches=("bench/bench_gpu.py" "bench/bench_matmul.py --device cuda --settle 0"
         "bench/bench_conv.py --device cuda --settle 0" "bench/bench_train.py --device cuda")
for bench in "${benches[@]}"; do
  name=$(basename "${bench%% *}" .py)
  log="$LOGS/$name.log"
  limit=$(step_limit 150)
  if [ "$limit" -lt 20 ]; then
    note "SKIPPED $name: out of time"
    continue
  fi
  echo "---- $bench (limit ${limit} s)"
  # shellcheck disable=SC2086  # the bench's arguments split on purpose
  timeout -k 10 "$limit" $PY $bench 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" = 0 ]; then note "ok      $name"; else note "FAILED  $name (rc $rc)"; status=1; fi
done

# ---- 4. summary ----------------------------------------------------------------------------------
{
  for log in "$LOGS"/*.log; do
    echo "======== $log"
    cat "$log"
  done
} >"$LOGS/all.log.txt"
[ -n "${OUT:-}" ] && cp "$LOGS/all.log.txt" "$OUT/run_gpu.log"
for log in "${unfinished[@]}"; do
  echo "======== $log: the last tests started, and the test frames of any traceback"
  grep -E '::|File ".*/tests/' "$log" | tail -n 8
done
echo "======== FAILED tests"
grep -h '^FAILED\|^ERROR' "$LOGS"/test_*.log | cut -c1-300
echo "======== summary ($((SECONDS - START)) s; full logs: $LOGS/all.log.txt${OUT:+, \$OUT/run_gpu.log})"
printf '%s\n' "${summary[@]}"
exit $status
