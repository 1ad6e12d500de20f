"""chainrule.utils.tensorboard.SummaryWriter's folders and files, against torch.utils.tensorboard's: the
default log_dir, purge_step, filename_suffix, close and reopen, add_hparams' sub-run, add_embedding's
projector files; and the PyTorch methods it lacks say so."""
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest

from tensorboard_helpers import decode_png, read_events, requires_torch_tensorboard, write_both

import chainrule as cr
from chainrule.utils.tensorboard import SummaryWriter

RNG = np.random.default_rng(1)


def event_files(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith("events.out.tfevents."))


# ---- the writer's folder and files -----------------------------------------------------------------

@requires_torch_tensorboard
def test_default_log_dir_is_runs_date_host_comment_like_pytorch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter
    ours, theirs = SummaryWriter(comment="_lr0.1"), TorchSummaryWriter(comment="_lr0.1")
    ours.close()
    theirs.close()
    pattern = r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname()) + "_lr0.1"
    assert re.fullmatch(pattern, ours.get_logdir()) and re.fullmatch(pattern, theirs.get_logdir())
    assert event_files(ours.get_logdir())


def test_log_dir_given_is_used_as_is_and_comment_ignored(tmp_path):
    with SummaryWriter(tmp_path / "exp1", comment="ignored", filename_suffix=".v2") as writer:
        writer.add_scalar("x", 1.0, 0)
        assert writer.get_logdir() == tmp_path / "exp1"
    [name] = event_files(tmp_path / "exp1")
    assert name.endswith(".v2")


def test_flush_makes_events_readable_before_close(tmp_path):
    writer = SummaryWriter(str(tmp_path), flush_secs=3600, max_queue=1000)
    writer.add_scalar("x", 1.0, 0)
    writer.flush()
    assert [e.value for e in read_events(tmp_path).Scalars("x")] == [1.0]
    writer.close()


def test_close_twice_is_harmless_and_a_later_add_opens_a_new_file(tmp_path):
    writer = SummaryWriter(str(tmp_path))
    writer.add_scalar("x", 1.0, 0)
    writer.close()
    writer.close()
    writer.add_scalar("x", 2.0, 1)
    writer.close()
    assert len(event_files(tmp_path)) == 2
    assert [(e.step, e.value) for e in read_events(tmp_path).Scalars("x")] == [(0, 1.0), (1, 2.0)]


def test_the_context_manager_closes_on_an_exception(tmp_path):
    with pytest.raises(RuntimeError, match="boom"):
        with SummaryWriter(str(tmp_path)) as writer:
            writer.add_scalar("x", 1.0, 0)
            raise RuntimeError("boom")
    assert writer.all_writers is None
    assert [e.value for e in read_events(tmp_path).Scalars("x")] == [1.0]


