"""chainrule.distributed and DistributedDataParallel across real processes: mpirun is launched from
the test (tests/mpi_launch.py: bounded by timeouts, skipped with the reason when MPI is missing).
One launch per world size runs every collective check and every DDP check
(tests/distributed_programs/main.py); the failure tests check that a rank that raises, dies or
stalls stops the whole job, non-zero, within a bounded time."""
import pathlib

import pytest

from mpi_launch import run_mpi, run_without_launcher

PROGRAMS = pathlib.Path(__file__).resolve().parent / "distributed_programs"


@pytest.mark.parametrize("ranks", [2, 3])
def test_every_collective_and_ddp_check_passes_on_every_rank(ranks, tmp_path):
    code, output, _ = run_mpi(ranks, str(PROGRAMS / "main.py"), str(tmp_path), timeout=120)
    assert code == 0, output
    for rank in range(ranks):
        assert f"rank {rank}: ok (collectives, ddp)" in output, output


@pytest.mark.parametrize("mode, says", [
    ("raise", "rank 1 of 2 stopped on an uncaught ValueError"),
    ("kill", "signal 9"),
    ("stall", "timed out after 3 s"),
    ("exit", "rank 1 of 2 is exiting, but the other ranks did not reach their end within the 3 s timeout"),
])
def test_a_failing_rank_stops_every_rank_within_bounded_time(mode, says):
    code, output, seconds = run_mpi(2, str(PROGRAMS / "failing_rank.py"), mode, timeout=60)
    assert code != 0, output
    assert says in output, output
    assert "should not get here" not in output
    assert seconds < 15, f"took {seconds:.0f} s to stop"


def test_asking_for_several_ranks_without_a_launcher_says_how_to_launch():
    result = run_without_launcher("import chainrule.distributed as dist\n"
                               "dist.init_process_group('mpi', world_size=2)")
    assert result.returncode != 0
    assert "not started by an MPI launcher" in result.stderr and "mpirun -n 2" in result.stderr, result.stderr


def test_a_single_process_group_runs_collectives_without_a_launcher():
    result = run_without_launcher(
        "import chainrule as torch, chainrule.distributed as dist\n"
        "dist.init_process_group('mpi')\n"
        "t = torch.arange(3.)\n"
        "dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
        "print(dist.get_rank(), dist.get_world_size(), dist.is_initialized(), t.tolist())\n"
        "dist.destroy_process_group()\n"
        "print(dist.is_initialized())")
    assert result.stdout.split("\n")[:2] == ["0 1 True [0.0, 1.0, 2.0]", "False"], result.stderr


def test_without_init_process_group_and_with_other_backends_the_errors_say_what_to_do():
    import chainrule as torch
    import chainrule.distributed as dist
    assert torch.distributed is dist and not dist.is_initialized()
    with pytest.raises(ValueError, match="has not been initialized"):
        dist.get_rank()
    with pytest.raises(ValueError, match="it runs 'gloo' and 'mpi'"):
        dist.init_process_group("ucc")
    with pytest.raises(ValueError, match="has not been initialized"):
        torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2))


def test_the_example_trains_on_two_ranks_and_resumes_from_its_checkpoint(tmp_path):
    example = str(PROGRAMS.parent.parent / "examples" / "train_digits_distributed.py")
    code, output, _ = run_mpi(2, example, "--epochs", "1", "--out", str(tmp_path), timeout=120)
    assert code == 0, output
    assert "epoch  1/1" in output and "test accuracy" in output and (tmp_path / "checkpoint.pt").exists(), output
    accuracy = float(output.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.5, output
    code, output, _ = run_mpi(2, example, "--epochs", "1", "--out", str(tmp_path), timeout=120)
    assert code == 0 and "resuming from" in output and "epoch  1/1" not in output, output


def test_gpu_tensors_and_modules_are_refused_with_the_reason():
    import chainrule as torch
    if not torch.cuda.is_available():
        pytest.skip("needs a GPU to make a CUDA tensor")
    result = run_without_launcher(
        "import chainrule as torch, chainrule.distributed as dist\n"
        "dist.init_process_group('mpi')\n"
        "for call in (lambda: dist.all_reduce(torch.ones(2, device='cuda')),\n"
        "             lambda: torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(2, 2).cuda())):\n"
        "    try:\n"
        "        call()\n"
        "    except NotImplementedError as error:\n"
        "        print('refused:', error)\n")
    assert result.stdout.count("refused:") == 2 and "CPU" in result.stdout, result.stdout + result.stderr
