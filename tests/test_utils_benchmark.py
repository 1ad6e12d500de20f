"""chainrule.utils.benchmark (Timer, Measurement) as torch.utils.benchmark: the same reports for the same raw
times, the same run counts from timeit/blocked_autorange/adaptive_autorange, statements run with the caller's
globals and chainrule as `torch`, and the same errors for what is not supported (the tutorials per_sample_grads,
ensembling and jacobians_hessians time their vmap runs with it)."""
import pytest

import chainrule as cr
import chainrule.utils.benchmark as cr_benchmark
from conftest import requires_torch, torch

RAW_TIMES = [0.0031, 0.0029, 0.0052, 0.0030, 0.0033, 0.0028]

TASKS = [dict(stmt="x * y", setup="x = 1"),
         dict(stmt="x * y", setup="x = 1\ny = 2", label="Mul", sub_label="[1, 2]", description="small"),
         dict(stmt="a = 1\nb = a + 1", setup="pass", sub_label="two lines"),
         dict(stmt="x", setup="", num_threads=4)]


def benchmark_module(lib):
    if lib is cr:
        return cr_benchmark
    import torch.utils.benchmark
    return torch.utils.benchmark


def report_without_address(lib, raw_times, number_per_run, **task):
    """The Measurement's repr with its first line (the object's address) dropped."""
    bench = benchmark_module(lib)
    measurement = bench.Measurement(number_per_run, raw_times, bench.TaskSpec(**task))
    return repr(measurement).split("\n", 1)[1]


@requires_torch
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("raw_times", [RAW_TIMES, RAW_TIMES[:2], RAW_TIMES[:1], [2e-8, 2.1e-8, 2e-8, 2e-8]])
def test_measurement_reports_as_torch(task, raw_times):
    assert report_without_address(cr, raw_times, 10, **task) == report_without_address(torch, raw_times, 10, **task)


@requires_torch
def test_measurement_statistics_as_torch():
    ours, theirs = (benchmark_module(lib).Measurement(100, RAW_TIMES, benchmark_module(lib).TaskSpec("s", "pass",
                                                                                                    label="L"))
                    for lib in (cr, torch))
    for name in ("times", "median", "mean", "iqr", "significant_figures", "has_warnings", "title", "as_row_name",
                 "stmt", "label"):
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name)), name
    assert ours.meets_confidence(0.5) == theirs.meets_confidence(0.5)
    merged = [cr_benchmark.Measurement.merge([ours, ours]), torch.utils.benchmark.Measurement.merge([theirs, theirs])]
    assert [m.times for m in merged[0]] == [m.times for m in merged[1]]


@requires_torch
@pytest.mark.parametrize("seconds", [3e-9, 4.5e-7, 2e-4, 0.3, 12.0])
def test_units_and_sigfig_as_torch(seconds):
    ours, theirs = benchmark_module(cr), benchmark_module(torch)
    assert ours.select_unit(seconds) == theirs.select_unit(seconds)
    assert ours.trim_sigfig(seconds * 3.14159, 2) == pytest.approx(theirs.trim_sigfig(seconds * 3.14159, 2))


def test_timeit_runs_the_statement_number_times_with_globals_and_torch():
    calls = []
    timer = cr_benchmark.Timer(stmt="record(torch.ones(2).sum().item())", globals={"record": calls.append},
                               label="sum")
    measurement = timer.timeit(50)
    assert calls == [2.0] * (2 + 50)  # a warm-up block of max(50 // 100, 2) runs, then the measured one
    assert measurement.number_per_run == 50 and len(measurement.raw_times) == 1
    assert measurement.times[0] == measurement.raw_times[0] / 50 and measurement.title == "sum"


def test_setup_runs_once_and_statements_are_dedented():
    calls = []
    measurement = cr_benchmark.Timer("""
        record(x)
        """, """
        x = torch.zeros(1) + 3
        """, globals={"record": calls.append}).timeit(4)
    assert measurement.stmt == "record(x)" and measurement.setup == "x = torch.zeros(1) + 3"
    assert len(calls) == 6 and all(isinstance(c, cr.Tensor) and c.item() == 3 for c in calls)


@pytest.mark.parametrize("autorange", ["blocked_autorange", "adaptive_autorange"])
def test_autoranges_measure_at_least_min_run_time(autorange):
    measurement = getattr(cr_benchmark.Timer("torch.ones(8) * 2"), autorange)(min_run_time=0.02)
    assert sum(measurement.raw_times) >= 0.02
    assert measurement.number_per_run >= 1 and str(measurement.number_per_run).strip("0") == "1"
    assert measurement.median > 0 and "thread" in repr(measurement)


def test_timer_restores_the_thread_count():
    before = cr.get_num_threads()
    cr_benchmark.Timer("pass", num_threads=1).timeit(3)
    assert cr.get_num_threads() == before


@requires_torch
def test_unsupported_uses_raise_as_torch():
    for lib in (cr, torch):
        bench = benchmark_module(lib)
        with pytest.raises(ValueError, match="only a `str` stmt"):
            bench.Timer(stmt=lambda: None)
        with pytest.raises(ValueError, match="global_setup is C\\+\\+ only"):
            bench.Timer("pass", global_setup="int x;")
        with pytest.raises(ValueError, match="Invalid language"):
            bench.Timer("pass", language="rust")
        with pytest.raises(NotImplementedError, match="blocked_autorange"):
            bench.Timer("pass").repeat()
    with pytest.raises(NotImplementedError, match="Python statements only"):
        cr_benchmark.Timer("x * y;", language=cr_benchmark.Language.CPP)
