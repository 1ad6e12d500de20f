"""chainrule.save / chainrule.load without PyTorch: the PyTorch zip format's round trips, the weights-only
loader (hostile pickles run nothing; whole modules need weights_only=False; safe_globals), damaged files,
atomic writes, and NumPy arrays in the safetensors format."""
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import chainrule as cr
import chainrule.serialization as serialization
from chainrule.serialization._torch_zip_writer import _Global, _TorchPickler


def round_trip(obj, name="ckpt.pt", tmp_path=None, **load_args):
    if tmp_path is None:
        buf = io.BytesIO()
        cr.save(obj, buf)
        buf.seek(0)
        return cr.load(buf, **load_args)
    cr.save(obj, tmp_path / name)
    return cr.load(tmp_path / name, **load_args)


def torch_like_zip(data_pkl, records=None):
    """A zip laid out as torch.save's, around a hand-made pickle."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("archive/data.pkl", data_pkl)
        archive.writestr("archive/byteorder", b"little")
        for key, data in (records or {}).items():
            archive.writestr(f"archive/data/{key}", data)
        archive.writestr("archive/version", b"3\n")
    buf.seek(0)
    return buf


def test_torch_format_round_trip_keeps_views_types_and_grad():
    x = cr.arange(12.0).reshape(3, 4)
    ckpt = {"model": {"w": x, "w_t": x.t(), "row": x[1], "b": cr.tensor([True]), "n": cr.tensor(7)},
            "optimizer": {"state": {0: {"step": cr.tensor(3.0)}}, "param_groups": [{"betas": (0.9, 0.99)}]},
            "epoch": 3, "loss": 0.12, "p": cr.nn.Parameter(cr.ones(2)), "leaf": cr.ones(1, requires_grad=True),
            "meta": (cr.Size([2, 3]), cr.int64, cr.bool, cr.device("cpu"))}
    back = round_trip(ckpt)
    assert back["model"]["w_t"].stride() == (1, 4) and back["model"]["row"].storage_offset() == 4
    assert back["model"]["w"]._storage_id() == back["model"]["row"]._storage_id()
    np.testing.assert_array_equal(back["model"]["w_t"].numpy(), x.t().numpy())
    assert back["model"]["n"].dtype == cr.int64 and back["model"]["b"].dtype == cr.bool
    assert back["optimizer"]["param_groups"] == [{"betas": (0.9, 0.99)}] and list(back["optimizer"]["state"]) == [0]
    assert isinstance(back["p"], cr.nn.Parameter) and back["p"].requires_grad and back["leaf"].requires_grad
    assert (back["epoch"], back["loss"]) == (3, 0.12) and back["meta"] == ckpt["meta"]


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "model.ckpt", "model"])
def test_any_path_but_safetensors_gets_torch_zip(tmp_path, name):
    cr.save({"w": cr.ones(2)}, tmp_path / name)
    assert zipfile.is_zipfile(tmp_path / name)
    assert cr.load(tmp_path / name)["w"].tolist() == [1.0, 1.0]


def test_whole_module_needs_weights_only_false(tmp_path):
    model = cr.nn.Sequential(cr.nn.Linear(3, 2), cr.nn.ReLU())
    cr.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"(?s)Weights only load failed.*set weights_only=False if you "
                       r"trust the source.*GLOBAL torch\.nn\.Sequential"):  # PyTorch's name, which torch.load reads
        cr.load(tmp_path / "model.pt")
    with cr.serialization.safe_globals([cr.nn.Sequential, cr.nn.Linear, cr.nn.ReLU]):
        assert isinstance(cr.load(tmp_path / "model.pt"), cr.nn.Sequential)
    back = cr.load(tmp_path / "model.pt", weights_only=False)
    assert isinstance(back, cr.nn.Sequential) and isinstance(back[0].weight, cr.nn.Parameter)
    x = cr.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), model(x).detach().numpy())


class Point:
    def __init__(self, x):
        self.x = x


def test_safe_globals_let_listed_classes_through():
    buf = io.BytesIO()
    cr.save({"p": Point(3)}, buf)
    serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError, match="add_safe_globals\\(\\[Point\\]\\)"):
        cr.load(io.BytesIO(buf.getvalue()))
    assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == [f"{__name__}.Point"]
    with serialization.safe_globals([Point]):
        assert serialization.get_safe_globals() == [Point]
        assert serialization.get_unsafe_globals_in_checkpoint(io.BytesIO(buf.getvalue())) == []
        assert cr.load(io.BytesIO(buf.getvalue()))["p"].x == 3
    assert serialization.get_safe_globals() == []  # the context manager restores the list
    serialization.add_safe_globals([(Point, f"{__name__}.Point")])
    try:
        assert cr.load(io.BytesIO(buf.getvalue()))["p"].x == 3
    finally:
        serialization.clear_safe_globals()
    with pytest.raises(TypeError, match="add_safe_globals"):
        serialization.add_safe_globals([(Point,)])


class WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


class RunsPython:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return exec, (f"open({str(self.path)!r}, 'w').close()",)


@pytest.mark.parametrize("protocol", [2, 4])  # GLOBAL and STACK_GLOBAL opcodes
@pytest.mark.parametrize("payload", [WritesAFile, RunsPython])
def test_hostile_pickle_runs_nothing(tmp_path, protocol, payload):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"w": [1, payload(marker)]}, protocol=protocol)
    pickle.loads(pickle.dumps(payload(tmp_path / "check")))  # the payload does work when unpickled freely
    assert (tmp_path / "check").exists()
    with pytest.raises(pickle.UnpicklingError, match=r"Unsupported global: GLOBAL (posix\.system|builtins\.exec)"):
        cr.load(torch_like_zip(data))
    assert serialization.get_unsafe_globals_in_checkpoint(torch_like_zip(data)) in (["posix.system"], ["builtins.exec"])
    assert not marker.exists()


def test_malformed_checkpoints_are_clear_errors(tmp_path):
    cr.save({"w": cr.arange(100.0)}, tmp_path / "good.pt")
    data = (tmp_path / "good.pt").read_bytes()
    for cut in (len(data) - 10, len(data) // 2, 10):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises(ValueError, match="is not a readable zip checkpoint, it may be truncated"):
            cr.load(tmp_path / "cut.pt")
    flipped = bytearray(data)
    flipped[data.index(np.arange(100.0, dtype=np.float32).tobytes()) + 8] ^= 0xFF  # a byte of the tensor
    with pytest.raises(ValueError, match="damaged.*CRC"):
        cr.load(io.BytesIO(bytes(flipped)))
    with pytest.raises(ValueError, match="not a PyTorch checkpoint"):
        cr.load(_zip_without_pickle())
    with pytest.raises(pickle.UnpicklingError, match="unsupported persistent id"):
        cr.load(torch_like_zip(_pickle_with_persistent_id(("storage", "os.system", "0", "cpu", 1))))
    with pytest.raises(ValueError, match="no record 'archive/data/0'"):
        pid = ("storage", _Global("torch", "FloatStorage"), "0", "cpu", 1)
        cr.load(torch_like_zip(_pickle_with_persistent_id(pid)))
    fake_tensor = _pickle_of(_Global("torch._utils", "_rebuild_tensor_v2"), ("not a storage", 0, (1,), (1,), False))
    with pytest.raises(pickle.UnpicklingError, match="storage must be a storage record, got str"):
        cr.load(torch_like_zip(fake_tensor))
    legacy = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19.rest of an old torch.save"
    with pytest.raises(ValueError, match="legacy .*re-save it"):
        cr.load(io.BytesIO(legacy))


def _zip_without_pickle():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("notes.txt", b"hello")
    buf.seek(0)
    return buf


def _pickle_of(func, args):
    """A pickle of the call func(*args), func being a _Global stand-in."""
    class Call:
        def __reduce__(self):
            return func, args

    buf = io.BytesIO()
    _TorchPickler(buf, storages=None).dump(Call())
    return buf.getvalue()


def _pickle_with_persistent_id(pid):
    """A pickle of {"w": <pid as a persistent id>}, written with chainrule's torch-format pickler."""
    class PidPickler(_TorchPickler):
        def persistent_id(self, obj):
            return pid if obj == "the storage" else None

    buf = io.BytesIO()
    PidPickler(buf, storages=None).dump({"w": "the storage"})
    return buf.getvalue()


