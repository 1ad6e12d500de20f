"""Pickling and copy.deepcopy keep a tensor's device, as in PyTorch: a module on a GPU deep-copied
(an EMA or best-model snapshot) keeps its buffers there, on the `device` fixture's device."""
import copy
import pickle

import numpy as np

import chainrule as cr
from conftest import assert_close


def test_pickle_and_deepcopy_keep_device_values_and_requires_grad(device):
    t = cr.tensor(np.arange(6.0).reshape(2, 3), device=device, requires_grad=True)
    for copied in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert copied.device == device and copied.requires_grad and copied.is_leaf
        assert_close(copied.detach().cpu(), np.arange(6.0).reshape(2, 3))


def test_pickles_without_a_device_load_on_the_cpu():
    from chainrule._tensor import _rebuild_tensor
    old = _rebuild_tensor(np.ones(2), False)
    assert old.device == cr.device("cpu") and old.tolist() == [1.0, 1.0]


def test_a_deep_copied_module_keeps_its_buffers_on_the_device(device):
    bn = cr.nn.BatchNorm1d(3).to(device)
    copied = copy.deepcopy(bn)
    assert {b.device for b in copied.buffers()} == {device}
    assert {p.device for p in copied.parameters()} == {device}
