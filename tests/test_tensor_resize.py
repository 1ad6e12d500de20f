"""Tensor.resize_, resize_as_ and set_ against torch: the storage grows in place (views taken before
keep aliasing it, the old contents stay as a prefix), shrinking keeps the storage, set_ shares the
source's storage with torch's geometry rules (offset relative to a tensor source, growth to fit),
version counters go up, and torch's errors (tensors that require grad, storages that cannot grow,
memory formats, argument types). New elements of a grown storage are uninitialized, as in torch:
the tests read only the kept prefix."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, requires_torch, torch
from cuda_support import requires_gpu


def both(lib, n=6):
    return lib.arange(float(n))


def geometry(t):
    return tuple(t.shape), tuple(t.stride()), t.storage_offset()


@requires_torch
@pytest.mark.parametrize("sizes", [(3,), (2, 4), (10,), (0,), (3, 0, 2), ()])
def test_resize_keeps_the_prefix_and_earlier_views_alias_the_new_memory(sizes):
    for lib in (cr, torch):
        t = both(lib)
        before = t.view(2, 3)
        version = t._version
        assert t.resize_(sizes) is t
        assert geometry(t) == geometry(torch.arange(6.0).resize_(sizes))
        assert t._version == version + 1
        kept = min(6, t.numel())
        np.testing.assert_array_equal(t.reshape(-1)[:kept].numpy(), np.arange(kept))
        if t.numel() >= 6:
            t.view(-1)[0] = 100.0  # the storage grew in place: `before` sees the write
            assert before[0, 0].item() == 100.0
            assert before.data_ptr() == t.data_ptr()


@requires_torch
def test_resize_of_a_view_starts_at_its_offset():
    ours, theirs = cr.arange(10.0)[2:5], torch.arange(10.0)[2:5]
    ours.resize_(4)
    theirs.resize_(4)
    assert geometry(ours) == geometry(theirs)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    strided = cr.arange(10.0)[::2]
    strided.resize_(3)
    assert tuple(strided.stride()) == tuple(torch.arange(10.0)[::2].resize_(3).stride()) == (1,)


@requires_torch
def test_resize_forms_and_resize_as_match_torch():
    for args in [((2, 3),), ([2, 3],), (2, 3), (cr.Size([4]),)]:
        theirs = tuple(torch.Size(a) if isinstance(a, cr.Size) else a for a in args)
        assert tuple(cr.zeros(2).resize_(*args).shape) == tuple(torch.zeros(2).resize_(*theirs).shape)
    out = cr.zeros(2, dtype=cr.int64)
    assert out.resize_as_(cr.zeros(3, 2)) is out
    assert tuple(out.shape) == (3, 2) and out.dtype == cr.int64
    transposed = cr.zeros(2, 3).t()
    assert geometry(cr.zeros(2).resize_as_(transposed)) == geometry(torch.zeros(2).resize_as_(torch.zeros(2, 3).t()))
    assert tuple(cr.zeros(2).resize_as_(cr.zeros(2, 3), memory_format=cr.preserve_format).shape) == (2, 3)
    assert tuple(cr.zeros(2).resize_(1, 2, 3, 4, memory_format=cr.channels_last).shape) == (1, 2, 3, 4)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(2, requires_grad=True).resize_(3),
    lambda lib: lib.zeros(2, requires_grad=True).resize_(2),
    lambda lib: (lib.zeros(2, requires_grad=True) * 2).resize_(2),
    lambda lib: lib.zeros(2, requires_grad=True).resize_as_(lib.zeros(3)),
    lambda lib: lib.from_numpy(np.zeros(3, dtype=np.float32)).resize_(5),
    lambda lib: lib.zeros(2).resize_(-1),
    lambda lib: lib.zeros(2).resize_(2, 3, memory_format=lib.channels_last),
    lambda lib: lib.zeros(2).resize_(2, 3, memory_format=lib.preserve_format),
    lambda lib: lib.zeros(2).resize_(2.0),
    lambda lib: lib.zeros(2).resize_("a"),
    lambda lib: lib.zeros(2).resize_(),
    lambda lib: lib.zeros(2).resize_as_(3),
])
def test_resize_errors_are_torchs(call):
    assert_same_error(lambda: call(cr), lambda: call(torch), prefix=0)


def test_resize_error_messages_say_why():
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        cr.zeros(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="Trying to resize storage that is not resizable.*NumPy"):
        cr.from_numpy(np.zeros(3, dtype=np.float32)).resize_(5)


def test_shrinking_a_numpy_backed_tensor_and_growing_a_detached_leaf_are_allowed():
    array = np.arange(3, dtype=np.float32)
    t = cr.from_numpy(array).resize_(2)
    t[0] = 7.0
    assert array[0] == 7.0  # shrinking keeps the NumPy memory
    leaf = cr.zeros(2, requires_grad=True)
    alias = leaf.detach().resize_(5)
    alias[0] = 3.0
    assert leaf[0].item() == 3.0 and leaf.data_ptr() == alias.data_ptr()  # torch: the leaf's storage grew too


@requires_torch
@pytest.mark.parametrize("args", [(), (1, (2, 2), (1, 1)), (1, (2, 2)), (1, (3, 3)), (-1, (2,)), (0, (0,))])
def test_set_shares_the_sources_storage_with_torchs_geometry(args):
    results = []
    for lib in (cr, torch):
        source = lib.arange(12.0)[3:9].view(2, 3)
        t = lib.zeros(1)
        version = t._version
        assert t.set_(source, *args) is t
        assert t._version > version
        if t.numel():  # torch's data_ptr() of an empty tensor is 0
            assert t.data_ptr() - source.data_ptr() == (t.storage_offset() - source.storage_offset()) * 4
        results.append((geometry(t), t.reshape(-1)[:4].tolist()))
    assert results[0] == results[1]


@requires_torch
def test_set_aliases_and_grows_and_set_with_no_argument_empties():
    for lib in (cr, torch):
        source = lib.arange(4.0)
        t = lib.zeros(3).set_(source)
        t[0] = 100.0
        assert source[0].item() == 100.0
        lib.zeros(1).set_(source, 2, (5,))  # past the end: the source's storage grows in place
        source[0] = 5.0
        assert t[0].item() == 5.0 and t.data_ptr() == source.data_ptr()
        view = lib.arange(5.0)[1:]
        view.set_(lib.ones(2))
        assert view.tolist() == [1.0, 1.0]
        empty = lib.zeros(3).set_()
        assert tuple(empty.shape) == (0,)
    leaf = cr.zeros(2, requires_grad=True)
    with cr.no_grad():
        leaf.set_(cr.ones(5))
    assert leaf.requires_grad and leaf.tolist() == [1.0] * 5


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib: lib.zeros(3).set_(lib.zeros(2, dtype=lib.int64)),
    lambda lib: lib.zeros(3).set_(3),
    lambda lib: lib.zeros(2, requires_grad=True).set_(lib.zeros(3)),
    lambda lib: lib.zeros(1).set_(lib.arange(10.0)[3:], -4, (2,)),
    lambda lib: lib.zeros(1).set_(lib.arange(10.0), 0, (2,), (1, 1)),
    lambda lib: lib.zeros(1).set_(lib.arange(10.0), 0, (-2,)),
    lambda lib: lib.zeros(1).set_(lib.from_numpy(np.zeros(3, dtype=np.float32)), 0, (5,)),
])
def test_set_errors_are_torchs(call):
    assert_same_error(lambda: call(cr), lambda: call(torch), prefix=0)


def test_set_from_a_source_that_requires_grad_is_refused_with_grad_mode_on():
    # torch gives the tensor a grad_fn that cannot backpropagate; chainrule refuses up front
    with pytest.raises(RuntimeError, match="does not record set_"):
        cr.zeros(2).set_(cr.ones(2, requires_grad=True))
    with cr.no_grad():
        assert not cr.zeros(2).set_(cr.ones(2, requires_grad=True)).requires_grad


@requires_gpu
def test_resize_grows_a_gpu_storage_in_place():
    t = cr.arange(6.0, device="cuda")
    before = t.view(2, 3)
    t.resize_(10)
    t[0] = 100.0
    assert before[0, 0].item() == 100.0
    np.testing.assert_array_equal(t[1:6].cpu().numpy(), np.arange(1.0, 6.0))
