"""torchrun programs on chainrule: `python -m chainrule.distributed.run` (torchrun's counterpart, on
mpirun, or starting the processes itself with --transport tcp) and init_process_group("gloo"). The
launches go through tests/mpi_launch.py (bounded by timeouts; the mpirun ones skipped with the reason
when MPI is missing); PyTorch's own torchrun is the oracle for the environment each process sees and
for the training program itself."""
import json
import pathlib
import subprocess
import sys

import pytest

import chainrule
import chainrule.distributed as dist
from chainrule.distributed import run
from mpi_launch import run_bounded, run_without_launcher
from tcp_launch import clean_environment, free_port

PROGRAMS = pathlib.Path(__file__).resolve().parent / "distributed_programs"
CHAINRULE_RUN = [sys.executable, "-m", "chainrule.distributed.run"]
CHAINRULE_RUN_TCP = [*CHAINRULE_RUN, "--transport", "tcp"]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run"]
LAUNCHERS = pytest.mark.parametrize("launcher", [CHAINRULE_RUN, CHAINRULE_RUN_TCP], ids=["mpi", "tcp"])


def _launch(launcher, *arguments, cwd=None, **environment):
    code, output, _ = run_bounded([*launcher, *arguments], 60, cwd=cwd, needs_mpi=launcher is not CHAINRULE_RUN_TCP,
                                  **environment)
    return code, output


def _tagged_lines(output, tag):
    """The JSON of each `tag {...}` a rank printed (to the end of its line), ordered by rank. It may
    follow another rank's text on the same line: print() writes a line's text and its newline
    separately, so one rank's line can land between another's text and newline."""
    marker = tag + " {"
    found = [json.loads(line[line.index(marker) + len(tag) + 1:]) for line in output.splitlines() if marker in line]
    return sorted(found, key=lambda result: int(result.get("rank", result.get("environment", {}).get("RANK"))))


def _train(launcher, snapshot, epochs, framework="chainrule"):
    code, output = _launch(launcher, "--nproc_per_node=2", str(PROGRAMS / "torchrun_trainer.py"), str(epochs), "2",
                           str(snapshot), TRAINER_FRAMEWORK=framework)
    assert code == 0, output
    results = _tagged_lines(output, "result")
    assert [(r["rank"], r["local_rank"], r["world_size"], r["backend"]) for r in results] == \
        [(0, 0, 2, "gloo"), (1, 1, 2, "gloo")], output
    assert results[0]["parameters"] == results[1]["parameters"], "the ranks ended with different parameters"
    return results, output


def _check_trains(results):
    for result in results:
        assert result["losses"][-1] < result["losses"][0] / 10, result["losses"]


@LAUNCHERS
def test_a_torchrun_ddp_program_trains_and_resumes_from_its_snapshot(launcher, tmp_path):
    snapshot = tmp_path / "snapshot.pt"
    results, output = _train(launcher, snapshot, epochs=4)
    _check_trains(results)
    saved = chainrule.load(str(snapshot))
    assert saved["EPOCHS_RUN"] == 4
    assert [p.reshape(-1).tolist() for p in saved["MODEL_STATE"].values()] == results[0]["parameters"]

    resumed, output = _train(launcher, snapshot, epochs=6)
    assert output.count("Resuming training from snapshot at Epoch 4") == 2, output
    assert [len(r["losses"]) for r in resumed] == [2, 2] and resumed[0]["losses"][0] < results[0]["losses"][-1]


def test_the_trainer_is_a_pytorch_program_that_torchrun_runs(tmp_path):
    pytest.importorskip("torch", reason="PyTorch (the oracle) is not installed")
    results, _ = _train(TORCHRUN, tmp_path / "snapshot.pt", epochs=4, framework="torch")
    _check_trains(results)


def _launched_environments(launcher, *arguments, cwd=None):
    code, output = _launch(launcher, "--nproc_per_node=2", *arguments, cwd=cwd)
    assert code == 0, output
    launched = _tagged_lines(output, "launched")
    assert len(launched) == 2, output
    return launched


