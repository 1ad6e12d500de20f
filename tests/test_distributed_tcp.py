"""chainrule.distributed over TCP, as PyTorch's gloo ranks meet: processes no MPI launcher started
(mp.spawn, multiprocessing.Process, torchrun-style launchers) find each other at rank 0's TCPStore
(env://, tcp://, store=) and talk over sockets. The same collective and DDP checks as the MPI
launch run here (tests/distributed_programs/main.py), then PyTorch's own tutorial patterns, the
stores against PyTorch's, the rendezvous errors, and ranks that fail."""
import datetime
import pathlib
import textwrap

import pytest

import chainrule.distributed as dist
from tcp_launch import free_port, run_python, run_tcp

PROGRAMS = pathlib.Path(__file__).resolve().parent / "distributed_programs"


@pytest.mark.parametrize("ranks", [2, 3])
def test_every_collective_and_ddp_check_passes_over_tcp(ranks, tmp_path):
    codes, output, _ = run_tcp(ranks, str(PROGRAMS / "main.py"), str(tmp_path), "gloo", timeout=120)
    assert codes == [0] * ranks, output
    for rank in range(ranks):
        assert f"rank {rank}: ok (collectives, ddp)" in output, output


@pytest.mark.parametrize("mode, says", [
    ("raise", "rank 1 "),  # rank 0's wait fails naming rank 1 (it lost or closed the connection)
    ("kill", "rank 1 "),
    ("kill_forked", "rank 1 "),  # its forked child (a DataLoader worker, say) does not keep its sockets open
    ("stall", "all_reduce: timed out after 10 s"),
])
def test_a_failing_rank_ends_the_others_waits_within_bounded_time(mode, says):
    codes, output, seconds = run_tcp(2, str(PROGRAMS / "failing_rank.py"), mode, "gloo", timeout=60)
    assert codes[0] != 0, output
    assert says in output, output
    assert "should not get here" not in output
    assert seconds < 30, f"took {seconds:.0f} s to stop"


