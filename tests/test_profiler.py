"""chainrule.profiler and chainrule.autograd.profiler: the ranges recorded (record_function, module calls,
optimizer steps, profiler steps) with counts compared with torch's profiler, the table's columns, self/total
times, Chrome trace JSON, schedule/on_trace_ready/tensorboard_trace_handler, and that nothing stays hooked."""
import gzip
import json
import re
import warnings

import pytest

import chainrule as cr
from chainrule.nn.modules import hooks as module_hooks
from conftest import requires_torch, torch


def _workload(lib):
    """record_function as context manager and decorator, module calls and optimizer steps, on `lib`."""
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.ReLU(), lib.nn.Linear(4, 1))
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1)

    @lib.profiler.record_function("decorated")
    def train_step(x):
        optimizer.zero_grad()
        with lib.profiler.record_function("forward_pass"):
            loss = model(x).sum()
        loss.backward()
        optimizer.step()

    with lib.profiler.record_function("outer"):
        for _ in range(3):
            train_step(lib.randn(2, 3))


def _counts(averages, keep):
    return {event.key: event.count for event in averages if keep(event.key)}


def _profile(lib, **options):
    with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU], **options) as prof:
        _workload(lib)
    return prof


@requires_torch
def test_record_function_and_optimizer_step_counts_match_torch():
    ours, theirs = _profile(cr).key_averages(), _profile(torch).key_averages()
    names = {"outer", "decorated", "forward_pass", "Optimizer.step#SGD.step"}
    assert _counts(ours, names.__contains__) == _counts(theirs, names.__contains__) == \
        {"outer": 1, "decorated": 3, "forward_pass": 3, "Optimizer.step#SGD.step": 3}
    assert _counts(ours, lambda key: key.startswith("autograd")) == {"autograd.backward": 3}


def test_backward_passes_are_timed_inside_their_caller():
    x = cr.ones(3, requires_grad=True)
    with cr.profiler.profile() as prof:
        with cr.profiler.record_function("step"):
            (x * 2).sum().backward()
            cr.autograd.grad((x * 3).sum(), x)
            cr.autograd.backward([(x * 4).sum()], inputs=[x])
    assert _counts(prof.key_averages(), lambda key: True) == {"step": 1, "autograd.backward": 2, "autograd.grad": 1}
    assert {event.cpu_parent.name for event in prof.events() if event.name.startswith("autograd")} == {"step"}


def test_module_calls_are_timed_with_their_input_shapes():
    prof = _profile(cr, record_shapes=True)
    assert _counts(prof.key_averages(), lambda key: key.startswith("nn.Module")) == \
        {"nn.Module: Sequential": 3, "nn.Module: Linear": 6, "nn.Module: ReLU": 3}
    by_shape = {(event.key, str(event.input_shapes)): event.count
                for event in prof.key_averages(group_by_input_shape=True)}
    assert by_shape[("nn.Module: Linear", "[[2, 3]]")] == 3 and by_shape[("nn.Module: Linear", "[[2, 4]]")] == 3
    assert "Input Shapes" in prof.key_averages(group_by_input_shape=True).table()


def test_self_time_is_total_minus_children_and_nesting_follows_the_calls():
    events = _profile(cr).events()
    outer = next(event for event in events if event.name == "outer")
    assert outer.cpu_parent is None and [child.name for child in outer.cpu_children] == ["decorated"] * 3
    forward = next(event for event in events if event.name == "forward_pass")
    assert forward.cpu_parent.name == "decorated" and forward.cpu_children[0].name == "nn.Module: Sequential"
    assert outer.self_cpu_time_total == pytest.approx(
        outer.cpu_time_total - sum(child.cpu_time_total for child in outer.cpu_children))
    assert 0 <= outer.self_cpu_time_total <= outer.cpu_time_total
    averages = {event.key: event for event in events.key_averages()}
    assert averages["decorated"].cpu_time == pytest.approx(averages["decorated"].cpu_time_total / 3)


def _header_and_footer(table):
    lines = table.splitlines()
    return re.split(r"\s{2,}", lines[1].strip()), lines[-1].split(":")[0], lines[0] == lines[2] == lines[-2]


@requires_torch
@pytest.mark.parametrize("sort_by", ["cpu_time_total", "self_cpu_time_total", "count", "cuda_time_total"])
def test_table_has_torchs_columns_and_sorting(sort_by):
    ours, theirs = _profile(cr, record_shapes=True), _profile(torch, record_shapes=True)
    table = ours.key_averages().table(sort_by=sort_by, row_limit=4)
    assert _header_and_footer(table) == _header_and_footer(theirs.key_averages().table(sort_by=sort_by, row_limit=4))
    assert len(table.splitlines()) == 3 + 4 + 2
    grouped = (ours.key_averages(group_by_input_shape=True), theirs.key_averages(group_by_input_shape=True))
    assert _header_and_footer(grouped[0].table(row_limit=3)) == _header_and_footer(grouped[1].table(row_limit=3))
    rows = [re.split(r"\s{2,}", line.strip()) for line in table.splitlines()[3:7]]
    attribute = sort_by.replace("cuda", "device")
    expected = sorted(ours.key_averages(), key=lambda event: getattr(event, attribute), reverse=True)[:4]
    assert [row[0] for row in rows] == [event.key for event in expected]
    assert [int(row[6]) for row in rows] == [event.count for event in expected]


