"""chainrule.utils.benchmark.Compare as torch.utils.benchmark.Compare: the same tables for the same Measurements
(rows per sub-label grouped by threads, envs shown when they differ, a column per description, one table per
label, merged replicates, trimmed figures, colors, variance flags) and the same error for a non-Measurement
(aladdinpersson's bmm_einsum_matmul.py prints its bmm/matmul/einsum timings with Compare(results).print())."""
import pytest

import chainrule.utils.benchmark as cr_benchmark
from conftest import requires_torch, torch

STEADY = [0.0031, 0.0030, 0.0031, 0.0030]
NOISY = [0.0031, 0.0029, 0.0052, 0.0030, 0.0033, 0.0028]

MEASUREMENTS = [  # (raw_times, number_per_run, task)
    (STEADY, 10, dict(stmt="torch.bmm(x, y)", setup="", label="BMM", sub_label="bmm", description="10x64")),
    ([t * 3 for t in STEADY], 10, dict(stmt="torch.matmul(x, y)", setup="", label="BMM", sub_label="matmul",
                                       description="10x64")),
    (NOISY, 100, dict(stmt="torch.einsum(...)", setup="", label="BMM", sub_label="einsum", description="10x64")),
    (STEADY, 1000, dict(stmt="torch.bmm(x, y)", setup="", label="BMM", sub_label="bmm", description="1x8")),
    ([t * 7 for t in STEADY], 10, dict(stmt="torch.bmm(x, y)", setup="", label="BMM", sub_label="bmm",
                                       description="10x64", num_threads=4)),
    (STEADY, 10, dict(stmt="torch.add(x, y)", setup="", label="Add", sub_label="add", description="big",
                      env="fast")),
    (NOISY, 10, dict(stmt="torch.add(x, y)", setup="", label="Add", sub_label="add", description="big",
                     env="slow")),
    (STEADY, 5, dict(stmt="torch.bmm(x, y)", setup="", label="BMM", sub_label="bmm", description="10x64")),
]


def compare_of(bench):
    return bench.Compare([bench.Measurement(number, times, bench.TaskSpec(**task))
                          for times, number, task in MEASUREMENTS])


@requires_torch
@pytest.mark.parametrize("options", [(), ("trim_significant_figures",), ("colorize",), ("highlight_warnings",),
                                     ("trim_significant_figures", "colorize", "highlight_warnings")])
def test_compare_renders_as_torch(options):
    import torch.utils.benchmark as torch_benchmark
    tables = []
    for bench in (cr_benchmark, torch_benchmark):
        compare = compare_of(bench)
        for option in options:
            getattr(compare, option)()
        tables.append(str(compare))
    assert tables[0] == tables[1]


@requires_torch
def test_rowwise_colors_and_print_as_torch(capsys):
    import torch.utils.benchmark as torch_benchmark
    printed = []
    for bench in (cr_benchmark, torch_benchmark):
        compare = compare_of(bench)
        compare.colorize(rowwise=True)
        compare.print()
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]


def test_timer_measurements_tabulate():
    results = [cr_benchmark.Timer(stmt, setup="x = torch.ones(4, 4)", label="ops", sub_label=name,
                                  description="4x4").timeit(5)
               for name, stmt in [("mm", "torch.mm(x, x)"), ("add", "x + x")]]
    table = str(cr_benchmark.Compare(results)).splitlines()
    assert table[0].startswith("[") and " ops " in table[0]
    assert [line.split("|")[0].strip() for line in table[3:5]] == ["mm", "add"]
    assert table[-1].startswith("Times are in")


def test_rejects_what_is_not_a_measurement():
    with pytest.raises(ValueError, match="Expected an instance of `Measurement`"):
        cr_benchmark.Compare([1.5])
