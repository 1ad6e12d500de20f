"""What scripts do at start-up: device probing (cuda, accelerator, backends) and global switches,
answered as PyTorch answers on a machine without a usable GPU."""
import pytest

import chainrule as cr
from conftest import requires_torch, torch


def test_cuda_seeding_is_a_quiet_no_op_that_leaves_the_cpu_stream_alone():
    cr.manual_seed(0)
    expected = cr.rand(3)
    cr.manual_seed(0)
    assert cr.cuda.manual_seed(123) is None and cr.cuda.manual_seed_all(123) is None
    assert bool((cr.rand(3) == expected).all())
    with pytest.raises(ValueError):  # int(seed), as PyTorch
        cr.cuda.manual_seed("x")
    with pytest.raises(TypeError):
        cr.cuda.manual_seed_all(None)


def test_cuda_answers_without_a_gpu():
    assert cr.cuda.is_available() is False
    assert cr.cuda.is_initialized() is False
    assert cr.cuda.memory_allocated() == 0 and cr.cuda.max_memory_allocated() == 0
    cr.cuda.empty_cache()
    for call in (cr.cuda.current_device, cr.cuda.synchronize, cr.cuda.get_device_name):
        with pytest.raises((RuntimeError, AssertionError)):
            call()


def test_the_device_choice_scripts_make_falls_back_to_the_cpu():
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    assert cr.zeros(2, device=device).device == cr.device("cpu")
    acc = cr.accelerator.current_accelerator() if cr.accelerator.is_available() else cr.device("cpu")
    assert acc == cr.device("cpu") and cr.accelerator.device_count() == 0
    assert (cr.accelerator.current_accelerator(check_available=True) or cr.device("cpu")) == cr.device("cpu")
    with pytest.raises(RuntimeError):  # no accelerator, or (a CUDA build) no GPU: test_accelerator.py
        cr.accelerator.current_device_index()


def test_backend_switches_are_settable_flags_with_pytorchs_defaults():
    cudnn = cr.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    assert cudnn.is_available() is False and cr.backends.mps.is_available() is False
    saved = cudnn.benchmark
    try:
        cudnn.benchmark = True
        assert cr.backends.cudnn.benchmark is True
    finally:
        cudnn.benchmark = saved
    assert cr.backends.cuda.matmul.allow_tf32 is False
    assert cr.backends.openmp.is_available() is True


@requires_torch
def test_probing_answers_match_pytorch_on_this_cpu_machine():
    for name in ("enabled", "benchmark", "deterministic"):
        assert getattr(cr.backends.cudnn, name) == getattr(torch.backends.cudnn, name)
    assert cr.backends.mps.is_available() == torch.backends.mps.is_available()
    assert cr.accelerator.is_available() == torch.accelerator.is_available()
    # without check_available the answer is the compiled-in accelerator, and this torch is a CPU build
    assert cr.accelerator.current_accelerator(check_available=True) == torch.accelerator.current_accelerator(
        check_available=True)
    assert cr.cuda.is_available() == torch.cuda.is_available()


def test_global_switches_report_back_what_was_set():
    cr.use_deterministic_algorithms(True, warn_only=True)
    assert cr.are_deterministic_algorithms_enabled() and cr.is_deterministic_algorithms_warn_only_enabled()
    cr.use_deterministic_algorithms(False)
    assert not cr.are_deterministic_algorithms_enabled()
    cr.set_float32_matmul_precision("high")
    assert cr.get_float32_matmul_precision() == "high"
    cr.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="precision"):
        cr.set_float32_matmul_precision("fast")
    with pytest.raises(TypeError):
        cr.use_deterministic_algorithms("yes")