@LAUNCHERS
def test_each_process_sees_the_environment_torchrun_gives_it(launcher):
    pytest.importorskip("torch", reason="PyTorch's torchrun (the oracle) is not installed")
    program = [str(PROGRAMS / "print_launch_env.py"), "a", "--b"]
    ours, torchrun = _launched_environments(launcher, *program), _launched_environments(TORCHRUN, *program)
    for launched in (ours, torchrun):
        assert launched[0]["environment"]["MASTER_PORT"] == launched[1]["environment"]["MASTER_PORT"]
        assert launched[0]["environment"]["TORCHELASTIC_RUN_ID"] == launched[1]["environment"]["TORCHELASTIC_RUN_ID"]
        for process in launched:
            # a free port and a new run id each launch; no agent store: rank 0's program hosts any store itself
            for name in ("MASTER_PORT", "TORCHELASTIC_RUN_ID", "TORCHELASTIC_USE_AGENT_STORE"):
                process["environment"].pop(name)
    assert ours == torchrun
    assert ours[1]["environment"]["RANK"] == "1" and ours[1]["argv"] == ["a", "--b"]
    assert ours[0]["path0"] == str(PROGRAMS) and ours[0]["name"] == "__main__"


def test_the_module_form_and_the_flags_that_name_the_environment():
    launched = _launched_environments(CHAINRULE_RUN, "--master_addr=10.1.2.3", "--master-port", "29511",
                                      "--rdzv_id=job7", "--role", "trainer", "--standalone", "-m", "print_launch_env",
                                      "x", cwd=str(PROGRAMS))
    for rank, process in enumerate(launched):
        environment = process["environment"]
        assert (environment["MASTER_ADDR"], environment["MASTER_PORT"], environment["TORCHELASTIC_RUN_ID"]) == \
            ("10.1.2.3", "29511", "job7")
        assert (environment["ROLE_NAME"], environment["LOCAL_RANK"], process["argv"]) == ("trainer", str(rank), ["x"])
        assert process["name"] == "__main__"


def test_every_init_process_group_form_of_a_torchrun_program_runs_on_mpi():
    code, output = _launch(CHAINRULE_RUN, "--nproc_per_node=2", str(PROGRAMS / "init_forms.py"))
    assert code == 0, output
    for rank in range(2):
        assert f"rank {rank}: gloo,gloo,cpu:gloo,mpi torchelastic=True refused=True" in output, output


@pytest.mark.parametrize("launcher, backend, says, failed", [
    (CHAINRULE_RUN, "mpi", "rank 1 of 2 stopped on an uncaught ValueError", "failed (mpirun exit status"),
    (CHAINRULE_RUN_TCP, "gloo", "ValueError: rank 1 fails on purpose", "failed (local rank 1, exit status 1)"),
], ids=["mpi", "tcp"])
def test_a_failing_rank_fails_the_launch_and_max_restarts_starts_the_group_again(launcher, backend, says, failed):
    code, output = _launch(launcher, "--nproc_per_node=2", "--max_restarts=1", str(PROGRAMS / "failing_rank.py"),
                           "raise", backend)
    assert code != 0, output
    assert output.count(says) == 2, output
    assert failed in output and "0 restarts left" in output, output