@pytest.mark.parametrize("suffix", [".json", ".json.gz"])
def test_chrome_trace_is_valid_json_with_complete_events(tmp_path, suffix):
    path = tmp_path / f"trace{suffix}"
    prof = _profile(cr)
    prof.export_chrome_trace(str(path))
    text = gzip.open(path, "rt").read() if suffix.endswith(".gz") else path.read_text()
    events = json.loads(text)["traceEvents"]
    assert {event["ph"] for event in events} == {"X"} and len(events) == len(prof.events())
    outer = next(event for event in events if event["name"] == "outer")
    assert outer["cat"] == "user_annotation" and outer["dur"] > 0 and outer["ts"] > 1e15   # microseconds since 1970
    inner = [event for event in events if event["name"] == "decorated"]
    outer_end = outer["ts"] + outer["dur"]
    assert all(outer["ts"] <= event["ts"] and event["ts"] + event["dur"] <= outer_end for event in inner)


@requires_torch
@pytest.mark.parametrize("arguments", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=1, active=1, repeat=2),
                                       dict(wait=2, warmup=1, active=3, repeat=1, skip_first=3),
                                       dict(wait=5, warmup=1, active=1, skip_first=2, skip_first_wait=1)])
def test_schedule_matches_torch(arguments):
    ours, theirs = cr.profiler.schedule(**arguments), torch.profiler.schedule(**arguments)
    assert [ours(step).name for step in range(30)] == [theirs(step).name for step in range(30)]
    with pytest.raises(AssertionError, match="Invalid profiler schedule arguments"):
        cr.profiler.schedule(wait=0, warmup=0, active=0)


def _scheduled_windows(lib, steps=9):
    """The names and counts recorded in each window handed to on_trace_ready."""
    windows = []
    with lib.profiler.profile(schedule=lib.profiler.schedule(wait=1, warmup=1, active=2, repeat=2),
                              on_trace_ready=lambda prof: windows.append(_counts(
                                  prof.key_averages(), lambda key: key.startswith(("ProfilerStep", "work"))))
                              ) as prof:
        for _ in range(steps):
            with lib.profiler.record_function("work"):
                lib.ones(2) + 1
            prof.step()
    return windows


@requires_torch
def test_scheduled_windows_and_step_ranges_match_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert _scheduled_windows(cr) == _scheduled_windows(torch) == [{"ProfilerStep*": 2, "work": 2}] * 2


def test_tensorboard_trace_handler_writes_one_trace_per_window(tmp_path):
    logdir = tmp_path / "tb"
    handler = cr.profiler.tensorboard_trace_handler(str(logdir), worker_name="w0")
    with cr.profiler.profile(schedule=cr.profiler.schedule(wait=0, warmup=1, active=1, repeat=2),
                             on_trace_ready=handler) as prof:
        for _ in range(5):
            cr.nn.Linear(2, 2)(cr.ones(1, 2))
            prof.step()
    files = sorted(logdir.iterdir())
    assert len(files) == 2 and all(re.fullmatch(r"w0\.\d+\.pt\.trace\.json", f.name) for f in files)
    names = [{e["name"] for e in json.loads(f.read_text())["traceEvents"]} for f in files]
    assert names == [{"nn.Module: Linear", "ProfilerStep#1"}, {"nn.Module: Linear", "ProfilerStep#3"}]


def test_hooks_exist_only_while_profiling_and_ranges_close_when_forward_raises():
    class Failing(cr.nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    with cr.profiler.profile() as prof:
        assert module_hooks._global_forward_pre_hooks and module_hooks._global_forward_hooks
        with pytest.raises(ValueError):
            Failing()(1)
        cr.nn.Identity()(1)
    assert not module_hooks._global_forward_pre_hooks and not module_hooks._global_forward_hooks
    assert _counts(prof.key_averages(), lambda key: True) == {"nn.Module: Failing": 1, "nn.Module: Identity": 1}
    with cr.profiler.record_function("unrecorded"):
        pass
    assert "unrecorded" not in {event.key for event in prof.key_averages()}


def test_autograd_profiler_api():
    from chainrule.autograd import profiler
    with profiler.profile(use_cuda=True, record_shapes=True) as prof:
        with pytest.raises(RuntimeError, match="Profiler didn't finish running"):
            prof.key_averages()
        with profiler.record_function("block"):
            cr.nn.Linear(2, 2)(cr.ones(1, 2))
    assert [event.name for event in prof.function_events] == ["block", "nn.Module: Linear"]
    assert "block" in prof.table() and prof.total_average().count == 2
    assert prof.self_cpu_time_total == pytest.approx(sum(e.self_cpu_time_total for e in prof.function_events))
    with profiler.profile(enabled=False) as disabled:
        pass
    with pytest.raises(RuntimeError):
        disabled.key_averages()
    with pytest.warns(UserWarning, match="no NVTX"):
        with profiler.emit_nvtx():
            cr.ones(1)
