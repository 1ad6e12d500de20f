"""chainrule.save's files as the file system sees them: the mode open() would give (umask, kept on
overwrite), writing through a symlink, as torch.save's files get; temp files that a killed save left behind are
removed by the next save to the same path; a missing parent folder is torch.save's RuntimeError. POSIX only (modes, links, pids)."""
import os
import re
import stat
import subprocess
import sys

import pytest
from conftest import requires_torch, torch

import chainrule as cr
import chainrule.serialization as serialization

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes and the umask are POSIX")


def mode_of(path):
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture
def umask():
    """Sets the process umask for one test and restores it afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
@pytest.mark.parametrize("name", ["m.pt", "m.safetensors"])
def test_new_file_gets_the_mode_open_gives(tmp_path, umask, mask, expected, name):
    umask(mask)
    cr.save({"w": cr.ones(2)}, tmp_path / name)
    with open(tmp_path / "plain", "wb"):
        pass
    assert mode_of(tmp_path / name) == mode_of(tmp_path / "plain") == expected


@pytest.mark.parametrize("mask", [0o022, 0o077])
def test_overwrite_keeps_the_existing_mode(tmp_path, umask, mask):
    umask(mask)
    path = tmp_path / "m.pt"
    cr.save({"w": cr.ones(2)}, path)
    os.chmod(path, 0o640)
    cr.save({"w": cr.zeros(3)}, path)
    assert mode_of(path) == 0o640
    assert cr.load(path)["w"].tolist() == [0.0, 0.0, 0.0]
    assert os.listdir(tmp_path) == ["m.pt"]


@pytest.mark.parametrize("name", ["m.pt", "m.safetensors"])
def test_symlink_is_written_through(tmp_path, name):
    (tmp_path / "real").mkdir()
    target, link = tmp_path / "real" / name, tmp_path / name
    cr.save({"w": cr.ones(2)}, target)
    os.chmod(target, 0o640)
    link.symlink_to(os.path.join("real", name))
    cr.save({"w": cr.zeros(3)}, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", name)
    assert cr.load(target)["w"].tolist() == [0.0, 0.0, 0.0] and mode_of(target) == 0o640
    assert sorted(os.listdir(tmp_path)) == [name, "real"] and os.listdir(tmp_path / "real") == [name]


def test_dangling_symlink_creates_its_target(tmp_path):
    link = tmp_path / "m.pt"
    link.symlink_to("new.pt")
    cr.save({"w": cr.ones(2)}, link)
    assert link.is_symlink() and cr.load(tmp_path / "new.pt")["w"].tolist() == [1.0, 1.0]


@requires_torch
@pytest.mark.parametrize("parent", ["missing", "missing/deeper", "a_file"])
def test_missing_parent_directory_is_torchs_runtime_error(tmp_path, parent):
    (tmp_path / "a_file").write_bytes(b"not a folder")
    path = os.path.join(str(tmp_path), parent, "m.pt")
    with pytest.raises(RuntimeError, match=re.escape(f"Parent directory {os.path.dirname(path)} does not exist")):
        torch.save(torch.ones(2), path)
    with pytest.raises(RuntimeError, match=re.escape(f"Parent directory {os.path.dirname(path)} does not exist")):
        cr.save(cr.ones(2), path)
    assert sorted(os.listdir(tmp_path)) == ["a_file"]


def test_stale_temp_files_of_dead_saves_are_removed(tmp_path, monkeypatch):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # exited and reaped: its pid names no process
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        stale = f".m.pt.chainrule-tmp-{dead.pid}-0123abcd"
        kept = [f".m.pt.chainrule-tmp-{live.pid}-0123abcd",      # a save in progress elsewhere
                f".other.pt.chainrule-tmp-{dead.pid}-0123abcd",  # another path's: its own save cleans it
                f".m.pt.{dead.pid}.tmp"]                         # not a name save() gives
        for name in [stale] + kept:
            (tmp_path / name).write_bytes(b"half a checkpoint")
        seen = []
        monkeypatch.setattr(serialization, "_write_all", lambda file, data: (seen.append(
            sorted(os.listdir(tmp_path))), file.write(data)))
        cr.save({"w": cr.ones(2)}, tmp_path / "m.pt")
        ours = set(seen[0]) - set(kept)
        assert len(ours) == 1 and re.fullmatch(rf"\.m\.pt\.chainrule-tmp-{os.getpid()}-[0-9a-f]{{8}}", ours.pop())
        assert sorted(os.listdir(tmp_path)) == sorted(kept + ["m.pt"])
        assert cr.load(tmp_path / "m.pt")["w"].tolist() == [1.0, 1.0]
    finally:
        live.kill()
        live.wait()
