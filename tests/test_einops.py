"""einops on chainrule tensors (chainrule/_einops_backend.py) and einops' layers as chainrule Modules
(chainrule/einops_layers.py), each compared with einops on PyTorch: values, gradients, state_dict and printing."""
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

einops = pytest.importorskip("einops", reason="einops is not installed (pip install einops)")
from einops import einsum, pack, rearrange, reduce, repeat, unpack  # noqa: E402

from chainrule.einops_layers import EinMix, Rearrange, Reduce  # noqa: E402

RUNNER_FOLDER = Path(__file__).resolve().parent / "programs"


def _twins(*shape, seed=0):
    """The same float64 values as a chainrule and a PyTorch tensor, both requiring grad."""
    values = np.random.default_rng(seed).standard_normal(shape)
    return (cr.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True))


def _assert_same(ours, theirs, rtol=1e-10, atol=1e-12):
    assert_close(ours.detach(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def _assert_same_gradient(transform):
    """transform(x) on both frameworks: same values, and the same x.grad for a weighted sum of the result."""
    ours_x, theirs_x = _twins(2, 6, 4, 3)
    ours, theirs = transform(ours_x), transform(theirs_x)
    _assert_same(ours, theirs)
    weights = np.random.default_rng(1).standard_normal(tuple(theirs.shape))
    (ours * cr.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    _assert_same(ours_x.grad, theirs_x.grad)


@requires_torch
@pytest.mark.parametrize("pattern, lengths", [
    ("b c h w -> b h w c", {}),
    ("b c (h1 h2) w -> (b h1) c h2 w", {"h1": 2}),
    ("b c h w -> b (c h w)", {}),
    ("b ... w -> w ... b", {}),
    ("b c h w -> c (b h) 1 w", {}),
])
def test_rearrange_matches_pytorch_with_gradients(pattern, lengths):
    _assert_same_gradient(lambda x: rearrange(x, pattern, **lengths))


@requires_torch
@pytest.mark.parametrize("pattern, lengths", [
    ("b c h w -> b c h w r", {"r": 2}),
    ("b c h w -> (r b) c (h s) w", {"r": 3, "s": 2}),
    ("b c h w -> b c (h w) copy", {"copy": 2}),
])
def test_repeat_matches_pytorch_with_gradients(pattern, lengths):
    _assert_same_gradient(lambda x: repeat(x, pattern, **lengths))


@requires_torch
@pytest.mark.parametrize("reduction", ["min", "max", "sum", "mean", "prod"])
@pytest.mark.parametrize("pattern", ["b c h w -> b c", "b c (h h2) w -> h b", "b c h w -> "])
def test_reduce_matches_pytorch_with_gradients(reduction, pattern):
    _assert_same_gradient(lambda x: reduce(x, pattern, reduction, h2=2) if "h2" in pattern else
                          reduce(x, pattern, reduction))


@requires_torch
@pytest.mark.parametrize("reduction", ["any", "all"])
def test_boolean_reductions_match_pytorch(reduction):
    ours_x, theirs_x = _twins(2, 6, 4)
    _assert_same(reduce(ours_x > -0.5, "a b c -> b", reduction), reduce(theirs_x > -0.5, "a b c -> b", reduction))


@requires_torch
def test_a_list_of_tensors_is_stacked_as_in_pytorch():
    (ours_a, theirs_a), (ours_b, theirs_b) = _twins(2, 3, seed=2), _twins(2, 3, seed=3)
    _assert_same(rearrange([ours_a, ours_b], "n a b -> a (n b)"),
                 rearrange([theirs_a, theirs_b], "n a b -> a (n b)"))


@requires_torch
def test_pack_and_unpack_match_pytorch_with_gradients():
    (ours_a, theirs_a), (ours_b, theirs_b) = _twins(2, 3, 4, seed=2), _twins(2, 5, seed=3)
    ours, ours_shapes = pack([ours_a, ours_b], "b *")
    theirs, theirs_shapes = pack([theirs_a, theirs_b], "b *")
    _assert_same(ours, theirs)
    assert [tuple(s) for s in ours_shapes] == [tuple(s) for s in theirs_shapes]
    ours_parts, theirs_parts = unpack(ours * 3, ours_shapes, "b *"), unpack(theirs * 3, theirs_shapes, "b *")
    for ours_part, theirs_part in zip(ours_parts, theirs_parts):
        _assert_same(ours_part, theirs_part)
    (ours_parts[0].sum() + (ours_parts[1] ** 2).sum()).backward()
    (theirs_parts[0].sum() + (theirs_parts[1] ** 2).sum()).backward()
    _assert_same(ours_a.grad, theirs_a.grad)
    _assert_same(ours_b.grad, theirs_b.grad)


@requires_torch
def test_einsum_with_named_axes_matches_pytorch_with_gradients():
    (ours_q, theirs_q), (ours_k, theirs_k) = _twins(2, 5, 4, seed=2), _twins(2, 6, 4, seed=3)
    ours = einsum(ours_q, ours_k, "batch query dim, batch key dim -> batch query key")
    theirs = einsum(theirs_q, theirs_k, "batch query dim, batch key dim -> batch query key")
    _assert_same(ours, theirs)
    ours.sum().backward()
    theirs.sum().backward()
    _assert_same(ours_q.grad, theirs_q.grad)


def test_parse_shape_and_asnumpy():
    ours_x = cr.randn(2, 3, 4, requires_grad=True)
    assert einops.parse_shape(ours_x, "b _ w") == {"b": 2, "w": 4}
    np.testing.assert_array_equal(einops.asnumpy(ours_x), ours_x.detach().numpy())


def test_mean_of_an_integer_tensor_is_refused_as_in_pytorch():
    with pytest.raises(NotImplementedError, match="reduce_mean is not available for non-floating tensors"):
        reduce(cr.ones(2, 3, dtype=cr.int64), "a b -> a", "mean")


@pytest.mark.parametrize("first", ["einops", "chainrule"])
def test_the_backend_is_found_whichever_is_imported_first_and_torch_stays_unimported(first):
    second = "chainrule" if first == "einops" else "einops"
    code = textwrap.dedent(f"""
        import sys
        import {first}, {second}
        from chainrule.einops_layers import Rearrange
        x = chainrule.arange(6.0).reshape(2, 3)
        assert einops.rearrange(x, "a b -> b a").tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
        assert Rearrange("a b -> (b a)")(x).tolist() == [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
        assert "torch" not in sys.modules, "einops on chainrule imported PyTorch"
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_chainrule_imports_without_einops_and_its_layers_module_names_what_is_missing():
    code = textwrap.dedent("""
        import sys
        class WithoutEinops:
            def find_spec(self, name, path, target=None):
                if name.partition(".")[0] == "einops":
                    raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        sys.meta_path.insert(0, WithoutEinops())
        import chainrule
        assert "einops" not in sys.modules
        try:
            import chainrule.einops_layers
        except ModuleNotFoundError as error:
            assert error.name == "einops", error
        else:
            raise AssertionError("chainrule.einops_layers imported without einops")
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@requires_torch
def test_torch_and_chainrule_tensors_each_get_their_own_backend():
    from einops._backends import get_backend
    ours_x, theirs_x = _twins(2, 3)
    assert get_backend(ours_x).framework_name == "chainrule"
    assert get_backend(theirs_x).framework_name == "torch"
    assert get_backend(cr.nn.Parameter(cr.ones(2))).framework_name == "chainrule"


def _copy_parameters(ours, theirs):
    ours.load_state_dict({key: cr.tensor(value.detach().numpy()) for key, value in theirs.state_dict().items()})


@requires_torch
def test_layers_in_sequential_match_pytorch():
    import einops.layers.torch as torch_layers

    def model(nn, layers):
        return nn.Sequential(layers.Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=2, p2=2),
                             nn.Linear(12, 8), layers.Reduce("b n d -> b d", "mean"), nn.LayerNorm(8),
                             layers.Reduce("b (d k) -> b d", "max", k=2))

    ours, theirs = model(cr.nn, sys.modules["chainrule.einops_layers"]), model(torch.nn, torch_layers)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy_parameters(ours, theirs.double())
    ours.double()
    ours_x, theirs_x = _twins(2, 3, 4, 4)
    _assert_same(ours(ours_x), theirs(theirs_x))
    ours(ours_x).sum().backward()
    theirs(theirs_x).sum().backward()
    _assert_same(ours_x.grad, theirs_x.grad)
    _assert_same(ours[1].weight.grad, theirs[1].weight.grad)


def _recording_parameter_bounds(einmix_class):
    """einmix_class whose instances keep the (shape, bound) pairs einops' mixin asked their parameters for."""
    class Recording(einmix_class):
        def _create_parameters(self, weight_shape, weight_bound, bias_shape, bias_bound):
            super()._create_parameters(weight_shape, weight_bound, bias_shape, bias_bound)
            self.requested = {"weight": (list(weight_shape), weight_bound), "bias": (bias_shape, bias_bound)}
    Recording.__name__ = "EinMix"
    return Recording


@requires_torch
@pytest.mark.parametrize("pattern, weight_shape, bias_shape, lengths, input_shape", [
    ("b t c -> b t d", "c d", "d", {"c": 4, "d": 5}, (3, 2, 4)),
    ("b (g c) -> b (g d)", "g c d", "g d", {"g": 2, "c": 2, "d": 3}, (3, 4)),
    ("b c t -> b d t", "c d", None, {"c": 4, "d": 3}, (3, 4, 2)),
])
def test_einmix_state_dict_and_outputs_match_pytorch(pattern, weight_shape, bias_shape, lengths, input_shape):
    from einops.layers.torch import EinMix as TorchEinMix
    ours = _recording_parameter_bounds(EinMix)(pattern, weight_shape=weight_shape, bias_shape=bias_shape, **lengths)
    theirs = _recording_parameter_bounds(TorchEinMix)(pattern, weight_shape=weight_shape, bias_shape=bias_shape,
                                                      **lengths).double()
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    # uniform in PyTorch's layer's He bounds, for the weight and the bias alike
    assert ours.requested == theirs.requested
    for key, value in ours.state_dict().items():
        bound = ours.requested[key][1]
        assert value.abs().max().item() <= bound and value.std().item() > bound / 10
    _copy_parameters(ours, theirs)
    ours.double()
    ours_x, theirs_x = _twins(*input_shape)
    _assert_same(ours(ours_x), theirs(theirs_x))
    ours(ours_x).pow(2).sum().backward()
    theirs(theirs_x).pow(2).sum().backward()
    _assert_same(ours.weight.grad, theirs.weight.grad)
    _assert_same(ours_x.grad, theirs_x.grad)
    assert [name for name, _ in ours.named_parameters()] == [name for name, _ in theirs.named_parameters()]


@requires_torch
def test_einops_torch_layers_in_a_chainrule_module_become_chainrules():
    """A program keeps `from einops.layers.torch import ...` (einops imports torch itself): placed in a
    chainrule module by attribute, Sequential, ModuleList or ModuleDict, the layers become chainrule's."""
    import einops.layers.torch as torch_layers

    class Patches(cr.nn.Module):
        def __init__(self):
            super().__init__()
            self.to_patches = torch_layers.Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=2, p2=2)
            self.blocks = cr.nn.ModuleList([torch_layers.Reduce("b n d -> b d", "mean")])
            self.heads = cr.nn.ModuleDict({"mix": torch_layers.EinMix("b d -> b e", weight_shape="d e",
                                                                      bias_shape="e", d=12, e=5)})

        def forward(self, x):
            return self.heads["mix"](self.blocks[0](self.to_patches(x)))

    model = Patches()
    assert isinstance(model.to_patches, Rearrange) and isinstance(model.blocks[0], Reduce)
    assert isinstance(model.heads["mix"], EinMix)
    assert repr(model.to_patches) == repr(torch_layers.Rearrange("b c (h p1) (w p2) -> b (h w) (p1 p2 c)", p1=2, p2=2))
    assert list(model.state_dict()) == ["heads.mix.weight", "heads.mix.bias"]
    x = cr.randn(2, 3, 4, 4, requires_grad=True)
    model(x).sum().backward()
    assert x.grad.shape == x.shape and model.heads["mix"].weight.grad.shape == (12, 5)
    sequential = cr.nn.Sequential(torch_layers.Rearrange("b c h w -> b (c h w)"), cr.nn.Linear(48, 2))
    assert isinstance(sequential[0], Rearrange) and sequential(x).shape == (2, 2)


@requires_torch
def test_an_adopted_einmix_draws_its_weights_from_chainrules_generator():
    import einops.layers.torch as torch_layers

    def built():
        cr.manual_seed(3)
        return cr.nn.Sequential(torch_layers.EinMix("b d -> b e", weight_shape="d e", d=4, e=3))[0].weight

    assert built().tolist() == built().tolist()


def test_the_runner_leaves_einops_imports_as_they_are():
    sys.path.insert(0, str(RUNNER_FOLDER))
    from run_program import with_chainrule_imports
    source = "from einops.layers.torch import Rearrange, Reduce\nfrom einops import rearrange\n"
    assert with_chainrule_imports(source) == source
