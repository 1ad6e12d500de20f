#!/usr/bin/env bash
# The README's test command. Installs what the tests need (libgtest-dev, build and test packages,
# PyTorch 2.13.0 CPU as the oracle), builds chainrule with its C++ tests, runs ctest, then pytest.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if [ ! -f /usr/include/gtest/gtest.h ]; then
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq libgtest-dev
fi

$PY -m pip install -q --upgrade scikit-build-core pybind11 scipy-openblas32 numpy cmake ninja pytest hypothesis
if [ "${CHAINRULE_SKIP_TORCH:-0}" != 1 ]; then
  # The CPU wheel of this exact version; the PyTorch cross-checks skip (and say so) without it.
  $PY -m pip install -q torch==2.13.0 || echo "tests/run.sh: torch==2.13.0 not installed; PyTorch cross-checks will skip"
fi

# The ONNX exporter's optional packages (pip install "chainrule[onnx]"); its tests skip, saying so, without them.
$PY -m pip install -q onnx onnxruntime || echo "tests/run.sh: onnx/onnxruntime not installed; ONNX export tests will skip"

$PY -m pip install -q --no-build-isolation \
  -C build-dir=build/test -C cmake.define.CHAINRULE_BUILD_TESTS=ON .

ctest --test-dir build/test --output-on-failure
$PY -m pytest -q tests
