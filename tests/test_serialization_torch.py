"""PyTorch's zip checkpoint format both ways: torch.save -> chainrule.load and chainrule.save -> torch.load
(dtypes, views and shared storages, nested checkpoints, state dicts into models and optimizers,
map_location, mmap). The chainrule-only round trips of the format are in test_serialization_safety.py."""
import io
import pickle
import warnings
import zipfile

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def torch_to_cr(obj, **load_args):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return cr.load(buf, **load_args)


def cr_to_torch(obj, **load_args):
    buf = io.BytesIO()
    cr.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, **load_args)


# torch dtype -> the chainrule dtype it loads as (the ones chainrule lacks are widened losslessly).
WIDENED = {torch.float32: cr.float32, torch.float64: cr.float64, torch.int64: cr.int64, torch.bool: cr.bool,
           torch.float16: cr.float16, torch.bfloat16: cr.bfloat16, torch.int32: cr.int32, torch.int16: cr.int16,
           torch.int8: cr.int8, torch.uint8: cr.uint8, torch.uint16: cr.int64, torch.uint32: cr.int64}


@pytest.mark.parametrize("dtype", list(WIDENED), ids=str)
def test_torch_dtypes_load(dtype):
    values = torch.tensor([[0, 1, 2], [3, 4, 127]]).to(dtype)
    if dtype.is_floating_point:
        values = values / 3 - 1.5  # fractions that float16/bfloat16 round, kept bit for bit
    back = torch_to_cr({"t": values, "view": values[:, 1:]})
    assert back["t"].dtype == WIDENED[dtype] and back["t"].shape == (2, 3)
    widen = dtype == torch.bfloat16  # NumPy has no bfloat16: compared through float32, which holds it exactly
    ours, view = (back["t"].float(), back["view"].float()) if widen else (back["t"], back["view"])
    expected = values.float() if widen else values
    np.testing.assert_array_equal(ours.numpy(), expected.numpy().astype(ours.numpy().dtype))
    np.testing.assert_array_equal(view.numpy(), ours.numpy()[:, 1:])


@pytest.mark.parametrize("dtype", [torch.uint64, torch.complex64])
def test_torch_dtypes_chainrule_lacks_are_an_error(dtype):
    with pytest.raises(ValueError, match=f"has dtype {str(dtype).split('.')[1]}.*chainrule cannot"):
        torch_to_cr({"t": torch.ones(2, dtype=dtype)})


def test_torch_views_keep_their_storage():
    x = torch.arange(24.0).reshape(4, 6)
    saved = {"x": x, "rows": x[1:3], "cols": x[:, ::2], "t": x.t(), "expanded": torch.ones(3, 1).expand(3, 4),
             "scalar": torch.tensor(2.5, dtype=torch.float64), "empty": torch.zeros(0, 5)}
    back = torch_to_cr(saved)
    for k, v in saved.items():
        assert back[k].shape == tuple(v.shape) and back[k].stride() == v.stride(), k
        assert back[k].storage_offset() == v.storage_offset(), k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    assert back["rows"]._storage_id() == back["x"]._storage_id() == back["t"]._storage_id()
    back["x"][2, 0] = -1.0  # one storage: the write shows through every view
    assert back["rows"][1, 0].item() == back["t"][0, 2].item() == back["cols"][2, 0].item() == -1.0


def test_chainrule_views_keep_their_storage_in_torch():
    x = cr.arange(24.0).reshape(4, 6)
    saved = {"cols": x[:, 2:5:2], "x": x, "t": x.t(), "offset": x[3:], "expanded": cr.ones(3, 1).expand(3, 4)}
    back = cr_to_torch(saved)
    for k, v in saved.items():
        assert tuple(back[k].shape) == v.shape and back[k].stride() == v.stride(), k
        assert back[k].storage_offset() == v.storage_offset(), k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    assert back["cols"].untyped_storage().data_ptr() == back["x"].untyped_storage().data_ptr()
    # The storage covers every view, whichever comes first in the dict.
    assert back["x"].untyped_storage().nbytes() == 24 * 4


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64, cr.bool])
def test_chainrule_dtypes_in_torch(dtype):
    t = (cr.arange(6) % 4).reshape(2, 3).to(dtype)
    back = cr_to_torch({"t": t, "leaf": cr.ones(2, requires_grad=True)})
    assert str(back["t"].dtype) == str(dtype).replace("chainrule", "torch")
    np.testing.assert_array_equal(back["t"].numpy(), t.numpy())
    assert back["leaf"].requires_grad  # torch.save keeps requires_grad, and so does chainrule.save


