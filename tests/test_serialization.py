"""chainrule.save / chainrule.load: safetensors round trips, PyTorch interop, atomic writes, errors, and
safetensors files that are the same bytes each time the same object is saved."""
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
import safetensors.numpy

import chainrule as cr
import chainrule.serialization as serialization
from conftest import requires_torch, torch


def assert_tensors_equal(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def assert_same_tree(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, cr.Tensor):
        assert_tensors_equal(a, b)
    elif isinstance(a, dict):
        assert list(a.keys()) == list(b.keys())
        for k in a:
            assert_same_tree(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same_tree(x, y)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def checkpoint():
    w = cr.randn(4, 3)
    return {
        "model": {"fc.weight": w, "fc.bias": cr.zeros(4, dtype=cr.float64),
                  "bn.num_batches_tracked": cr.tensor(7), "mask": cr.tensor([True, False])},
        "optimizer": {"state": {0: {"step": cr.tensor(3.0), "exp_avg": cr.randn(4, 3)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0, 1],
                                        "nesterov": False, "foreach": None, "name": "all"}]},
        "scheduler": {"last_epoch": 3, "gamma": float("nan"), "best": float("-inf")},
        "epoch": 3,
        "tied": [w, w],
    }


def test_checkpoint_round_trip(tmp_path):
    ckpt = checkpoint()
    cr.save(ckpt, tmp_path / "ckpt.safetensors")
    back = cr.load(tmp_path / "ckpt.safetensors")
    assert_same_tree(ckpt, back)
    assert back["tied"][0] is back["tied"][1] is back["model"]["fc.weight"]
    assert back["model"]["bn.num_batches_tracked"].dim() == 0
    assert list(back["optimizer"]["state"].keys()) == [0]  # int keys stay ints


SAVE_SAMPLE = """
import chainrule as cr

def save_sample(path):
    state = {"fc.weight": cr.arange(12.0).reshape(3, 4), "fc.bias": cr.zeros(3, dtype=cr.float64),
             "bn.num_batches_tracked": cr.tensor(7), "mask": cr.tensor([True, False])}
    cr.save({"model": state, "epoch": 3, "optimizer": {"lr": 0.1}} if "ckpt" in path else state, path)
"""


def test_the_same_object_saves_to_the_same_bytes(tmp_path):
    # safetensors writes its header's metadata keys in an order that changes from run to run; save() sorts them
    names = [f"{kind}{i}.safetensors" for kind in ("sd", "ckpt") for i in range(3)]
    for seed in ("1", "2"):    # fresh processes, different hash seeds
        subprocess.run([sys.executable, "-c", SAVE_SAMPLE + "import sys\nfor p in sys.argv[1:]: save_sample(p)",
                        *[str(tmp_path / f"seed{seed}_{name}") for name in names]],
                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
    namespace = {}
    exec(SAVE_SAMPLE, namespace)
    for name in names:
        namespace["save_sample"](str(tmp_path / name))
    for kind in ("sd", "ckpt"):
        files = {path.read_bytes() for path in tmp_path.glob(f"*{kind}?.safetensors")}
        assert len(files) == 1, f"{kind}: {len(files)} different files from 9 saves"
        data = files.pop()
        header = json.loads(data[8:8 + int.from_bytes(data[:8], "little")])
        assert list(header["__metadata__"]) == ["chainrule", "format"]
        assert sorted(safetensors.numpy.load(data)) == sorted(k for k in header if k != "__metadata__")
    assert_same_tree(cr.load(tmp_path / "ckpt0.safetensors")["model"], cr.load(tmp_path / "sd0.safetensors"))


def test_state_dict_is_a_plain_safetensors_file(tmp_path):
    sd = {"w": cr.randn(3, 5).t(), "b": cr.arange(4)[::2], "s": cr.tensor(2.5, dtype=cr.float64)}
    path = str(tmp_path / "sd.safetensors")
    cr.save(sd, path)
    arrays = safetensors.numpy.load_file(path)
    assert sorted(arrays) == ["b", "s", "w"]
    np.testing.assert_array_equal(arrays["w"], sd["w"].numpy())
    back = cr.load(path)
    assert_same_tree(sd, back)
    assert back["w"].is_contiguous()


@pytest.mark.parametrize("name", ["ckpt.safetensors", "ckpt.pt"])
def test_views_empty_and_grad_tensors_round_trip(tmp_path, name):
    x = cr.arange(12.0).reshape(3, 4)
    obj = {"offset": x[1:], "expanded": cr.tensor([1.0, 2.0]).expand(3, 2), "empty": cr.zeros(0, 3),
           "empty_bool": cr.zeros(0, dtype=cr.bool), "leaf": cr.ones(2, requires_grad=True)}
    cr.save(obj, tmp_path / name)
    back = cr.load(tmp_path / name)
    for k, v in obj.items():
        assert_tensors_equal(v.detach(), back[k].detach())
    # safetensors holds values only (as a state dict holds them); PyTorch's format keeps requires_grad.
    assert back["leaf"].requires_grad == name.endswith(".pt")


def test_file_objects_and_map_location():
    buf = io.BytesIO()
    cr.save({"x": cr.ones(2, 2), "n": 1}, buf)
    buf.seek(0)
    back = cr.load(buf, map_location="cpu")
    assert back["n"] == 1 and back["x"].device == cr.device("cpu")
    buf.seek(0)
    assert cr.load(buf, map_location={"cpu": "cpu"})["x"].sum().item() == 4
    bare = io.BytesIO()
    cr.save(cr.arange(3), bare)
    bare.seek(0)
    assert cr.load(bare).tolist() == [0, 1, 2]


def test_loads_foreign_safetensors_and_widens_what_it_lacks(tmp_path):
    path = tmp_path / "foreign.safetensors"
    safetensors.numpy.save_file({"a": np.arange(3, dtype=np.int32), "h": np.ones(2, np.float16),
                                 "u": np.array([255], np.uint8)}, str(path))
    back = cr.load(path)
    assert back["a"].dtype == cr.int32 and back["h"].dtype == cr.float16 and back["u"].tolist() == [255]
    safetensors.numpy.save_file({"w": np.array([7, 65535], np.uint16)}, str(path))
    assert cr.load(path)["w"].dtype == cr.int64 and cr.load(path)["w"].tolist() == [7, 65535]
    safetensors.numpy.save_file({"big": np.array([2**64 - 1], np.uint64)}, str(path))
    with pytest.raises(ValueError, match="load: tensor 'big' has dtype uint64"):
        cr.load(path)


def test_atomic_write_under_a_crash(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    cr.save({"v": cr.tensor([1.0])}, path)
    before = path.read_bytes()

    def half_then_crash(file, data):
        file.write(data[: len(data) // 2])
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(serialization, "_write_all", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        cr.save({"v": cr.tensor([2.0]), "more": cr.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]
    monkeypatch.undo()
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk gone")))
    with pytest.raises(OSError, match="disk gone"):
        cr.save({"v": cr.tensor([3.0])}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.safetensors"]


def test_errors(tmp_path):
    with pytest.raises(TypeError, match="save: cannot save an object of type set at key path 'opt/0/params'"):
        cr.save({"opt": [{"params": {1, 2}}]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        cr.save({(1, 2): cr.zeros(1)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="save: f must be a path"):
        cr.save({}, 3)
    assert not os.listdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="load: no such file"):
        cr.load(tmp_path / "missing.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"this is not safetensors")
    with pytest.raises(ValueError, match="is not a safetensors file"):
        cr.load(junk)
    with pytest.raises(TypeError, match="map_location"):
        cr.load(junk, map_location=3)


@requires_torch
def test_torch_loads_chainrule_state_dict(tmp_path):
    import safetensors.torch
    lin = torch.nn.Linear(5, 3)
    conv = torch.nn.Conv2d(2, 4, 3)
    for module in (lin, conv):
        sd = {k: cr.from_numpy(v.detach().numpy().copy() + 1) for k, v in module.state_dict().items()}
        path = str(tmp_path / "m.safetensors")
        cr.save(sd, path)
        module.load_state_dict(safetensors.torch.load_file(path))
        for k, v in module.state_dict().items():
            np.testing.assert_array_equal(v.numpy(), sd[k].numpy())


@requires_torch
def test_chainrule_loads_torch_state_dict(tmp_path):
    import safetensors.torch
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                                torch.nn.Linear(8, 3))
    path = str(tmp_path / "torch.safetensors")
    safetensors.torch.save_file(model.state_dict(), path)
    back = cr.load(path)
    assert list(back) == sorted(model.state_dict())
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    assert back["1.num_batches_tracked"].dtype == cr.int64 and back["1.num_batches_tracked"].dim() == 0
