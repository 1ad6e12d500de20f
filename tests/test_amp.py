"""chainrule.amp: GradScaler's scaling, unscaling, skipping and scale schedule against PyTorch's on
the CPU, its errors, and autocast regions as context and decorator (which ops cast: test_autocast.py)."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch


def scaled_training(lib, grads_per_step, **scaler_args):
    """Runs SGD through a GradScaler('cpu') with the given raw gradients; returns the parameter,
    the scale after each update and the optimizer steps' results."""
    w = lib.nn.Parameter(lib.ones(3, dtype=lib.float64))
    opt = lib.optim.SGD([w], lr=0.5)
    scaler = lib.amp.GradScaler("cpu", **scaler_args)
    scales = []
    for g in grads_per_step:
        loss = (w * lib.tensor(g, dtype=lib.float64)).sum()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad()
        scales.append(scaler.get_scale())
    return w.detach().numpy().copy(), scales, scaler.state_dict()


GRADS = [[1.0, 2.0, 3.0], [np.inf, 1.0, 1.0], [0.5, 0.5, 0.5], [np.nan, 0, 0], [1, 1, 1], [2, 2, 2], [1, 0, 1]]


@requires_torch
def test_scale_schedule_and_skipped_steps_match_pytorch():
    args = dict(init_scale=1024.0, growth_interval=2, growth_factor=4.0, backoff_factor=0.25)
    ours = scaled_training(cr, GRADS, **args)
    theirs = scaled_training(torch, GRADS, **args)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    assert ours[1] == theirs[1]
    theirs_state = {k: (v.item() if hasattr(v, "item") else v) for k, v in theirs[2].items()}
    assert ours[2] == theirs_state


def test_an_overflow_skips_the_step_and_backs_the_scale_off():
    w, scales, _ = scaled_training(cr, [[np.inf, 1.0, 1.0]], init_scale=8.0)
    np.testing.assert_array_equal(w, [1.0, 1.0, 1.0])
    assert scales == [4.0]


def test_unscale_then_clip_then_step_as_scripts_do():
    w = cr.nn.Parameter(cr.ones(2))
    opt = cr.optim.SGD([w], lr=0.1)
    scaler = cr.amp.GradScaler("cpu", init_scale=2.0 ** 10)
    scaler.scale((w * 2).sum()).backward()
    assert w.grad.tolist() == [2.0 ** 11] * 2
    scaler.unscale_(opt)
    assert w.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        scaler.unscale_(opt)
    cr.nn.utils.clip_grad_norm_([w], 1.0)
    scaler.step(opt)
    scaler.update()
    assert w.detach().numpy() == pytest.approx([1 - 0.1 / 2 ** 0.5] * 2, rel=1e-6)


def test_a_disabled_scaler_passes_everything_through():
    scaler = cr.amp.GradScaler("cpu", enabled=False)
    loss = cr.ones(1).sum()
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    w = cr.nn.Parameter(cr.ones(1))
    w.grad = cr.ones(1)
    opt = cr.optim.SGD([w], lr=1.0)
    scaler.step(opt)
    scaler.update()
    assert w.item() == 0.0


def test_update_without_scale_is_pytorchs_assertion():
    with pytest.raises(AssertionError, match="_scale is None"):
        cr.amp.GradScaler("cpu").update()


def test_cuda_amp_grad_scaler_disables_itself_without_a_gpu():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scaler = cr.cuda.amp.GradScaler()
    assert not scaler.is_enabled()
    assert any("deprecated" in str(w.message) for w in caught)
    assert any("CUDA is not available" in str(w.message) for w in caught)


def test_state_dict_round_trip():
    a = cr.amp.GradScaler("cpu", init_scale=64.0, growth_interval=7)
    b = cr.amp.GradScaler("cpu")
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()


def test_autocast_regions_nest():
    assert not cr.is_autocast_enabled("cpu")
    with cr.autocast("cpu"):
        assert cr.is_autocast_enabled("cpu") and not cr.is_autocast_enabled()
        with cr.amp.autocast(device_type="cpu", enabled=False):
            assert not cr.is_autocast_enabled("cpu")
        assert cr.is_autocast_enabled("cpu")
        assert (cr.ones(2, 2) @ cr.ones(2, 2)).dtype == cr.bfloat16  # tests/test_autocast.py: which ops cast
    assert not cr.is_autocast_enabled("cpu")

    @cr.autocast("cpu")
    def inside():
        return cr.is_autocast_enabled("cpu")

    assert inside() and not cr.is_autocast_enabled("cpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type"):
        cr.autocast("tpu")


def _scaled_square(lib, **fwd_options):
    """An autograd.Function whose forward and backward are decorated with amp.custom_fwd/custom_bwd,
    recording whether autocast was on in each."""
    seen = {}

    class ScaledSquare(lib.autograd.Function):
        @staticmethod
        @lib.amp.custom_fwd(device_type="cpu", **fwd_options)
        def forward(ctx, x, scale):
            seen["fwd"] = lib.is_autocast_enabled("cpu")
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x * x * scale

        @staticmethod
        @lib.amp.custom_bwd(device_type="cpu")
        def backward(ctx, grad):
            seen["bwd"] = lib.is_autocast_enabled("cpu")
            (x,) = ctx.saved_tensors
            return grad * 2 * x * ctx.scale, None

    return ScaledSquare, seen


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
@pytest.mark.parametrize("cast_inputs", [None, "float32"])
@pytest.mark.parametrize("in_region", [False, True])
def test_custom_fwd_and_custom_bwd_keep_the_autocast_state_like_torch(lib, cast_inputs, in_region):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    options = {} if cast_inputs is None else {"cast_inputs": getattr(m, cast_inputs)}
    fn, seen = _scaled_square(m, **options)
    x = m.tensor([1.0, 2.0], requires_grad=True)
    with m.autocast("cpu", enabled=in_region):
        y = fn.apply(x, 3.0)
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 12.0]
    # with cast_inputs, forward runs with autocast off, and so does backward
    assert seen == {"fwd": in_region and cast_inputs is None, "bwd": in_region and cast_inputs is None}


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_custom_fwd_bad_device_type_and_cuda_amp_spellings_warn(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        m.amp.custom_fwd(lambda ctx, x: x, device_type=None)
    with pytest.warns(FutureWarning, match="torch.cuda.amp.custom_fwd\\(args...\\)` is deprecated"):
        m.cuda.amp.custom_fwd(lambda ctx, x: x)
    with pytest.warns(FutureWarning, match="torch.cuda.amp.custom_bwd\\(args...\\)` is deprecated"):
        m.cuda.amp.custom_bwd(lambda ctx, g: g)