def test_purge_step_hides_what_a_crashed_run_logged_from_that_step_on(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        for step in range(10):
            writer.add_scalar("loss", float(step), step)
    with SummaryWriter(str(tmp_path), purge_step=6) as writer:
        for step in range(6, 8):
            writer.add_scalar("loss", 100.0 + step, step)
    assert [(e.step, e.value) for e in read_events(tmp_path).Scalars("loss")] == \
        [(s, float(s)) for s in range(6)] + [(6, 106.0), (7, 107.0)]


def test_pytorch_methods_not_here_raise_attributeerror_saying_so(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(AttributeError, match=r"torch\.utils\.tensorboard\.SummaryWriter\.add_video yet"):
            writer.add_video


# ---- add_hparams -----------------------------------------------------------------------------------

def _hparams_write(writer, convert):
    writer.add_hparams({"lr": 0.1, "layers": 3, "optimizer": "adam", "bn": True, "unused": None,
                        "dropout": convert(np.array([0.25]))},
                       {"hparam/accuracy": 0.97, "hparam/loss": convert(np.array(0.1))},
                       hparam_domain_discrete={"optimizer": ["adam", "sgd"], "layers": [2, 3]},
                       run_name="trial1", global_step=4)


@requires_torch_tensorboard
def test_hparams_write_the_sub_run_pytorch_writes(tmp_path):
    write_both(tmp_path, _hparams_write)
    ours, theirs = (read_events(tmp_path / side / "trial1") for side in ("ours", "theirs"))
    content = ours.PluginTagToContent("hparams")
    assert sorted(content) == ["_hparams_/experiment", "_hparams_/session_end_info", "_hparams_/session_start_info"]
    assert content == theirs.PluginTagToContent("hparams")
    for tag in ("hparam/accuracy", "hparam/loss"):
        assert [(e.step, e.value) for e in ours.Scalars(tag)] == [(e.step, e.value) for e in theirs.Scalars(tag)]


def test_hparams_values_read_back_through_the_plugin_data(tmp_path):
    from tensorboard.plugins.hparams import plugin_data_pb2
    with SummaryWriter(str(tmp_path)) as writer:
        _hparams_write(writer, cr.tensor)
    events = read_events(tmp_path / "trial1")
    data = plugin_data_pb2.HParamsPluginData.FromString(
        events.PluginTagToContent("hparams")["_hparams_/session_start_info"])
    values = {k: v.WhichOneof("kind") and getattr(v, v.WhichOneof("kind")) for k, v in
              data.session_start_info.hparams.items()}
    assert values == {"lr": 0.1, "layers": 3, "optimizer": "adam", "bn": True, "dropout": 0.25}
    assert [e.value for e in events.Scalars("hparam/accuracy")] == [pytest.approx(0.97)]


@pytest.mark.parametrize("hparams, domains, error, message", [
    ([("lr", 0.1)], None, TypeError, "should be dictionaries"),
    ({"lr": [0.1]}, None, ValueError, r"hparam_dict\['lr'\] is a list"),
    ({"opt": "adam"}, {"opt": ["adam", 1]}, TypeError, r"hparam_domain_discrete\[opt\] should be a list of same type"),
])
def test_bad_hparams_raise_before_anything_is_written(tmp_path, hparams, domains, error, message):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(error, match=message):
        writer.add_hparams(hparams, {"m": 1.0}, hparam_domain_discrete=domains, run_name="bad")
    assert not (tmp_path / "bad").exists()


# ---- add_embedding ---------------------------------------------------------------------------------

@requires_torch_tensorboard
@pytest.mark.parametrize("with_images", [False, True])
def test_embedding_files_match_pytorch(tmp_path, with_images):
    points = RNG.standard_normal((9, 5)).astype(np.float32)
    images = RNG.random((9, 1, 4, 4)).astype(np.float32)

    def write(writer, convert):
        writer.add_embedding(convert(points), metadata=[f"digit {i}" for i in range(9)],
                             label_img=convert(images) if with_images else None, global_step=7, tag="layer/fc")
        writer.add_embedding(convert(points[:3]), metadata=[[1, "a"], [2, "b"], [3, "c"]],
                             metadata_header=["n", "letter"], tag="second")

    write_both(tmp_path, write)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    files = sorted(str(p.relative_to(theirs)) for p in theirs.rglob("*") if p.is_file() and "tfevents" not in p.name)
    assert files == sorted(str(p.relative_to(ours)) for p in ours.rglob("*") if p.is_file() and
                           "tfevents" not in p.name)
    assert "00007/layer%2ffc/tensors.tsv" in files and ("00007/layer%2ffc/sprite.png" in files) == with_images
    for name in files:
        if name.endswith(".png"):
            a, b = (decode_png((side / name).read_bytes()) for side in (ours, theirs))
            np.testing.assert_array_equal(a, b)
        else:
            assert (ours / name).read_text() == (theirs / name).read_text(), name


def test_embedding_vectors_read_back(tmp_path):
    points = cr.randn(4, 3)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_embedding(points, metadata=["a", "b", "c", "d"])
    rows = (tmp_path / "00000" / "default" / "tensors.tsv").read_text().splitlines()
    np.testing.assert_array_equal(np.array([r.split("\t") for r in rows], dtype=np.float32), points.numpy())
    assert (tmp_path / "00000" / "default" / "metadata.tsv").read_text() == "a\nb\nc\nd\n"
    assert 'tensor_path: "00000/default/tensors.tsv"' in (tmp_path / "projector_config.pbtxt").read_text()


@pytest.mark.parametrize("kwargs, message", [
    (dict(mat=np.zeros(5)), "mat should be 2-D"),
    (dict(mat=np.zeros((3, 2)), metadata=["a"]), "1 labels for 3 points"),
    (dict(mat=np.zeros((3, 2)), label_img=np.zeros((2, 1, 4, 4))), r"label_img should be \(N, C, H, W\) with N = 3"),
])
def test_bad_embeddings_raise(tmp_path, kwargs, message):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(ValueError, match=message):
        writer.add_embedding(**kwargs)
    assert not (tmp_path / "projector_config.pbtxt").exists()


def test_torch_is_not_imported_by_chainrule_tensorboard():
    code = ("import sys, chainrule.utils.tensorboard as tb; tb.SummaryWriter; "
            "print('torch' in sys.modules, 'tensorboardX' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["False", "False"], result.stderr


def test_without_the_tensorboard_package_the_import_says_what_to_install():
    code = "import sys; sys.modules['tensorboard'] = None; import chainrule.utils.tensorboard"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert 'ImportError: chainrule.utils.tensorboard needs the tensorboard package: pip install tensorboard' \
        in result.stderr
