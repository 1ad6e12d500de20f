#!/usr/bin/env bash
# The sanitizer job (issue 15): builds the C++ tests and the extension with AddressSanitizer +
# UndefinedBehaviorSanitizer in build/sanitize, runs ctest, then the pytest files that throw odd
# input at the core (sizes, empty shapes, pool edges, value conversion) and a short fuzz pass,
# with the sanitized extension loaded into the usual Python (libasan preloaded). Any finding stops
# the process and fails the job. Run it after tests/run.sh (which installs the packages it uses):
#     bash tests/sanitize.sh    # the build 17-23 min on 2 busy cores, the tests about 1 min (docs/testing.md)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
BUILD=build/sanitize

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCHAINRULE_SANITIZE=ON -DCHAINRULE_BUILD_TESTS=ON \
  -DCHAINRULE_CUDA=OFF -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=OFF -Dpybind11_DIR="$($PY -m pybind11 --cmakedir)" -DPython_EXECUTABLE="$(command -v "$PY")" >/dev/null
cmake --build "$BUILD" -j "$(nproc)"

# An allocation past 4 GiB returns null (chainrule then raises its out-of-memory error) instead of
# ASan aborting or the machine swapping; the tests' own address-space caps do not work under ASan.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:allocator_may_return_null=1:max_allocation_size_mb=4096
export UBSAN_OPTIONS=print_stacktrace=1
export CHAINRULE_FUZZ_HEADROOM_GIB=0
ctest --test-dir "$BUILD" --output-on-failure

# The Python package from the source tree with the sanitized extension in place of the usual one.
PKG="$BUILD/python"
rm -rf "$PKG" && mkdir -p "$PKG"
cp -r python/chainrule "$PKG/"
rm -f "$PKG"/chainrule/_C*.so
cp "$BUILD"/_C*.so "$PKG/chainrule/"
# Python itself is not sanitized, so libasan must be loaded first, and libstdc++ with it (ASan's
# C++ exception hook needs it at start-up); Python's allocator leaks by design (detect_leaks=0).
LD_PRELOAD="$(${CXX:-g++} -print-file-name=libasan.so):$(${CXX:-g++} -print-file-name=libstdc++.so)" PYTHONPATH="$PKG" CHAINRULE_FUZZ_EXAMPLES=${CHAINRULE_FUZZ_EXAMPLES:-25} \
  $PY -m pytest -q -p no:cacheprovider tests/test_sizes.py tests/test_empty_shapes.py tests/test_pool_edges.py \
  tests/test_value_conversion.py tests/test_view.py tests/test_index.py tests/fuzz
