"""chainrule.__version__ compares as a version (torch.torch_version.TorchVersion), and a tensor takes
any Python attribute as a torch.Tensor does: both are things real scripts rely on (Informer's
`padding = 1 if torch.__version__ >= '1.5.0' else 2` and `pe.require_grad = False`)."""
import pytest

import chainrule as cr
from chainrule.torch_version import TorchVersion
from conftest import requires_torch, torch


@requires_torch
@pytest.mark.parametrize("other", ["1.5.0", "2.2", "2.13", "2.13.0", "2.14.0a0", "10.0", (2, 0), (2, 13, 0), (3,)])
def test_version_compares_like_torch_version(other):
    ours = TorchVersion("2.13.0+chainrule.0.1.0")
    theirs = torch.torch_version.TorchVersion("2.13.0+cpu")
    for compare in (lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b):
        assert compare(ours, other) == compare(theirs, other), other


def test_chainrule_version_is_a_current_pytorch_version_string():
    version = cr.__version__
    assert isinstance(version, str) and version >= "1.5.0" and version >= "2.0" and not version < "2.2"
    assert version.split("+")[0] == "2.13.0" and cr.version.__version__ == version


def test_pre_releases_come_before_their_release():
    assert TorchVersion("2.13.0a0") < "2.13.0" and TorchVersion("2.13.0") == "2.13" and hash(TorchVersion("x")) == hash("x")


@requires_torch
def test_tensor_takes_python_attributes_like_torch():
    for module in (torch, cr):
        pe = module.zeros(4, 2).float()
        pe.require_grad = False  # a misspelling real code carries: it only sets a Python attribute
        pe.tag = "positional"
        assert pe.require_grad is False and pe.tag == "positional" and pe.requires_grad is False
        assert pe.__dict__ == {"require_grad": False, "tag": "positional"}
        del pe.tag
        assert not hasattr(pe, "tag")


@requires_torch
@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_python_attributes_travel_with_copies_like_torch(how):
    import copy
    import pickle
    copier = {"copy": copy.copy, "deepcopy": copy.deepcopy, "pickle": lambda t: pickle.loads(pickle.dumps(t))}[how]
    for module in (torch, cr):
        tensor = module.ones(3)
        tensor.tag = ["positional"]
        copied = copier(tensor)
        assert copied.tag == ["positional"] and copied.tolist() == [1.0, 1.0, 1.0]
        assert (copied.tag is tensor.tag) == (how == "copy"), module


@requires_torch
def test_python_attributes_travel_through_save_and_load_both_ways(tmp_path):
    ours = cr.ones(2)
    ours.tag = "positional"
    cr.save({"pe": ours, "plain": cr.zeros(1)}, tmp_path / "ours.pt")
    for load in (cr.load, lambda path: torch.load(path, weights_only=False)):
        loaded = load(tmp_path / "ours.pt")
        assert loaded["pe"].tag == "positional" and loaded["pe"].tolist() == [1.0, 1.0]
        assert not loaded["plain"].__dict__
    theirs = torch.ones(2)
    theirs.tag = "positional"
    torch.save(theirs, tmp_path / "theirs.pt")
    assert cr.load(tmp_path / "theirs.pt").tag == "positional"
