"""chainrule.cuda's device queries, streams and events (python/chainrule/cuda/devices.py,
streams.py, cpp/bindings/cuda_runtime.cpp): without a GPU they fail or answer as PyTorch's do on a
machine without CUDA (checked here against the CPU build of PyTorch); with one, they report the GPU,
time work with events, keep work in order across streams, and a GPU out of memory raises
OutOfMemoryError. The GPU cases need a GPU and say so."""
import warnings

import pytest
import torch

import chainrule as cr
from cuda_support import requires_gpu

no_gpu = pytest.mark.skipif(cr.cuda.is_available() or torch.cuda.is_available(),
                            reason="checks the behaviour without a GPU")

QUERIES = ["get_device_properties(0)", "get_device_capability()", "mem_get_info()", "init()",
           "Event(enable_timing=True)", "Stream()", "current_stream()", "default_stream()"]


@no_gpu
@pytest.mark.parametrize("call", QUERIES)
def test_queries_that_need_a_gpu_raise_without_one_as_torch_does(call):
    with pytest.raises(Exception):
        eval(f"torch.cuda.{call}")
    with pytest.raises(RuntimeError, match="not available"):
        eval(f"cr.cuda.{call}")


@no_gpu
def test_answers_without_a_gpu_match_torch():
    assert cr.cuda.is_bf16_supported() is torch.cuda.is_bf16_supported() is False
    assert cr.cuda.memory_stats() == dict(torch.cuda.memory_stats()) == {}
    cr.cuda.set_device(-1), torch.cuda.set_device(-1)  # a negative index does nothing
    with cr.cuda.device_of(cr.ones(1)), torch.cuda.device_of(torch.ones(1)):  # a CPU tensor changes nothing
        pass
    with cr.cuda.stream(None), torch.cuda.stream(None):
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FutureWarning, match="renamed to `chainrule.cuda.memory_reserved`"):
            cr.cuda.memory_cached()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert cr.cuda.memory_cached() == torch.cuda.memory_cached() == 0
        assert cr.cuda.max_memory_cached() == torch.cuda.max_memory_cached() == 0
    with pytest.raises(RuntimeError, match="not available"):
        cr.cuda.set_device(0)


def test_out_of_memory_error_is_a_runtime_error_named_as_torchs():
    assert cr.OutOfMemoryError is cr.cuda.OutOfMemoryError
    assert issubclass(cr.OutOfMemoryError, RuntimeError)
    assert cr.OutOfMemoryError.__name__ == torch.OutOfMemoryError.__name__ == "OutOfMemoryError"


def test_stream_context_takes_only_streams():
    with pytest.raises(TypeError, match="expected a chainrule.cuda.Stream or None"):
        cr.cuda.stream("cuda")


@requires_gpu
def test_device_properties_describe_the_gpu():
    properties = cr.cuda.get_device_properties(0)
    assert properties.name == cr.cuda.get_device_name() and properties.total_memory > 2**30
    assert cr.cuda.get_device_capability() == (properties.major, properties.minor) and properties.major >= 5
    free, total = cr.cuda.mem_get_info()
    assert 0 < free <= total == properties.total_memory
    assert cr.cuda.is_bf16_supported()
    if torch.cuda.is_available():
        assert cr.cuda.get_device_capability() == torch.cuda.get_device_capability()
        assert properties.multi_processor_count == torch.cuda.get_device_properties(0).multi_processor_count


@requires_gpu
def test_one_gpu_per_process():
    cr.cuda.set_device(0), cr.cuda.set_device("cuda:0"), cr.cuda.init()
    with cr.cuda.device(0), cr.cuda.device_of(cr.ones(1, device="cuda")):
        assert cr.ones(1, device="cuda").device == cr.device("cuda:0")
    if cr.cuda.device_count() > 1:
        with pytest.raises(RuntimeError, match="CUDA_VISIBLE_DEVICES=1"):
            cr.cuda.set_device(1)


@requires_gpu
def test_events_time_work_and_report_when_it_is_done():
    start, end = cr.cuda.Event(enable_timing=True), cr.cuda.Event(enable_timing=True)
    assert start.query()  # never recorded
    x = cr.randn(2048, 2048, device="cuda")
    start.record()
    for _ in range(5):
        x = x @ x / 2048
    end.record()
    end.synchronize()
    assert end.query() and start.elapsed_time(end) > 0
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        cr.cuda.Event().elapsed_time(end)


@requires_gpu
def test_work_on_a_side_stream_stays_in_order():
    side = cr.cuda.Stream()
    x = cr.ones(1000, device="cuda")
    side.wait_stream(cr.cuda.current_stream())
    with cr.cuda.stream(side):
        y = x * 3
    cr.cuda.current_stream().wait_stream(side)
    event = side.record_event()
    event.wait()
    assert y.sum().item() == 3000 and side.query() and side == cr.cuda.default_stream()
    side.synchronize()


@requires_gpu
def test_a_gpu_out_of_memory_raises_out_of_memory_error():
    with pytest.raises(cr.cuda.OutOfMemoryError, match="out of memory"):
        cr.empty(2**40, device="cuda")  # 4 TiB of float32
    assert cr.ones(10, device="cuda").sum().item() == 10  # the GPU is still usable
