"""Tensor.share_memory_ / is_shared and nn.Module.share_memory against torch, and what they are for:
a process forked afterwards (multiprocessing's fork start method) writes into the same memory, so
the parent sees a child's writes and a child's optimizer steps on a shared model (Hogwild)."""
import multiprocessing

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch
from cuda_support import requires_gpu

fork = multiprocessing.get_context("fork")


def run_in_child(target, *args):
    process = fork.Process(target=target, args=args)
    process.start()
    process.join(60)
    assert process.exitcode == 0, f"the child failed (exit code {process.exitcode})"


@requires_torch
def test_share_memory_moves_the_storage_in_place_like_torch():
    for lib in (cr, torch):
        t = lib.arange(6.0, requires_grad=True)
        view = t.detach()[2:]
        address, version = t.data_ptr(), t._version
        assert not t.is_shared() and not view.is_shared()
        assert t.share_memory_() is t
        assert t.is_shared() and view.is_shared()  # the storage moved, not the tensor
        assert t.data_ptr() != address and view.data_ptr() == t.data_ptr() + 8
        assert t._version == version and t.requires_grad
        np.testing.assert_array_equal(view.numpy(), [2, 3, 4, 5])
        assert t.share_memory_().data_ptr() == t.data_ptr()  # already shared: nothing moves
        assert lib.zeros(0).share_memory_().is_shared()
        assert lib.from_numpy(np.zeros(3, dtype=np.float32)).share_memory_().is_shared()
        assert lib.zeros(1).set_(t.detach()).is_shared()


def test_a_shared_storage_can_shrink_but_not_grow():
    t = cr.arange(6.0).share_memory_()
    assert t.resize_(3).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="not resizable.*shared memory"):
        t.resize_(100)  # torch 2.13 crashes here (SIGSEGV); chainrule refuses


@requires_torch
def test_module_share_memory_covers_parameters_buffers_and_grads_like_torch():
    for lib in (cr, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2), lib.nn.BatchNorm1d(2))
        model[0].weight.grad = lib.ones(2, 2)
        assert model.share_memory() is model
        assert all(p.is_shared() for p in model.parameters())
        assert all(b.is_shared() for b in model.buffers())
        assert model[0].weight.grad.is_shared() and model[0].bias.grad is None
        assert isinstance(model[0].weight, lib.nn.Parameter)


def _write(shared, private):
    shared[1:] += 5.0
    private += 5.0


def test_a_forked_child_writes_into_shared_memory_and_not_into_private_memory():
    shared, private = cr.zeros(4), cr.zeros(4)
    view = shared[2:]
    shared.share_memory_()
    run_in_child(_write, shared, private)
    assert shared.tolist() == [0.0, 5.0, 5.0, 5.0] and view.tolist() == [5.0, 5.0]
    assert private.tolist() == [0.0] * 4  # copy-on-write, as in torch without share_memory_


def _train(model, steps):
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        model(cr.ones(4, 3)).pow(2).mean().backward()
        optimizer.step()


def test_a_forked_childs_optimizer_steps_update_the_parents_shared_model():
    cr.manual_seed(0)
    model = cr.nn.Linear(3, 1)
    model.share_memory()
    expected = cr.nn.Linear(3, 1)
    expected.load_state_dict(model.state_dict())
    _train(expected, 5)  # the same steps in this process, on a private copy
    run_in_child(_train, model, 5)
    for ours, want in zip(model.parameters(), expected.parameters()):
        np.testing.assert_allclose(ours.detach().numpy(), want.detach().numpy(), rtol=1e-6)


@requires_gpu
def test_gpu_tensors_are_shared_already():
    t = cr.zeros(2, device="cuda")
    address = t.data_ptr()
    assert t.is_shared() and t.share_memory_() is t and t.data_ptr() == address
