#!/usr/bin/env bash
# The GPU suite and benches, for a machine with an NVIDIA GPU (CI has none): builds chainrule with
# CUDA required (CHAINRULE_CUDA=ON) and its C++ tests, runs ctest, the GPU tests (test_cuda_*.py and
# the device tests; -rs lists any skip with its reason) and bench/bench_gpu.py (chainrule against
# PyTorch on the same GPU). Needs nvcc, the build requirements (requirements-build.txt) and
# cuBLAS (the nvidia-cublas wheel, or libcublas.so.13 on the loader's path) for the products.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

has_cublas='import glob, site, sys; sys.exit(not any(glob.glob(p + "/nvidia/cu13/lib/libcublas.so.13") for p in site.getsitepackages()))'
$PY -c "$has_cublas" || $PY -m pip install -q nvidia-cublas \
  || echo "tests/run_gpu.sh: nvidia-cublas not installed; GPU products need libcublas.so.13 on the loader's path"
$PY -m pip install -q --no-build-isolation -C cmake.define.CHAINRULE_CUDA=ON -C cmake.define.CHAINRULE_BUILD_TESTS=ON .
ctest --test-dir "build/$($PY -c 'import sys; print(sys.implementation.cache_tag)')" --output-on-failure
$PY -c 'import chainrule as cr, sys; print("GPU:", cr.cuda.get_device_name() if cr.cuda.is_available() else None); sys.exit(not cr.cuda.is_available())'
$PY -m pytest -q -rs tests/test_cuda_*.py tests/test_device.py
$PY bench/bench_gpu.py
