"""batch_norm, layer_norm, group_norm and instance_norm: gradcheck + gradgradcheck in float64 and
PyTorch parity (forward, backward, updated running statistics) over training/eval, affine
parameters, ranks 2-4, momentum, normalized_shape and groups; float32 accuracy; bad input."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

TF = torch.nn.functional if torch is not None else None


def libs():
    """(chainrule functional, tensor constructor) and PyTorch's, for building the same fn twice."""
    return (F, cr.tensor), (TF, None if torch is None else torch.tensor)


def running_stats(channels, tensor):
    rng = np.random.default_rng(7)
    return tensor(rng.standard_normal(channels)), tensor(rng.random(channels) + 0.5)


def batch_norm_fn(nf, tensor, affine, training, momentum=0.1):
    """fn(x, *params) for check_op: weight and bias come after x when `affine` says so."""
    def fn(x, *params):
        w = params[0] if affine >= 1 else None
        b = params[1] if affine >= 2 else None
        mean, var = running_stats(x.shape[1], tensor)
        return nf.batch_norm(x, mean, var, w, b, training=training, momentum=momentum, eps=1e-5)
    return fn


SHAPES = [(4, 3), (3, 3, 4), (2, 3, 2, 3)]


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("affine", [0, 1, 2])
@pytest.mark.parametrize("shape", SHAPES)
def test_batch_norm_grad(shape, affine, training):
    (cf, ct), (tf, tt) = libs()
    shapes = [shape] + [(shape[1],)] * affine
    check_op(batch_norm_fn(cf, ct, affine, training), shapes,
             torch_fn=None if tf is None else batch_norm_fn(tf, tt, affine, training))


def test_batch_norm_without_running_stats_grad():
    torch_fn = None if TF is None else (lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True))
    check_op(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), [(5, 2, 3), (2,), (2,)],
             torch_fn=torch_fn)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("momentum", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("shape", SHAPES + [(8, 5, 6, 7)])
def test_batch_norm_running_stats_match_torch(shape, momentum, dtype):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 3 + 2).astype(dtype)
    mean, var = (a.astype(dtype) for a in running_stats(shape[1], np.asarray))
    ours = [cr.tensor(mean), cr.tensor(var)]
    theirs = [torch.tensor(mean), torch.tensor(var)]
    versions = [t._version for t in ours]
    y = F.batch_norm(cr.tensor(x), *ours, training=True, momentum=momentum)
    ty = TF.batch_norm(torch.tensor(x), *theirs, training=True, momentum=momentum)
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    assert_close(y, ty.numpy(), **tol)
    for o, t, v in zip(ours, theirs, versions):
        assert_close(o, t.numpy(), **tol)
        assert o._version > v
    # evaluation then uses the updated statistics
    assert_close(F.batch_norm(cr.tensor(x), *ours), TF.batch_norm(torch.tensor(x), *theirs).numpy(), **tol)


@requires_torch
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_float32_forward_backward(training):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((16, 8, 9, 9)) * 5 + 100).astype(np.float32)  # a large mean: stable statistics
    w, b, g = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32), \
        rng.standard_normal(x.shape).astype(np.float32)
    mean, var = (a.astype(np.float32) for a in running_stats(8, np.asarray))
    ours = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.batch_norm(ours[0], cr.tensor(mean), cr.tensor(var), ours[1], ours[2], training=training)
    ty = TF.batch_norm(theirs[0], torch.tensor(mean), torch.tensor(var), theirs[1], theirs[2], training=training)
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        assert_close(o.grad, t.grad.numpy(), rtol=1e-3, atol=1e-3)


def test_batch_norm_grad_fn_and_no_grad_of_running_stats():
    x = cr.randn(4, 3, requires_grad=True)
    mean, var = cr.zeros(3, requires_grad=True), cr.ones(3)
    y = F.batch_norm(x, mean, var, training=True)
    assert type(y.grad_fn).__name__ == "NativeBatchNormBackward0" or "NativeBatchNormBackward0" in str(y.grad_fn)
    y.sum().backward()
    assert mean.grad is None


def layer_norm_fn(nf, normalized_shape, affine):
    def fn(x, *params):
        w = params[0] if affine >= 1 else None
        b = params[1] if affine >= 2 else None
        return nf.layer_norm(x, normalized_shape, w, b, eps=1e-5)
    return fn