def trained_torch(model, steps=2):
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        model(torch.ones(2, 3)).square().sum().backward()
        opt.step()
    return model, opt


def test_torch_checkpoint_into_chainrule_model_and_optimizer(tmp_path):
    tm, topt = trained_torch(torch.nn.Linear(3, 2))
    torch.save({"epoch": 3, "model": tm.state_dict(), "optimizer": topt.state_dict(), "loss": 0.12},
               tmp_path / "ckpt.pth")
    ckpt = cr.load(tmp_path / "ckpt.pth")
    assert ckpt["epoch"] == 3 and ckpt["loss"] == 0.12 and list(ckpt["optimizer"]["state"]) == [0, 1]
    cm = cr.nn.Linear(3, 2)
    copt = cr.optim.Adam(cm.parameters(), lr=0.01)
    cm.load_state_dict(ckpt["model"])
    copt.load_state_dict(ckpt["optimizer"])
    for model, opt, x in ((cm, copt, cr.ones(2, 3)), (tm, topt, torch.ones(2, 3))):  # one more step each
        opt.zero_grad()
        model(x).square().sum().backward()
        opt.step()
    np.testing.assert_allclose(cm.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_chainrule_checkpoint_into_torch_model_and_optimizer(tmp_path):
    cm = cr.nn.Sequential(cr.nn.Conv2d(1, 2, 3), cr.nn.BatchNorm2d(2), cr.nn.Flatten(), cr.nn.Linear(8, 3))
    copt = cr.optim.Adam(cm.parameters(), lr=0.01)
    cm(cr.randn(2, 1, 4, 4)).sum().backward()
    copt.step()
    cr.save({"epoch": 3, "model": cm.state_dict(), "optimizer": copt.state_dict(), "loss": 0.12}, tmp_path / "c.pt")
    ckpt = torch.load(tmp_path / "c.pt")  # weights_only=True, PyTorch's default
    tm = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2), torch.nn.Flatten(),
                             torch.nn.Linear(8, 3))
    tm.load_state_dict(ckpt["model"])
    torch.optim.Adam(tm.parameters(), lr=0.01).load_state_dict(ckpt["optimizer"])
    assert ckpt["epoch"] == 3 and ckpt["loss"] == 0.12
    for k, v in cm.state_dict().items():
        np.testing.assert_array_equal(tm.state_dict()[k].numpy(), v.numpy())
    assert list(tm.state_dict()) == list(cm.state_dict())


def test_nested_structures_and_parameters_both_ways():
    saved = {"list": [1, 2.5, None, "s", True], "tuple": (1, (2, 3)), "int_keys": {0: {1: "a"}}, "set": {1, 2},
             "bytes": b"\x00\xff", "complex": 1 + 2j, "nan": float("inf")}
    assert torch_to_cr(saved) == saved
    assert cr_to_torch(saved) == saved
    torch_meta = {"size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu")}
    cr_meta = {"size": cr.Size([2, 3]), "dtype": cr.float64, "device": cr.device("cpu")}
    assert torch_to_cr(torch_meta) == cr_meta and type(torch_to_cr(torch_meta)["size"]) is cr.Size
    assert cr_to_torch(cr_meta) == torch_meta and type(cr_to_torch(cr_meta)["size"]) is torch.Size
    p = cr_to_torch({"p": cr.nn.Parameter(cr.ones(2))})["p"]
    assert isinstance(p, torch.nn.Parameter) and p.requires_grad
    p = torch_to_cr({"p": torch.nn.Parameter(torch.ones(2), requires_grad=False)})["p"]
    assert isinstance(p, cr.nn.Parameter) and not p.requires_grad