def _program(tmp_path, body):
    path = tmp_path / "program.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def test_the_ddp_tutorial_pattern_runs_under_mp_spawn(tmp_path):
    """PyTorch's ddp_tutorial: MASTER_ADDR/MASTER_PORT set in each spawned rank, init_process_group("gloo",
    rank=rank, world_size=...), DDP, a checkpoint saved by rank 0 and loaded by all after a barrier."""
    program = _program(tmp_path, f"""
        import os
        import chainrule as torch, chainrule.distributed as dist, chainrule.multiprocessing as mp
        from chainrule.nn.parallel import DistributedDataParallel as DDP

        def demo(rank, world_size):
            os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = "localhost", "{free_port()}"
            dist.init_process_group("gloo", rank=rank, world_size=world_size)
            torch.manual_seed(rank)  # different weights: DDP must broadcast rank 0's
            model = DDP(torch.nn.Sequential(torch.nn.Linear(10, 10), torch.nn.ReLU(), torch.nn.Linear(10, 5)))
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            torch.nn.functional.mse_loss(model(torch.randn(20, 10)), torch.randn(20, 5)).backward()
            optimizer.step()
            path = os.path.join({str(tmp_path)!r}, "model.pt")
            if rank == 0:
                torch.save(model.state_dict(), path)
            dist.barrier()
            model.load_state_dict(torch.load(path, weights_only=True))
            weights = [torch.zeros(10, 10) for _ in range(world_size)]
            dist.all_gather(weights, model.module[0].weight.detach())
            assert all(torch.equal(w, weights[0]) for w in weights), "the ranks' weights differ"
            print(f"rank {{rank}} of {{dist.get_world_size()}} ({{dist.get_backend()}}): same weights", flush=True)
            dist.destroy_process_group()

        if __name__ == "__main__":
            mp.spawn(demo, args=(3,), nprocs=3, join=True)
            print("joined")
        """)
    result = run_python(f"import runpy; runpy.run_path({program!r}, run_name='__main__')", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    for rank in range(3):
        assert f"rank {rank} of 3 (gloo): same weights" in result.stdout, result.stdout
    assert result.stdout.rstrip().endswith("joined"), result.stdout


def test_the_point_to_point_tutorial_pattern_runs_with_processes(tmp_path):
    """PyTorch's "Writing Distributed Applications": Process per rank, tcp://, send/recv, isend/irecv,
    and the tutorial's own ring all-reduce (isend to the right while receiving from the left)."""
    program = _program(tmp_path, f"""
        import chainrule as torch, chainrule.distributed as dist
        from chainrule.multiprocessing import Process

        def run(rank, size):
            dist.init_process_group("gloo", init_method="tcp://127.0.0.1:{free_port()}", rank=rank, world_size=size)
            tensor = torch.zeros(1)
            if rank == 0:
                tensor += 1
                dist.send(tensor=tensor, dst=1)
            elif rank == 1:
                assert dist.recv(tensor=tensor) == 0  # any source: the sender's rank comes back
            big = torch.arange(300000.) + rank  # larger than the sockets' buffers, both ways at once
            left, right, received = (rank - 1) % size, (rank + 1) % size, torch.zeros(300000)
            request = dist.isend(big, right)
            dist.irecv(received, src=left).wait()
            request.wait()
            assert torch.equal(received, torch.arange(300000.) + left)
            print(f"rank {{rank}}: {{tensor.item()}}", flush=True)
            dist.destroy_process_group()

        if __name__ == "__main__":
            processes = [Process(target=run, args=(rank, 3)) for rank in range(3)]
            for p in processes:
                p.start()
            for p in processes:
                p.join()
            print("exit codes", [p.exitcode for p in processes])
        """)
    result = run_python(f"import runpy; runpy.run_path({program!r}, run_name='__main__')", timeout=120)
    assert "exit codes [0, 0, 0]" in result.stdout, result.stdout + result.stderr
    assert "rank 1: 1.0" in result.stdout and "rank 0: 1.0" in result.stdout, result.stdout


def test_a_raising_rank_under_mp_spawn_stops_the_job_with_its_error(tmp_path):
    program = _program(tmp_path, f"""
        import os
        import chainrule as torch, chainrule.distributed as dist, chainrule.multiprocessing as mp

        def work(rank):
            dist.init_process_group("gloo", init_method="tcp://127.0.0.1:{free_port()}", rank=rank, world_size=2)
            if rank == 1:
                raise ValueError("rank 1 fails on purpose")
            dist.all_reduce(torch.ones(3))  # waits for rank 1, which is gone

        if __name__ == "__main__":
            try:
                mp.spawn(work, nprocs=2)
            except mp.ProcessRaisedException as error:
                print("raised:", error)
        """)
    result = run_python(f"import runpy; runpy.run_path({program!r}, run_name='__main__')", timeout=60)
    assert "raised:" in result.stdout, result.stdout + result.stderr
    assert "fails on purpose" in result.stdout or "rank 1" in result.stdout, result.stdout


def _store_story(module, store):
    """What a program sees doing the common store calls; compared between chainrule and PyTorch."""
    seen = []
    store.set("key", "first")
    seen.append(store.get("key"))
    store.set("key", b"\x00bytes")
    seen.append(store.get("key"))
    seen += [store.add("counter", 5), store.add("counter", -2), store.get("counter")]
    seen += [store.check(["key", "counter"]), store.check(["key", "absent"])]
    seen += [store.compare_set("key", b"\x00bytes", "swapped"), store.compare_set("key", "wrong", "x"),
             store.compare_set("fresh", "", "made"), store.get("key")]
    store.append("log", "a")
    store.append("log", "b")
    seen.append(store.get("log"))
    store.multi_set(["m1", "m2"], ["1", "2"])
    seen.append(store.multi_get(["m1", "m2"]))
    seen += [store.delete_key("m1"), store.delete_key("m1"), store.check(["m1"])]
    with pytest.raises(module.DistStoreError):
        store.wait(["never"], datetime.timedelta(milliseconds=200))
    store.set_timeout(datetime.timedelta(milliseconds=200))
    with pytest.raises(RuntimeError):
        store.get("never")
    seen.append(store.timeout)
    return seen


def _stores(module):
    master = module.TCPStore("127.0.0.1", 0, 1, is_master=True, timeout=datetime.timedelta(seconds=10))
    client = module.TCPStore("127.0.0.1", master.port, is_master=False, timeout=datetime.timedelta(seconds=10))
    return [master, client, module.PrefixStore("job", client), module.HashStore()]


def test_stores_behave_as_pytorchs():
    torch_dist = pytest.importorskip("torch.distributed", reason="PyTorch (the oracle) is not installed")
    ours, theirs = _stores(dist), _stores(torch_dist)
    for mine, torchs in zip(ours, theirs):
        assert _store_story(dist, mine) == _store_story(torch_dist, torchs), type(mine).__name__
    master, client, prefixed, _ = ours
    client.set("shared", "from the client")
    assert master.get("shared") == b"from the client" and master.get("job/key") == b"swapped"
    assert prefixed.check(["key"]) and not client.check(["absent"])
    assert issubclass(dist.DistStoreError, dist.DistError) and issubclass(dist.DistError, RuntimeError)


def test_store_errors_name_the_fix():
    with pytest.raises(dist.DistNetworkError, match=r"could not connect to 127.0.0.1:\d+ within 0.3 s.*master"):
        dist.TCPStore("127.0.0.1", free_port(), timeout=datetime.timedelta(seconds=0.3))
    with pytest.raises(TypeError, match="a value must be str or bytes, got int"):
        dist.HashStore().set("k", 3)


def test_rendezvous_errors_are_pytorchs():
    result = run_python("import chainrule.distributed as dist\n"
                        "dist.init_process_group('gloo', rank=0, world_size=2)")
    assert ("ValueError: Error initializing torch.distributed using env:// rendezvous: environment variable "
            "MASTER_ADDR expected, but not set") in result.stderr, result.stderr
    result = run_python("import chainrule.distributed as dist\n"
                        "dist.init_process_group('gloo')", MASTER_ADDR="localhost", MASTER_PORT="1")
    assert "environment variable RANK expected, but not set" in result.stderr, result.stderr
    result = run_python("import datetime, chainrule.distributed as dist\n"
                        f"dist.init_process_group('gloo', init_method='tcp://127.0.0.1:{free_port()}', rank=0, "
                        "world_size=3, timeout=datetime.timedelta(seconds=1))")
    assert "rank 0 timed out after 1 s waiting for ranks [1, 2] to connect" in result.stderr, result.stderr
    with pytest.raises(NotImplementedError, match="file:// rendezvous is not supported"):
        dist.init_process_group("gloo", init_method="file:///tmp/x", rank=0, world_size=1)
    with pytest.raises(ValueError, match="rank 2 is not one of world_size 2's ranks"):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1", rank=2, world_size=2)
    assert not dist.is_initialized()


def test_a_store_the_program_made_is_a_rendezvous_and_stays_open():
    store = dist.HashStore()
    dist.init_process_group("gloo", store=store, rank=0, world_size=1)
    try:
        t = dist.get_rank() + dist.get_world_size()
        assert (t, dist.get_backend()) == (1, "gloo")
    finally:
        dist.destroy_process_group()
    store.set("still", "open")
    assert store.get("still") == b"open"
    with pytest.raises(ValueError, match="with store=, rank and world_size must be given"):
        dist.init_process_group("gloo", store=store)


def test_a_program_naming_no_rendezvous_is_a_group_of_one_without_mpi():
    result = run_python("import sys; sys.modules['mpi4py'] = None  # as if mpi4py were not installed\n"
                        "import chainrule as torch, chainrule.distributed as dist\n"
                        "dist.init_process_group('gloo')\n"
                        "t = torch.arange(3.)\n"
                        "dist.all_reduce(t, op=dist.ReduceOp.AVG)\n"
                        "print(dist.get_backend(), dist.get_rank(), dist.get_world_size(), t.tolist(), "
                        "dist.is_available(), dist.is_mpi_available())")
    assert result.stdout.strip() == "gloo 0 1 [0.0, 1.0, 2.0] True False", result.stderr


def test_monitored_barrier_names_the_rank_that_did_not_come(tmp_path):
    program = _program(tmp_path, """
        import datetime, time
        import chainrule.distributed as dist
        dist.init_process_group("gloo")
        if dist.get_rank() == 1:
            time.sleep(4)  # late: rank 0's barrier gives up after 1 s
        try:
            dist.monitored_barrier(timeout=datetime.timedelta(seconds=1))
            print(f"rank {dist.get_rank()} passed", flush=True)
        except RuntimeError as error:
            print(f"rank {dist.get_rank()}: {error}", flush=True)
        """)
    codes, output, _ = run_tcp(2, program, timeout=60)
    assert "rank 0: Rank 1 failed to pass monitoredBarrier in 1000 ms" in output, output
    assert "rank 1: " in output and "rank 1 passed" not in output, output  # rank 0 is gone: rank 1 fails too


def test_the_distributed_example_trains_over_tcp(tmp_path):
    example = str(PROGRAMS.parent.parent / "examples" / "train_digits_distributed.py")
    codes, output, _ = run_tcp(2, example, "--epochs", "1", "--out", str(tmp_path), timeout=180)
    assert codes == [0, 0], output
    accuracy = float(output.split("test accuracy: ")[1].split()[0])
    assert accuracy > 0.5 and (tmp_path / "checkpoint.pt").exists(), output

