#!/usr/bin/env bash
# The GPU suite and benches, for a machine with an NVIDIA GPU (CI has none): builds chainrule with
# CUDA required (CHAINRULE_CUDA=ON) and its C++ tests, runs ctest, the GPU tests (test_cuda_*.py, the
# device-fixture tests test_*_device.py, among them the examples and benches with --device cuda, and
# the special functions' GPU case; -rs lists any skip with its reason),
# then the GPU benches: bench_gpu.py and bench_matmul/conv/train.py --device cuda (chainrule against
# PyTorch on the same GPU, with issue 16's targets). A failing test does not stop the benches; the
# exit status is 1 if anything failed. Needs nvcc, the build requirements (requirements-build.txt),
# cuBLAS (the nvidia-cublas wheel, or libcublas.so.13 on the loader's path) for the products, and a
# CUDA build of PyTorch for the comparisons.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

has_cublas='import glob, site, sys; sys.exit(not any(glob.glob(p + "/nvidia/cu13/lib/libcublas.so.13") for p in site.getsitepackages()))'
$PY -c "$has_cublas" || $PY -m pip install -q nvidia-cublas \
  || echo "tests/run_gpu.sh: nvidia-cublas not installed; GPU products need libcublas.so.13 on the loader's path"
$PY -m pip install -q --no-build-isolation -C cmake.define.CHAINRULE_CUDA=ON -C cmake.define.CHAINRULE_BUILD_TESTS=ON .
ctest --test-dir "build/$($PY -c 'import sys; print(sys.implementation.cache_tag)')" --output-on-failure
$PY -c 'import chainrule as cr, sys; print("GPU:", cr.cuda.get_device_name() if cr.cuda.is_available() else None); sys.exit(not cr.cuda.is_available())'
status=0
$PY -m pytest -q -rs tests/test_cuda_*.py tests/test_*_device.py tests/test_device.py tests/test_special.py \
  tests/test_example_explain_digits.py || status=1
$PY bench/bench_gpu.py || status=1
# --settle 0: the pause before each timing lets CPU worker threads sleep; on a GPU there are none to wait for.
$PY bench/bench_matmul.py --device cuda --settle 0 || status=1
$PY bench/bench_conv.py --device cuda --settle 0 || status=1
$PY bench/bench_train.py --device cuda || status=1
exit $status
