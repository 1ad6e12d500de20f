#!/usr/bin/env bash
# The CPU-only build (CHAINRULE_CUDA=OFF, as on a machine without nvcc): compiles the extension and
# the C++ tests in build/cpu-only without anything from cpp/cuda/, runs ctest, then the tests that
# cover devices against that extension (a copy of the package in build/cpu-only/python). Run by CI
# after the test command; about 4 minutes on 2 cores. Needs what tests/run.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
BUILD=build/cpu-only

mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCHAINRULE_CUDA=OFF -DCHAINRULE_BUILD_TESTS=ON \
  -DPython_EXECUTABLE="$(command -v "$PY")" -Dpybind11_DIR="$($PY -c 'import pybind11; print(pybind11.get_cmake_dir())')" \
  > "$BUILD/configure.log"
grep -q "chainrule: CUDA = OFF" "$BUILD/configure.log"
cmake --build "$BUILD" -j "${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
ctest --test-dir "$BUILD" --output-on-failure

rm -rf "$BUILD/python" && mkdir -p "$BUILD/python"
cp -r python/chainrule "$BUILD/python/"
rm -f "$BUILD"/python/chainrule/_C*.so
cp "$BUILD"/_C*.so "$BUILD/python/chainrule/"
PYTHONPATH="$BUILD/python" $PY -c 'import chainrule, sys; sys.exit(chainrule.backends.cuda.is_built())'
PYTHONPATH="$BUILD/python" $PY -m pytest -q -p no:cacheprovider tests/test_device.py tests/test_start_up_probing.py \
  tests/test_nn_factory_kwargs.py tests/test_creation.py