@pytest.mark.parametrize("affine", [0, 1, 2])
@pytest.mark.parametrize("shape, normalized_shape", [((5,), (5,)), ((3, 4), (4,)), ((2, 3, 4), (3, 4)),
                                                     ((2, 2, 3, 4), 4)])
def test_layer_norm_grad(shape, normalized_shape, affine):
    ns = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    check_op(layer_norm_fn(F, normalized_shape, affine), [shape] + [ns] * affine,
             torch_fn=None if TF is None else layer_norm_fn(TF, ns, affine))  # PyTorch's wants a tuple


def group_norm_fn(nf, groups, affine):
    def fn(x, *params):
        w = params[0] if affine >= 1 else None
        b = params[1] if affine >= 2 else None
        return nf.group_norm(x, groups, w, b, eps=1e-5)
    return fn


@pytest.mark.parametrize("affine", [0, 2])
@pytest.mark.parametrize("shape, groups", [((3, 4), 2), ((2, 4, 3), 1), ((2, 4, 3), 2), ((2, 4, 3), 4),
                                           ((2, 6, 2, 2), 3)])
def test_group_norm_grad(shape, groups, affine):
    check_op(group_norm_fn(F, groups, affine), [shape] + [(shape[1],)] * affine,
             torch_fn=None if TF is None else group_norm_fn(TF, groups, affine))


def test_group_norm_weight_or_bias_only_grad():
    torch_fn = None if TF is None else (lambda x, w: TF.group_norm(x, 2, w))
    check_op(lambda x, w: F.group_norm(x, 2, w), [(2, 4, 3), (4,)], torch_fn=torch_fn)
    # PyTorch 2.13's group_norm backward fails with a bias and no weight: gradcheck only
    check_op(lambda x, b: F.group_norm(x, 2, None, b), [(2, 4, 3), (4,)])


@pytest.mark.parametrize("affine", [0, 2])
def test_instance_norm_grad(affine):
    def fn(nf):
        return lambda x, *p: nf.instance_norm(x, None, None, *p)
    check_op(fn(F), [(2, 3, 4)] + [(3,)] * affine, torch_fn=None if TF is None else fn(TF))


@requires_torch
def test_instance_norm_running_stats_match_torch():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 2, 5))
    mean, var = running_stats(2, np.asarray)
    ours, theirs = [cr.tensor(mean), cr.tensor(var)], [torch.tensor(mean), torch.tensor(var)]
    y = F.instance_norm(cr.tensor(x), *ours, momentum=0.3)
    ty = TF.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    assert_close(y, ty.numpy(), rtol=1e-10, atol=1e-12)
    for o, t in zip(ours, theirs):
        assert_close(o, t.numpy(), rtol=1e-10, atol=1e-12)
    y = F.instance_norm(cr.tensor(x), *ours, use_input_stats=False)
    assert_close(y, TF.instance_norm(torch.tensor(x), *theirs, use_input_stats=False).numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
@pytest.mark.parametrize("op", ["layer_norm", "group_norm"])
def test_float32_forward_backward(op):
    rng = np.random.default_rng(4)
    x = (rng.standard_normal((8, 12, 7, 5)) * 4 + 50).astype(np.float32)
    shape = (7, 5) if op == "layer_norm" else (12,)
    arg = shape if op == "layer_norm" else 3
    w, b = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    ours = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(F, op)(ours[0], arg, ours[1], ours[2])
    ty = getattr(TF, op)(theirs[0], arg, theirs[1], theirs[2])
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-4, atol=1e-4)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        assert_close(o.grad, t.grad.numpy(), rtol=1e-3, atol=2e-3)


def test_empty_inputs():
    assert F.layer_norm(cr.zeros(0, 4), (4,)).shape == (0, 4)
    assert F.group_norm(cr.zeros(0, 4, 3), 2).shape == (0, 4, 3)
    x = cr.zeros(2, 4, 0, requires_grad=True)
    w = cr.ones(4, requires_grad=True)
    F.group_norm(x, 2, w).sum().backward()
    assert_close(w.grad, np.zeros(4, np.float32))