def test_several_nodes_meet_over_tcp(tmp_path):
    """Two launchers, as on two machines (--nnodes=2, each its --node_rank, node 0's address and port),
    two processes each: four ranks run every collective and DDP check."""
    nodes = ["--nnodes=2", "--nproc_per_node=2", "--master_addr=127.0.0.1", f"--master_port={free_port()}"]
    launches = [subprocess.Popen([*CHAINRULE_RUN, *nodes, f"--node_rank={node}", str(PROGRAMS / "main.py"),
                                  str(tmp_path), "gloo"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                 env=clean_environment()) for node in (0, 1)]
    outputs = [launch.communicate(timeout=120)[0] for launch in launches]
    assert [launch.returncode for launch in launches] == [0, 0], outputs
    for rank in range(4):
        assert f"rank {rank}: ok (collectives, ddp)" in outputs[rank // 2], outputs


def test_a_gloo_program_not_started_by_a_launcher_meets_at_a_tcp_rendezvous():
    """Not under an MPI launcher, "gloo" is PyTorch's rendezvous (tests/test_distributed_tcp.py): a rank
    started alone waits there for the others, until the timeout; "mpi" is told the command instead."""
    result = run_without_launcher("import datetime, chainrule.distributed as dist\n"
                                  "dist.init_process_group('gloo', world_size=2, rank=0, timeout=datetime.timedelta("
                                  "seconds=1), init_method='tcp://127.0.0.1:29517')")
    assert "rank 0 timed out after 1 s waiting for ranks [1] to connect" in result.stderr, result.stderr
    result = run_without_launcher("import chainrule.distributed as dist\ndist.init_process_group('mpi')",
                                  RANK="0", WORLD_SIZE="2")
    assert result.returncode != 0
    for text in ("the environment says WORLD_SIZE=2", "not started by an MPI launcher",
                 "-m chainrule.distributed.run --nproc_per_node=2", "mpirun -n 2"):
        assert text in result.stderr, result.stderr


def test_a_gloo_program_run_alone_is_a_group_of_one():
    result = run_without_launcher("import chainrule.distributed as dist\n"
                               "dist.init_process_group(backend='gloo', init_method='env://')\n"
                               "print(dist.get_backend(), dist.get_rank(), dist.get_world_size())")
    assert result.stdout.strip() == "gloo 0 1", result.stderr


def test_nccl_without_a_gpu_and_unknown_backends_are_refused_before_any_launch():
    if chainrule.cuda.is_available():
        pytest.skip("with a CUDA device, backend='nccl' is accepted (on MPI)")
    for backend in ("nccl", "cpu:gloo,cuda:nccl", dist.Backend.NCCL):
        with pytest.raises(RuntimeError, match="doesn't have NCCL built in.*chainrule.cuda.is_available"):
            dist.init_process_group(backend)
    with pytest.raises(ValueError, match="it runs 'gloo' and 'mpi'.*chainrule.distributed.run"):
        dist.init_process_group("ucc")
    assert not dist.is_initialized()


def test_backend_names_and_launch_queries_match_pytorch(monkeypatch):
    torch_dist = pytest.importorskip("torch.distributed", reason="PyTorch (the oracle) is not installed")
    for name in ("GLOO", "gloo", "Mpi", "nccl", "undefined", "custom"):
        assert dist.Backend(name) == torch_dist.Backend(name)
    assert [dist.Backend.GLOO, dist.Backend.NCCL, dist.Backend.MPI] == ["gloo", "nccl", "mpi"]
    assert dist.is_gloo_available() is torch_dist.is_gloo_available() is True
    monkeypatch.delenv("TORCHELASTIC_RUN_ID", raising=False)
    assert dist.is_torchelastic_launched() is torch_dist.is_torchelastic_launched() is False
    monkeypatch.setenv("TORCHELASTIC_RUN_ID", "job7")
    assert dist.is_torchelastic_launched() is torch_dist.is_torchelastic_launched() is True


@pytest.mark.parametrize("flags, says", [
    (["--nnodes=2"], "give --master_addr (the address of node 0"),
    (["--nnodes=1:4"], "elastic ranges are not supported"),
    (["--nnodes=2", "--node_rank=2", "--master_addr=h"], "--node_rank=2 is not one of --nnodes=2's ranks"),
    (["--transport=mpi", "--nnodes=2", "--master_addr=h"], "with --transport mpi this launcher starts processes on one"),
    (["--nproc_per_node=gpu"], "give a positive integer, or auto/cpu"),
    (["--log_dir=/tmp"], "unrecognized arguments"),
])
def test_launcher_flags_that_are_not_supported_or_contradict_each_other_are_refused(flags, says, capsys):
    with pytest.raises(SystemExit) as stop:
        run.main([*flags, "train.py"])
    assert stop.value.code == 2 and says in capsys.readouterr().err
