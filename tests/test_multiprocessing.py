"""chainrule.multiprocessing against torch.multiprocessing: the same names, the sharing-strategy
functions, spawn/start_processes running fn(rank, *args) and raising ProcessRaisedException /
ProcessExitedException with torch's messages; shared tensors reaching spawned children and queues
by descriptor (children's writes and optimizer steps seen by the parent); unshared tensors by value."""
import multiprocessing
import pickle
from multiprocessing.reduction import ForkingPickler

import pytest

import chainrule as cr
import chainrule.multiprocessing as mp
import multiprocessing_children as children
from conftest import requires_torch, torch


@requires_torch
def test_the_names_are_torch_multiprocessings():
    assert set(mp.__all__) == set(torch.multiprocessing.__all__)
    assert set(multiprocessing.__all__) <= set(dir(mp))
    for name in ["spawn", "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException",
                 "SpawnContext", "ENV_VAR_PARALLEL_START", "init_reductions"]:
        assert hasattr(mp, name) and hasattr(torch.multiprocessing, name), name
    assert mp.Process is multiprocessing.Process and mp.get_context is multiprocessing.get_context


@requires_torch
def test_sharing_strategies_are_torchs():
    assert mp.get_sharing_strategy() == torch.multiprocessing.get_sharing_strategy() == "file_descriptor"
    assert mp.get_all_sharing_strategies() == torch.multiprocessing.get_all_sharing_strategies()
    try:
        mp.set_sharing_strategy("file_system")
        assert mp.get_sharing_strategy() == "file_system"
    finally:
        mp.set_sharing_strategy("file_descriptor")
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        mp.set_sharing_strategy("shm")
    with pytest.raises(AssertionError, match="invalid sharing strategy"):
        torch.multiprocessing.set_sharing_strategy("shm")


def test_spawned_children_write_into_a_shared_tensor_and_train_a_shared_model():
    shared = cr.zeros(3).share_memory_()
    cr.manual_seed(0)
    model = cr.nn.Linear(3, 1)
    model.share_memory()
    expected = cr.nn.Linear(3, 1)
    expected.load_state_dict(model.state_dict())
    children.train_steps(0, expected, 3)
    assert mp.spawn(children.add_rank, args=(shared,), nprocs=2) is None
    assert shared.tolist() == [10.0, 11.0, 0.0]
    mp.spawn(children.train_steps, args=(model, 3))
    for ours, want in zip(model.parameters(), expected.parameters()):
        assert ours.is_shared()
        assert cr.allclose(ours.detach(), want.detach(), rtol=1e-6)


def test_a_child_that_raises_is_reported_with_its_traceback():
    with pytest.raises(mp.ProcessRaisedException) as failure:
        mp.start_processes(children.raise_on_rank_one, nprocs=2, start_method="fork")
    assert failure.value.error_index == 1
    assert str(failure.value).startswith("\n\n-- Process 1 terminated with the following error:\nTraceback")
    assert "ValueError: rank one fails" in str(failure.value)
    assert pickle.loads(pickle.dumps(failure.value)).error_pid == failure.value.error_pid


@pytest.mark.parametrize("fn, args, message, signal_name", [
    (children.exit_with_code, (3,), "process 0 terminated with exit code 3", None),
    (children.kill_self, (), "process 0 terminated with signal SIGKILL", "SIGKILL"),
])
def test_a_child_that_exits_or_is_killed_is_reported_as_torch_does(fn, args, message, signal_name):
    with pytest.raises(mp.ProcessExitedException, match=f"^{message}$") as failure:
        mp.start_processes(fn, args=args, start_method="fork")
    assert failure.value.error_index == 0 and failure.value.signal_name == signal_name
    assert failure.value.exit_code == (-9 if signal_name else 3)


def test_start_processes_without_join_gives_the_process_context():
    shared = cr.zeros(2).share_memory_()
    context = mp.start_processes(children.add_rank, args=(shared,), nprocs=2, join=False, start_method="fork")
    assert isinstance(context, mp.ProcessContext) and len(context.pids()) == 2
    while not context.join():
        pass
    assert context.join() is True and shared.tolist() == [10.0, 11.0]


def test_spawn_warns_about_another_start_method_and_spawns():
    shared = cr.zeros(1).share_memory_()
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(children.add_rank, args=(shared,), start_method="fork")
    assert shared.tolist() == [10.0]


def test_a_shared_tensor_sent_through_a_queue_is_the_same_memory():
    context = mp.get_context("fork")
    queue = context.Queue()
    shared = cr.zeros(4).share_memory_()
    process = context.Process(target=children.write_what_the_queue_sends, args=(queue,))
    process.start()
    queue.put(shared[1:3])  # a view: its geometry travels with the descriptor
    process.join(60)
    assert process.exitcode == 0 and shared.tolist() == [0.0, 7.0, 7.0, 0.0]


def test_unshared_tensors_and_plain_pickles_go_by_value():
    private = cr.arange(3.0)
    copy = pickle.loads(ForkingPickler.dumps(private))
    copy[0] = 5.0
    assert private[0].item() == 0.0 and not copy.is_shared()
    shared = cr.arange(3.0).share_memory_()
    plain = pickle.loads(pickle.dumps(shared))  # chainrule.save and pickle never send descriptors
    plain[0] = 5.0
    assert shared[0].item() == 0.0 and not plain.is_shared()
    again = pickle.loads(ForkingPickler.dumps(shared))  # within a process the descriptor is duplicated
    again[0] = 5.0
    assert shared[0].item() == 5.0 and again.is_shared()


def test_a_forked_child_runs_parallel_sized_ops_on_one_thread_instead_of_hanging():
    # GNU OpenMP hangs at a forked child's first parallel loop once the parent ran one (PyTorch's
    # CPU build does): chainrule's fork handler (cpu/threads.cpp) puts the child on one thread
    a = cr.ones(600, 600)
    assert (a @ a)[0, 0].item() == 600.0  # the parent's OpenMP threads exist now
    result = cr.zeros(1).share_memory_()
    context = mp.start_processes(children.product_after_fork, args=(result,), nprocs=1, join=False,
                                 start_method="fork")
    assert context.join(timeout=60), "the forked child did not finish"
    assert result.tolist() == [2.0]  # the right product, on 1 thread