def test_bad_input():
    x = cr.randn(4, 3, 5)
    with pytest.raises(ValueError, match=r"batch_norm.*weight.*\(3,\).*\(4,\)"):
        F.batch_norm(x, None, None, cr.ones(4), training=True)
    with pytest.raises(ValueError, match=r"batch_norm.*running_mean.*\(2,\)"):
        F.batch_norm(x, cr.zeros(2), cr.ones(2))
    with pytest.raises(RuntimeError, match="batch_norm.*running_mean.*evaluation mode"):
        F.batch_norm(x, None, None)
    with pytest.raises(ValueError, match="batch_norm: expected more than 1 value per channel"):
        F.batch_norm(cr.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="batch_norm"):
        F.batch_norm(cr.randn(3), None, None, training=True)
    with pytest.raises(RuntimeError, match="batch_norm.*dtype"):
        F.batch_norm(x, None, None, cr.ones(3, dtype=cr.float64), training=True)
    with pytest.raises(TypeError, match="batch_norm.*float"):
        F.batch_norm(cr.zeros(4, 3, dtype=cr.int64), None, None, training=True)
    with pytest.raises(ValueError, match="batch_norm: eps"):
        F.batch_norm(x, None, None, training=True, eps=0.0)
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\).*\(4, 3, 5\)"):
        F.layer_norm(x, 4)
    with pytest.raises(ValueError, match=r"layer_norm.*\(2, 3, 4, 3, 5\)"):
        F.layer_norm(x, (2, 3, 4, 3, 5))
    with pytest.raises(ValueError, match=r"layer_norm.*weight.*\(5,\)"):
        F.layer_norm(x, 5, cr.ones(4))
    with pytest.raises(ValueError, match=r"group_norm.*divisible.*\(4, 3, 5\).*num_groups=2"):
        F.group_norm(x, 2)
    with pytest.raises(ValueError, match="group_norm.*num_groups=0"):
        F.group_norm(x, 0)
    with pytest.raises(ValueError, match=r"group_norm.*bias.*\(3,\)"):
        F.group_norm(x, 3, None, cr.ones(2))
    with pytest.raises(ValueError, match="group_norm: expected more than 1 value per group"):
        F.group_norm(cr.randn(1, 2, 1), 2)


@requires_torch
def test_batch_norm_strided_running_stats_and_inputs():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 4, 3))
    stats = np.stack([np.zeros(4), np.ones(4)], 1)  # (4, 2): columns are strided views
    ours = cr.tensor(stats)
    theirs = torch.tensor(stats)
    y = F.batch_norm(cr.tensor(x).transpose(0, 2), ours[:, 0], ours[:, 1], training=True, momentum=0.3)
    ty = TF.batch_norm(torch.tensor(x).transpose(0, 2), theirs[:, 0], theirs[:, 1], training=True, momentum=0.3)
    assert_close(y, ty.numpy(), rtol=1e-10, atol=1e-12)
    assert_close(ours, theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["BatchNorm1d", "BatchNorm2d", "SyncBatchNorm", "LazyBatchNorm1d", "InstanceNorm1d",
                                  "InstanceNorm2d", "LazyInstanceNorm3d", "LayerNorm", "GroupNorm"])
def test_norm_base_classes_and_import_paths_match_torch(name):
    """Programs freeze batch norms with isinstance(m, torch.nn.modules.batchnorm._BatchNorm): instance
    norms are _NormBase but not _BatchNorm, as in PyTorch, and the torch.nn.modules import paths work."""
    import importlib
    bases = {}
    for lib in ("chainrule", "torch") if torch is not None else ("chainrule",):
        batchnorm = importlib.import_module(f"{lib}.nn.modules.batchnorm")
        instancenorm = importlib.import_module(f"{lib}.nn.modules.instancenorm")
        cls = getattr(importlib.import_module(f"{lib}.nn"), name)
        assert getattr(batchnorm, name, cls) is cls and getattr(instancenorm, name, cls) is cls
        bases[lib] = [issubclass(cls, base) for base in (batchnorm._NormBase, batchnorm._BatchNorm,
                                                          instancenorm._InstanceNorm)]
    assert len(set(map(tuple, bases.values()))) == 1, bases
