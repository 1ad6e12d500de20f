"""chainrule.nn.utils.prune against torch_prune, as the pruning tutorial uses it: the same
masks (L1, Ln-structured, combined prunings, global, custom) on the same weights, the _orig/_mask
state_dict keys, forward outputs, remove(), is_pruned, the random methods' counts, and errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.utils.prune as prune
from conftest import requires_torch, torch

pytestmark = requires_torch
torch_prune = __import__("importlib").import_module("torch.nn.utils.prune") if torch is not None else None


def twins():
    """A small conv net in both libraries with the same weights."""
    def build(lib):
        return lib.nn.Sequential(lib.nn.Conv2d(1, 4, 3), lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(16, 5))
    torch.manual_seed(0)
    theirs, ours = build(torch), build(cr)
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def same_state(ours, theirs):
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_allclose(a[key].numpy(), b[key].detach().numpy(), rtol=1e-6, err_msg=key)
    x = np.random.RandomState(1).randn(2, 1, 4, 4).astype(np.float32)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("steps", [
    [("l1_unstructured", "weight", {"amount": 0.3})],
    [("l1_unstructured", "bias", {"amount": 2})],
    [("ln_structured", "weight", {"amount": 0.5, "n": 2, "dim": 0})],
    [("ln_structured", "weight", {"amount": 1, "n": 1, "dim": -1})],
    [("ln_structured", "weight", {"amount": 0.5, "n": 2, "dim": 0}), ("l1_unstructured", "weight", {"amount": 0.25})],
    [("l1_unstructured", "weight", {"amount": 0.2}), ("ln_structured", "weight", {"amount": 1, "n": 1, "dim": 1})],
    [("identity", "weight", {})],
])
def test_pruning_gives_torchs_masks_keys_and_outputs(steps):
    ours, theirs = twins()
    for fn, name, kwargs in steps:
        for model, lib in ((ours, prune), (theirs, torch_prune)):
            getattr(lib, fn)(model[3] if name == "bias" else model[0], name, **kwargs)
    same_state(ours, theirs)
    assert prune.is_pruned(ours) and [type(h).__name__ for h in ours[0]._forward_pre_hooks.values()] == \
        [type(h).__name__ for h in theirs[0]._forward_pre_hooks.values()]
    name = steps[0][1]
    for model, lib in ((ours, prune), (theirs, torch_prune)):
        lib.remove(model[3] if name == "bias" else model[0], name)
    same_state(ours, theirs)
    assert not prune.is_pruned(ours)
    assert isinstance((ours[3] if name == "bias" else ours[0]).__dict__.get(name, getattr(ours[0], name)), cr.Tensor)


def test_global_unstructured_and_custom_from_mask_match_torch():
    ours, theirs = twins()
    prune.global_unstructured([(ours[0], "weight"), (ours[3], "weight")], pruning_method=prune.L1Unstructured,
                              amount=0.4)
    torch_prune.global_unstructured([(theirs[0], "weight"), (theirs[3], "weight")],
                                             pruning_method=torch_prune.L1Unstructured, amount=0.4)
    same_state(ours, theirs)
    mask = (np.arange(5) % 2).astype(np.float32)
    prune.custom_from_mask(ours[3], "bias", cr.tensor(mask))
    torch_prune.custom_from_mask(theirs[3], "bias", torch.tensor(mask))
    same_state(ours, theirs)


def test_the_pruned_weight_follows_training_of_its_original():
    ours, _ = twins()
    prune.l1_unstructured(ours[3], "weight", amount=0.5)
    assert [n for n, _ in ours[3].named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in ours[3].named_buffers()] == ["weight_mask"]
    optimizer = cr.optim.SGD(ours.parameters(), lr=0.1)
    ours(cr.randn(2, 1, 4, 4)).sum().backward()
    optimizer.step()
    ours(cr.randn(2, 1, 4, 4))  # the pre-hook recomputes weight from the updated weight_orig
    expected = ours[3].weight_orig.detach().numpy() * ours[3].weight_mask.numpy()
    np.testing.assert_allclose(ours[3].weight.detach().numpy(), expected)
    assert int((ours[3].weight == 0).sum()) >= 40


@pytest.mark.parametrize("method, kwargs, zeros", [
    ("random_unstructured", {"amount": 0.25}, 9),     # 36 entries of the conv weight
    ("random_structured", {"amount": 2, "dim": 0}, 18),
])
def test_random_methods_prune_as_many_as_torch(method, kwargs, zeros):
    ours, theirs = twins()
    getattr(prune, method)(ours[0], "weight", **kwargs)
    getattr(torch_prune, method)(theirs[0], "weight", **kwargs)
    assert int((ours[0].weight_mask == 0).sum()) == int((theirs[0].weight_mask == 0).sum()) == zeros


def test_bad_arguments_raise_like_torch():
    for lib in (prune, torch_prune):
        ours, theirs = twins()
        model = ours if lib is prune else theirs
        with pytest.raises(ValueError, match="amount=1.5 should either be a float in the range"):
            lib.l1_unstructured(model[0], "weight", amount=1.5)
        with pytest.raises(TypeError, match="Invalid type for amount"):
            lib.l1_unstructured(model[0], "weight", amount="half")
        with pytest.raises(ValueError, match="amount=100 should be smaller than the number of parameters"):
            lib.l1_unstructured(model[0], "weight", amount=100)
        assert sorted(n for n, _ in model[0].named_parameters()) == ["bias", "weight"]  # the failed pruning undone
        with pytest.raises(ValueError, match="Structured pruning can only be applied to multidimensional"):
            lib.ln_structured(model[0], "bias", amount=1, n=2, dim=0)
        with pytest.raises(ValueError, match="has to be pruned before pruning can be removed"):
            lib.remove(model[0], "weight")
        with pytest.raises(TypeError, match='Only "unstructured" PRUNING_TYPE supported'):
            lib.global_unstructured([(model[0], "weight")], pruning_method=lib.LnStructured, amount=1, n=1)