@pytest.mark.parametrize("name", ["model.pt", "model.safetensors"])
def test_atomic_save_under_a_crash(tmp_path, monkeypatch, name):
    path = tmp_path / name
    cr.save({"v": cr.tensor([1.0])}, path)
    before = path.read_bytes()
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        cr.save({"v": cr.tensor([2.0]), "f": lambda x: x}, path)  # fails while serializing
    assert path.read_bytes() == before and os.listdir(tmp_path) == [name]

    def half_then_crash(file, data):
        file.write(data[: len(data) // 2])
        raise KeyboardInterrupt("simulated crash mid-write")

    monkeypatch.setattr(serialization, "_write_all", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        cr.save({"v": cr.tensor([2.0])}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == [name]
    with pytest.raises(KeyboardInterrupt):
        cr.save({"v": cr.tensor([2.0])}, tmp_path / ("new_" + name))
    assert os.listdir(tmp_path) == [name]  # no half-written new file either


def test_numpy_arrays_and_scalars_in_safetensors(tmp_path):
    saved = {"a": np.arange(6, dtype=np.int32).reshape(2, 3), "h": np.ones(2, np.float16), "f": np.float64(0.5),
             "i": np.int8(-3), "b": np.bool_(True), "t": cr.ones(2),
             "nested": [np.zeros((0, 2)), (np.float32(1), np.array(2.0), np.arange(6.0)[::2])]}
    back = round_trip(saved, "n.safetensors", tmp_path)
    for key in ("a", "h"):
        assert type(back[key]) is np.ndarray and back[key].dtype == saved[key].dtype and back[key].flags.writeable
        np.testing.assert_array_equal(back[key], saved[key])
    for key in ("f", "i", "b"):
        assert type(back[key]) is type(saved[key]) and back[key] == saved[key]
    assert back["nested"][0].shape == (0, 2) and type(back["nested"][1][0]) is np.float32
    assert back["nested"][1][1].shape == () and back["nested"][1][2].tolist() == [0.0, 2.0, 4.0]
    assert isinstance(back["t"], cr.Tensor)
    with pytest.raises(TypeError, match="NumPy ndarray of dtype <U1 at key path 's'"):
        cr.save({"s": np.array(["x"])}, tmp_path / "s.safetensors")


def test_load_arguments(tmp_path):
    cr.save({"w": cr.ones(1)}, tmp_path / "w.pt")
    with pytest.raises(RuntimeError, match="pickle_module"):
        cr.load(tmp_path / "w.pt", pickle_module=pickle)
    assert cr.load(tmp_path / "w.pt", pickle_module=pickle, weights_only=False)["w"].tolist() == [1.0]
    with pytest.raises(ValueError, match="mmap=True reads PyTorch zip checkpoints"):
        cr.save({"w": cr.ones(1)}, tmp_path / "w.safetensors") or cr.load(tmp_path / "w.safetensors", mmap=True)
    assert cr.load(tmp_path / "w.pt", mmap=True, map_location="cpu")["w"].tolist() == [1.0]