def test_map_location(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "cpu.pt")
    # The same checkpoint as if saved from a GPU: its storage's location says cuda:0.
    with zipfile.ZipFile(tmp_path / "cpu.pt") as src, zipfile.ZipFile(tmp_path / "gpu.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):
                data = data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")
            dst.writestr(info, data)
    gpu = tmp_path / "gpu.pt"
    for map_location in ("cpu", cr.device("cpu"), {"cuda:0": "cpu"}, lambda storage, location: storage):
        assert cr.load(gpu, map_location=map_location)["w"].device == cr.device("cpu")
    seen = []
    cr.load(gpu, map_location=lambda storage, location: seen.append(location) or storage)
    assert seen == ["cuda:0"]
    if not cr.cuda.is_available():
        with pytest.raises(RuntimeError, match="deserialize a tensor on device 'cuda:0'.*map_location='cpu'"):
            cr.load(gpu)
        with pytest.raises(RuntimeError, match="chainrule.cuda.is_available"):
            cr.load(tmp_path / "cpu.pt", map_location="cuda")


def test_mmap_both_ways(tmp_path):
    torch.save({"x": torch.arange(10.0), "y": torch.arange(3)}, tmp_path / "t.pt")
    back = cr.load(tmp_path / "t.pt", mmap=True)
    back["x"][0] = 5.0  # copy-on-write: the file keeps its bytes
    assert cr.load(tmp_path / "t.pt")["x"][0].item() == 0.0 and back["y"].tolist() == [0, 1, 2]
    cr.save({"x": cr.arange(10.0)}, tmp_path / "c.pt")
    assert torch.load(tmp_path / "c.pt", mmap=True)["x"].tolist() == list(range(10))  # 64-byte aligned records
    with pytest.raises(ValueError, match="mmap"):
        cr.load(io.BytesIO(), mmap=True)


def test_numpy_in_torch_format_needs_safe_globals_as_in_torch(tmp_path):
    saved = {"a": np.arange(6.0).reshape(2, 3), "s": np.float32(2.5)}
    cr.save(saved, tmp_path / "n.pt")
    torch.save(saved, tmp_path / "t.pt")
    for path in (tmp_path / "n.pt", tmp_path / "t.pt"):
        for load in (cr.load, torch.load):  # neither weights-only loader runs NumPy's functions by default
            with pytest.raises(pickle.UnpicklingError, match="(?s)Weights only load failed.*numpy"):
                load(path)
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(path)
        numpy_globals = [np._core.multiarray._reconstruct, np.ndarray, np.dtype, np._core.multiarray.scalar]
        assert sorted(unsafe) == sorted(f"{g.__module__}.{g.__name__}" for g in numpy_globals)
        assert cr.serialization.get_unsafe_globals_in_checkpoint(path) == sorted(unsafe)
        dtype_classes = [type(np.dtype(np.float64)), type(np.dtype(np.float32))]  # torch's loader builds only these
        with cr.serialization.safe_globals(numpy_globals), \
                torch.serialization.safe_globals(numpy_globals + dtype_classes):
            for back in (cr.load(path), torch.load(path)):
                np.testing.assert_array_equal(back["a"], saved["a"])
                assert back["s"] == saved["s"] and back["s"].dtype == np.float32


@pytest.mark.parametrize("protocol", [2, 4, pickle.HIGHEST_PROTOCOL])
def test_save_with_torchs_pickle_options_loads_in_torch_and_chainrule(protocol):
    """torch.save's keyword arguments: pickle_protocol (written as asked), _disable_byteorder_record (no
    byteorder record), _use_new_zipfile_serialization=False (the zip format still, with a warning)."""
    state = {"w": cr.arange(6.0).reshape(2, 3), "step": 3, "names": ["a", "b"]}
    buffer = io.BytesIO()
    cr.save(state, buffer, pickle_module=pickle, pickle_protocol=protocol, _disable_byteorder_record=True)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        names = archive.namelist()
        data_pkl = archive.read(next(n for n in names if n.endswith("data.pkl")))
    assert data_pkl[:2] == bytes([0x80, protocol]) and not any(n.endswith("/byteorder") for n in names)
    loaded = cr.load(io.BytesIO(buffer.getvalue()))
    assert loaded["w"].tolist() == state["w"].tolist() and loaded["step"] == 3
    if torch is not None:  # torch's weights_only unpickler reads protocol 2 only (as with torch.save's files)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch warns about protocols other than 2
            theirs = torch.load(io.BytesIO(buffer.getvalue()), weights_only=protocol == 2)
        assert theirs["w"].tolist() == state["w"].tolist() and theirs["names"] == ["a", "b"]
    with pytest.warns(UserWarning, match="_use_new_zipfile_serialization=False is ignored"):
        cr.save(state, io.BytesIO(), _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="only Python's pickle module is supported as pickle_module"):
        cr.save(state, io.BytesIO(), pickle_module=zipfile)


# torch.save(model) pickles the model's layers by class (pytorch/examples' word_language_model and
# super_resolution save whole models): each library must load the other's as its own layers.
WHOLE_MODELS = {
    "lstm": lambda nn: nn.LSTM(4, 5, num_layers=2, bidirectional=True),
    "lstm_proj": lambda nn: nn.LSTM(4, 5, proj_size=3, bias=False),
    "gru": lambda nn: nn.GRU(4, 5),
    "attention": lambda nn: nn.MultiheadAttention(4, 2),
    "encoder": lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0), 2),
    "conv_net": lambda nn: nn.Sequential(nn.Conv2d(4, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                                         nn.PixelShuffle(1), nn.Flatten(), nn.Linear(3 * 25, 2)),
    "embedding": lambda nn: nn.Sequential(nn.Embedding(10, 4), nn.Dropout(0.5), nn.LayerNorm(4)),
}


