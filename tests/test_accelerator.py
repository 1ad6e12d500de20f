"""chainrule.accelerator follows torch.accelerator on top of chainrule.cuda: the compile-time
accelerator, the runtime check, device arguments, and the calls that need a GPU.

This machine's answers are checked as they are; the CPU-only build and the GPU-visible branch are
checked by replacing chainrule.cuda's probes (the accelerator's own logic, not the GPU's)."""
import pytest

import chainrule as cr

acc = cr.accelerator


@pytest.fixture
def cpu_only_build(monkeypatch):
    monkeypatch.setattr(cr._C, "_cuda_is_compiled", lambda: False)


@pytest.fixture
def two_gpus(monkeypatch):
    """A CUDA build seeing two GPUs; returns the device arguments chainrule.cuda.synchronize got."""
    synchronized = []
    monkeypatch.setattr(cr._C, "_cuda_is_compiled", lambda: True)
    monkeypatch.setattr(cr.cuda, "is_available", lambda: True)
    monkeypatch.setattr(cr.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(cr.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(cr.cuda, "synchronize", synchronized.append)
    return synchronized


def test_the_accelerator_is_the_compiled_one_and_check_available_adds_the_runtime_check():
    if not cr.backends.cuda.is_built():
        pytest.skip("this chainrule is a CPU-only build: the CUDA build's answers are not reachable")
    assert acc.current_accelerator() == cr.device("cuda")
    assert acc.current_accelerator().index is None
    want = cr.device("cuda") if cr.cuda.is_available() else None
    assert acc.current_accelerator(check_available=True) == want
    assert acc.is_available() == cr.cuda.is_available()
    assert acc.device_count() == cr.cuda.device_count()


def test_a_cpu_only_build_has_no_accelerator_and_says_so_as_pytorch_does(cpu_only_build):
    assert acc.current_accelerator() is None and acc.current_accelerator(check_available=True) is None
    assert acc.is_available() is False and acc.device_count() == 0
    calls = (acc.current_device_index, acc.synchronize, acc.empty_cache, acc.memory_allocated,
             lambda: acc.set_device_index(0))
    for call in calls:
        with pytest.raises(RuntimeError, match="^Cannot access accelerator device when none is available.$"):
            call()


def test_with_a_cuda_build_but_no_gpu_the_device_calls_raise_cudas_error(monkeypatch):
    monkeypatch.setattr(cr._C, "_cuda_is_compiled", lambda: True)
    monkeypatch.setattr(cr.cuda, "is_available", lambda: False)
    monkeypatch.setattr(cr.cuda, "device_count", lambda: 0)
    assert acc.current_accelerator() == cr.device("cuda") and acc.is_available() is False
    if cr._C._cuda_device_count() == 0:  # the real probe behind current_device
        with pytest.raises(RuntimeError, match="not available"):
            acc.current_device_index()


def test_with_gpus_the_calls_go_to_chainrule_cuda(two_gpus):
    assert acc.current_accelerator(check_available=True) == cr.device("cuda")
    assert acc.is_available() is True and acc.device_count() == 2
    assert acc.current_device_index() == 0
    acc.synchronize()
    acc.synchronize(1)
    acc.synchronize("cuda:1")
    acc.synchronize(cr.device("cuda", 0))
    acc.synchronize("cuda")  # no index: the current device
    assert two_gpus == [0, 1, 1, 0, 0]


def test_device_arguments_of_another_type_or_without_an_index_are_refused_as_in_pytorch(two_gpus):
    with pytest.raises(ValueError, match="^cpu doesn't match the current accelerator cuda.$"):
        acc.synchronize("cpu")
    with pytest.raises(ValueError, match="^Expected a torch.device with a specified index or an integer, but got:cuda$"):
        acc.set_device_index("cuda")


def test_selecting_the_current_gpu_or_a_negative_index_is_accepted_and_another_gpu_is_refused(two_gpus):
    acc.set_device_index(0)
    acc.set_device_index(-1)
    with acc.device_index(None):
        assert acc.current_device_index() == 0
    with acc.device_index(0):
        assert acc.current_device_index() == 0
    if cr._C._cuda_device_count() < 2:  # the real core checks that cuda:1 exists first
        with pytest.raises(RuntimeError, match="not available"):
            acc.set_device_index(1)
    else:
        with pytest.raises(RuntimeError, match="always means cuda:0"):
            acc.set_device_index(1)


def test_memory_counters_read_chainrule_cudas(two_gpus, monkeypatch):
    asked = []
    monkeypatch.setattr(cr.cuda, "memory_allocated", lambda device: asked.append(device) or 123)
    assert acc.memory_allocated() == 123 and acc.memory_allocated("cuda:1") == 123
    assert asked == [0, 1]


@pytest.mark.parametrize("backend", ["xpu", "mps"])
def test_device_probes_of_backends_chainrule_lacks_answer_as_cpu_only_pytorch(backend):
    # pytorch/examples programs choose a device with `torch.xpu.is_available()` / `torch.mps...`
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the answers")
    ours, theirs = getattr(cr, backend), getattr(torch, backend)
    for probe in ("is_available", "device_count"):
        assert getattr(ours, probe)() == getattr(theirs, probe)()
    assert ours.manual_seed(1) is None and theirs.manual_seed(1) is None
    with pytest.raises(AttributeError, match=rf"torch\.{backend}\.no_such_name"):
        getattr(ours, "no_such_name")


def test_xpu_state_probes_answer_as_cpu_only_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the oracle for the answers")
    assert (cr.xpu.is_initialized(), cr.xpu.is_bf16_supported()) == (torch.xpu.is_initialized(),
                                                                       torch.xpu.is_bf16_supported())
    assert cr.xpu.manual_seed_all(3) is None
