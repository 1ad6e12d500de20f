"""The benches' --device option (bench/common.py): bench_matmul, bench_conv and bench_train time
chainrule against PyTorch on the CPU or on a GPU, each timing synchronized with the GPU before its
clock is read; asked for cuda where chainrule sees no GPU, they end with a message, not a traceback."""
import os
import subprocess
import sys

import pytest

import chainrule as cr

BENCH_DIR = os.path.join(os.path.dirname(__file__), os.pardir, "bench")
sys.path.insert(0, BENCH_DIR)
from common import interleaved_medians, median_time  # noqa: E402


def run_bench(script, *args):
    return subprocess.run([sys.executable, os.path.join(BENCH_DIR, script), *args], capture_output=True, text=True,
                          timeout=300)


def test_median_time_synchronizes_before_starting_and_before_reading_the_clock():
    events = []
    median_time(lambda: events.append("call"), repeat=2, number=3, warmup=1, sync=lambda: events.append("sync"))
    round_of_timing = ["sync", "call", "call", "call", "sync"]
    assert events == ["call"] + round_of_timing * 2


def test_interleaved_medians_synchronizes_each_contender_with_its_own_library():
    events = []
    fns = {"chainrule": lambda: events.append("cr call"), "torch": lambda: events.append("torch call")}
    interleaved_medians(fns, repeat=1, target_s=0.0, syncs={"chainrule": lambda: events.append("cr sync")})
    sizing = ["cr sync", "cr call", "cr sync", "torch call"]          # calls_for: one timed call each
    timed_round = ["cr call", "cr sync", "cr call", "cr sync", "torch call", "torch call"]  # warm-up, then timed
    assert events == sizing + timed_round   # torch, not in syncs, stands for a CPU library: never synchronized


@pytest.mark.parametrize("script", ["bench_matmul.py", "bench_conv.py", "bench_train.py"])
def test_asked_for_cuda_without_a_gpu_a_bench_says_so(script):
    if cr.cuda.is_available():
        pytest.skip("a GPU is visible: the refusal is for machines without one")
    result = run_bench(script, "--device", "cuda")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{script} --device cuda: chainrule sees no CUDA device here" in result.stderr


def test_bench_train_compares_every_model_on_the_device(device):
    result = run_bench("bench_train.py", "--device", device.type, "--models", "mlp,lstm", "--repeat", "1",
                       "--memory-steps", "20")
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines() if line[:4] in ("mlp ", "lstm")}
    assert set(rows) == {"mlp", "lstm"} and all(row[5].endswith("x") for row in rows.values()), result.stdout
    if device.type == "cuda":
        assert "cr memory growth, 20 steps" in result.stdout and "issue 16's targets" in result.stdout
