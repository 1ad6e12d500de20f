"""chainrule.hub: the hub directory (torch's, from the same environment variables), downloads with a
SHA-256 check, load_state_dict_from_url caching into <hub dir>/checkpoints (file:// URLs and pre-placed
files: there is no network here), and load/list/help refusing to run a downloaded hubconf.py."""
import hashlib
import os

import pytest

import chainrule as cr
from conftest import requires_torch, torch


@pytest.fixture
def hub_dir(tmp_path, monkeypatch):
    """A fresh hub directory for chainrule (and torch), restored afterwards."""
    monkeypatch.setattr(cr.hub, "_hub_dir", None)
    if torch is not None:
        monkeypatch.setattr(torch.hub, "_hub_dir", None)
    cr.hub.set_dir(tmp_path / "hub")
    return tmp_path / "hub"


def _weights_file(directory, lib=cr, hashed=True):
    """A Linear's state_dict saved by `lib`, named <stem>-<sha256 prefix>.pth as torch's weight files are."""
    lib.manual_seed(0)
    source = directory / "source.pth"
    lib.save(lib.nn.Linear(3, 2).state_dict(), source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    named = directory / (f"linear-{digest[:10]}.pth" if hashed else "linear.pth")
    source.rename(named)
    return named


@requires_torch
def test_get_dir_follows_torchs_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setattr(cr.hub, "_hub_dir", None)
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    for environment in ({"TORCH_HOME": str(tmp_path / "th")}, {"XDG_CACHE_HOME": str(tmp_path / "xdg")}, {}):
        for name in ("TORCH_HOME", "XDG_CACHE_HOME"):
            monkeypatch.delenv(name, raising=False)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        assert cr.hub.get_dir() == torch.hub.get_dir()
    cr.hub.set_dir(tmp_path / "mine")
    assert cr.hub.get_dir() == str(tmp_path / "mine")


def test_load_state_dict_from_url_downloads_once_into_checkpoints(hub_dir, tmp_path, capsys):
    source = _weights_file(tmp_path)
    state = cr.hub.load_state_dict_from_url(source.as_uri(), check_hash=True, progress=False)
    cached = hub_dir / "checkpoints" / source.name
    assert cached.exists() and "Downloading" in capsys.readouterr().err
    expected = cr.load(source)
    assert list(state) == ["weight", "bias"] and all(cr.equal(state[k], expected[k]) for k in state)
    source.unlink()   # the cached copy is used: nothing is downloaded again
    again = cr.hub.load_state_dict_from_url(source.as_uri(), progress=False)
    assert cr.equal(again["weight"], state["weight"]) and "Downloading" not in capsys.readouterr().err
    assert sorted(os.listdir(hub_dir / "checkpoints")) == [source.name]


def test_pre_placed_file_is_loaded_without_network(hub_dir, tmp_path):
    (hub_dir / "checkpoints").mkdir(parents=True)
    placed = _weights_file(hub_dir / "checkpoints", hashed=False)
    state = cr.hub.load_state_dict_from_url("https://download.example.invalid/models/linear.pth", progress=False)
    assert cr.equal(state["bias"], cr.load(placed)["bias"])


def test_model_dir_and_file_name(tmp_path, hub_dir):
    source = _weights_file(tmp_path)
    target = tmp_path / "elsewhere"
    cr.hub.load_state_dict_from_url(source.as_uri(), model_dir=str(target), file_name="renamed.pth", progress=False)
    assert os.listdir(target) == ["renamed.pth"] and not (hub_dir / "checkpoints").exists()


def test_wrong_hash_raises_and_leaves_nothing(tmp_path, hub_dir):
    source = _weights_file(tmp_path, hashed=False)
    wrong = source.rename(tmp_path / "linear-0000000000.pth")
    with pytest.raises(RuntimeError, match=r'invalid hash value \(expected "0000000000", got "[0-9a-f]{64}"\)'):
        cr.hub.load_state_dict_from_url(wrong.as_uri(), check_hash=True, progress=False)
    assert os.listdir(hub_dir / "checkpoints") == []


def test_download_url_to_file_checks_the_hash_prefix(tmp_path):
    source = tmp_path / "data.bin"
    source.write_bytes(b"chainrule" * 1000)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    cr.hub.download_url_to_file(source.as_uri(), str(tmp_path / "copy.bin"), hash_prefix=digest[:8], progress=False)
    assert (tmp_path / "copy.bin").read_bytes() == source.read_bytes()
    with pytest.raises(RuntimeError, match="invalid hash value"):
        cr.hub.download_url_to_file(source.as_uri(), str(tmp_path / "bad.bin"), hash_prefix="ffff", progress=False)
    assert sorted(os.listdir(tmp_path)) == ["copy.bin", "data.bin"]


@requires_torch
def test_loads_what_torch_hub_loads_from_a_torch_checkpoint(tmp_path, hub_dir, monkeypatch):
    source = _weights_file(tmp_path, lib=torch)
    monkeypatch.setattr(torch.hub, "_hub_dir", str(tmp_path / "torch_hub"))
    theirs = torch.hub.load_state_dict_from_url(source.as_uri(), check_hash=True, progress=False)
    ours = cr.hub.load_state_dict_from_url(source.as_uri(), check_hash=True, progress=False)
    assert list(ours) == list(theirs)
    assert all(ours[k].tolist() == theirs[k].tolist() for k in ours)


@pytest.mark.parametrize("name, args", [("load", ("pytorch/vision", "resnet18")), ("list", ("pytorch/vision",)),
                                        ("help", ("pytorch/vision", "resnet18"))])
def test_load_list_help_refuse_to_run_downloaded_code(name, args):
    with pytest.raises(RuntimeError, match="hubconf.py, which runs code from the internet"):
        getattr(cr.hub, name)(*args)


@requires_torch
def test_tqdm_is_the_progress_bar_torch_hub_exports():
    # pytorch/examples' vision_transformer does `from torch.hub import tqdm`
    assert cr.hub.tqdm is torch.hub.tqdm
    assert list(cr.hub.tqdm(range(3), disable=True)) == [0, 1, 2]


def test_without_tqdm_the_stand_in_bar_reports_percent(capsys):
    bar = cr.hub._PercentBar(total=200)
    bar.update(50)
    bar.close()
    bar.update(50)  # closed: silent
    assert capsys.readouterr().err == "\r25.0%"