def _run_whole_model(kind, model, lib):
    model.eval()
    generator = np.random.default_rng(0)
    if kind == "embedding":
        return model(lib.tensor(generator.integers(0, 10, (3, 5))))
    x = lib.tensor(generator.standard_normal((1, 4, 5, 5) if kind == "conv_net" else (5, 1, 4)).astype(np.float32))
    out = model(x, x, x) if kind == "attention" else model(x)
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("kind", list(WHOLE_MODELS))
def test_whole_model_pickles_load_as_the_other_librarys_layers(kind):
    ours, theirs = WHOLE_MODELS[kind](cr.nn), WHOLE_MODELS[kind](torch.nn)
    from_ours = cr_to_torch(ours, weights_only=False)
    from_theirs = torch_to_cr(theirs, weights_only=False)
    assert {type(m).__module__.split(".")[0] for m in from_ours.modules()} == {"torch"}
    assert {type(m).__module__.split(".")[0] for m in from_theirs.modules()} == {"chainrule"}
    np.testing.assert_allclose(_run_whole_model(kind, from_ours, torch).detach().numpy(),
                               _run_whole_model(kind, ours, cr).detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run_whole_model(kind, from_theirs, cr).detach().numpy(),
                               _run_whole_model(kind, theirs, torch).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_allowing_chainrules_layers_allows_pytorchs_names_for_them():
    buf = io.BytesIO()
    torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()), buf)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError, match=r"GLOBAL torch\.nn\.modules\.container\.Sequential"):
        cr.load(buf)
    buf.seek(0)
    with cr.serialization.safe_globals([cr.nn.Sequential, cr.nn.Linear, cr.nn.ReLU]):
        model = cr.load(buf)
    assert isinstance(model, cr.nn.Sequential) and isinstance(model[0], cr.nn.Linear)
