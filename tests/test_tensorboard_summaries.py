"""chainrule.utils.tensorboard's summaries read back with TensorBoard's EventAccumulator: scalars,
histograms, images and text hold the values written, the same as torch.utils.tensorboard writes for
the same data, and bad input raises a clear error without spoiling the event file."""
import math

import numpy as np
import pytest

from tensorboard_helpers import as_chainrule, decode_png, read_events, requires_torch_tensorboard, write_both

import chainrule as cr
from chainrule.utils.tensorboard import SummaryWriter

RNG = np.random.default_rng(0)


# ---- scalars ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("make_value, expected", [
    (lambda: 2.5, 2.5), (lambda: 7, 7.0), (lambda: np.float32(1.25), 1.25), (lambda: np.array([[3.5]]), 3.5),
    (lambda: cr.tensor([4.5]), 4.5), (lambda: cr.tensor(-1.5), -1.5),
], ids=["float", "int", "numpy scalar", "1x1 array", "1-element tensor", "0-d tensor"])
def test_add_scalar_accepts_numbers_arrays_and_tensors(tmp_path, make_value, expected):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("loss", make_value(), 3)
    [event] = read_events(tmp_path).Scalars("loss")
    assert (event.step, event.value) == (3, expected)


def test_tensors_on_any_device_are_written_from_a_host_copy(tmp_path, device):
    # As torch.utils.tensorboard's make_np: a GPU tensor is copied to the host first (cuda skips without a GPU).
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("loss", cr.tensor(1.5, device=device), 0)
        writer.add_histogram("weights", cr.arange(4.0, device=device), 0)
    assert read_events(tmp_path).Scalars("loss")[0].value == 1.5
    assert read_events(tmp_path).Histograms("weights")[0].histogram_value.num == 4


def test_scalars_over_steps_keep_every_value_and_wall_time(tmp_path):
    values = RNG.standard_normal(50).astype(np.float32)
    with SummaryWriter(str(tmp_path)) as writer:
        for step, v in enumerate(values):
            writer.add_scalar("train/loss", cr.tensor(v), step, walltime=1000.0 + step)
    events = read_events(tmp_path).Scalars("train/loss")
    assert [e.step for e in events] == list(range(50))
    assert [e.wall_time for e in events] == [1000.0 + s for s in range(50)]
    np.testing.assert_array_equal([e.value for e in events], values)


@pytest.mark.parametrize("double_precision", [False, True])
def test_new_style_scalars_are_tensors_for_the_scalars_plugin(tmp_path, double_precision):
    value = 1 / 3
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("x", value, 1, new_style=True, double_precision=double_precision)
    events = read_events(tmp_path)
    [event] = events.Tensors("x")
    assert events.SummaryMetadata("x").plugin_data.plugin_name == "scalars"
    if double_precision:
        assert event.tensor_proto.dtype == 2 and event.tensor_proto.double_val[0] == value   # DT_DOUBLE
    else:
        assert event.tensor_proto.dtype == 1 and event.tensor_proto.float_val[0] == np.float32(value)


@requires_torch_tensorboard
def test_add_scalars_writes_a_run_per_line_like_pytorch(tmp_path):
    def write(writer, convert):
        for step in range(3):
            writer.add_scalars("loss/split", {"train": convert(np.array(1.0 + step)), "test": 2.0 * step}, step)

    write_both(tmp_path, write)
    for side in ("ours", "theirs"):
        assert sorted(p.name for p in (tmp_path / side).iterdir() if p.is_dir()) == ["loss_split_test",
                                                                                     "loss_split_train"]
    for run in ("loss_split_test", "loss_split_train"):
        ours, theirs = (read_events(tmp_path / side / run).Scalars("loss/split") for side in ("ours", "theirs"))
        assert [(e.step, e.value) for e in ours] == [(e.step, e.value) for e in theirs]


@pytest.mark.parametrize("bad", [np.zeros(3), cr.zeros(2, 2)], ids=["3 values", "2x2 tensor"])
def test_a_non_scalar_raises_and_leaves_the_file_readable(tmp_path, bad):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_scalar("ok", 1.0, 0)
        with pytest.raises(ValueError, match=r"add_scalar\('bad'\): expected one number, got \d values"):
            writer.add_scalar("bad", bad, 1)
        writer.add_scalar("ok", 2.0, 1)
    events = read_events(tmp_path)
    assert [e.value for e in events.Scalars("ok")] == [1.0, 2.0]
    assert "bad" not in events.Tags()["scalars"]


def test_a_value_that_is_not_data_raises_a_type_error(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(TypeError, match="got NoneType"):
        writer.add_scalar("x", None, 0)


# ---- histograms ------------------------------------------------------------------------------------

HISTOGRAM_CASES = {
    "normal": (RNG.standard_normal(1000), "tensorflow", None),
    "wide range": (RNG.standard_normal(500) * 1e4, "tensorflow", None),
    "some zeros": (np.concatenate([np.zeros(20), RNG.random(30)]), "tensorflow", None),
    "one value": (np.full(7, 0.5), "tensorflow", None),
    "max_bins": (RNG.standard_normal(300), "tensorflow", 30),
    "auto": (RNG.standard_normal(400), "auto", None),
    "fd": (RNG.standard_normal(400), "fd", None),
    "10 bins": (RNG.random(100), 10, None),
    "edges": (RNG.random(100), [0.0, 0.25, 0.5, 1.0], None),
    "integers": (np.arange(-5, 20), "tensorflow", None),
    "some NaN": (np.array([1.0, math.nan, 2.0, 3.0]), "tensorflow", None),
    "inf": (np.array([1.0, math.inf]), "tensorflow", None),
}


@requires_torch_tensorboard
@pytest.mark.parametrize("case", HISTOGRAM_CASES)
def test_histogram_buckets_match_pytorch(tmp_path, case):
    values, bins, max_bins = HISTOGRAM_CASES[case]
    values = values.astype(np.float32) if case != "integers" else values

    def write(writer, convert):
        writer.add_histogram("h", convert(values), 5, bins=bins, max_bins=max_bins)

    ours, theirs = (e.Histograms("h")[0] for e in write_both(tmp_path, write))
    assert ours.step == theirs.step == 5
    a, b = ours.histogram_value, theirs.histogram_value
    assert list(a.bucket) == list(b.bucket)
    assert sum(a.bucket) == np.isfinite(values).sum()      # NaN and infinity fall in no bucket, as in PyTorch
    np.testing.assert_array_equal(a.bucket_limit, b.bucket_limit)
    np.testing.assert_array_equal([a.min, a.max, a.num, a.sum], [b.min, b.max, b.num, b.sum])
    np.testing.assert_allclose(a.sum_squares, b.sum_squares, rtol=1e-13)   # summed, not BLAS-dotted: last bits


def test_histogram_counts_every_value_of_a_tensor(tmp_path):
    values = cr.randn(64, 32)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_histogram("w", values, 0)
    h = read_events(tmp_path).Histograms("w")[0].histogram_value
    flat = values.numpy().astype(float).reshape(-1)
    assert sum(h.bucket) == h.num == flat.size
    assert (h.min, h.max) == (flat.min(), flat.max())
    assert h.sum == pytest.approx(flat.sum()) and h.sum_squares == pytest.approx(flat.dot(flat))
    # bucket 0 is the empty one below the first value; bucket i counts the values in [limit[i-1], limit[i])
    assert h.bucket[0] == 0
    np.testing.assert_array_equal(h.bucket[1:], np.histogram(flat, bins=np.array(h.bucket_limit))[0])


@pytest.mark.parametrize("values, message", [
    (np.full(3, math.nan), r"every value NaN.*The histogram is empty, please file a bug report\."),
    (np.zeros(0), "the input has no element"),
], ids=["all NaN", "empty"])
def test_a_histogram_of_nothing_raises_valueerror_as_pytorch(tmp_path, values, message):
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=message):
            writer.add_histogram("h", as_chainrule(values), 0)
        writer.add_histogram("h", np.ones(3), 1)
    assert [e.step for e in read_events(tmp_path).Histograms("h")] == [1]


# ---- images ----------------------------------------------------------------------------------------

IMAGE_CASES = {
    "CHW float": ((3, 6, 5), "CHW", "add_image"),
    "CHW one channel": ((1, 6, 5), "CHW", "add_image"),
    "CHW RGBA": ((4, 6, 5), "CHW", "add_image"),
    "HWC float": ((6, 5, 3), "HWC", "add_image"),
    "HW float": ((6, 5), "HW", "add_image"),
    "NCHW batch": ((5, 3, 4, 4), "NCHW", "add_images"),
    "NCHW grey batch of 11": ((11, 1, 3, 2), "NCHW", "add_images"),
    "NHWC batch": ((2, 4, 5, 3), "NHWC", "add_images"),
    "CHW uint8": ((3, 6, 5), "CHW", "uint8"),
}


@requires_torch_tensorboard
@pytest.mark.parametrize("case", IMAGE_CASES)
def test_image_pixels_match_pytorch(tmp_path, case):
    shape, dataformats, method = IMAGE_CASES[case]
    if method == "uint8":
        data, method = RNG.integers(0, 256, shape).astype(np.uint8), "add_image"
    else:
        data = (RNG.random(shape) * 1.2 - 0.1).astype(np.float32)   # some pixels outside 0..1 get clipped

    def write(writer, convert):
        getattr(writer, method)("picture", convert(data), 2, dataformats=dataformats)

    ours, theirs = (e.Images("picture")[0] for e in write_both(tmp_path, write))
    assert (ours.step, ours.width, ours.height) == (theirs.step, theirs.width, theirs.height)
    np.testing.assert_array_equal(decode_png(ours.encoded_image_string), decode_png(theirs.encoded_image_string))


def test_image_pixels_are_the_data_scaled_to_uint8(tmp_path):
    data = np.linspace(0, 1, 2 * 3 * 4, dtype=np.float32).reshape(3, 2, 4)
    with SummaryWriter(str(tmp_path)) as writer:
        writer.add_image("img", cr.tensor(data), 0)
        writer.add_image("raw", (data * 255).astype(np.uint8), 0)
    events = read_events(tmp_path)
    expected = (data.transpose(1, 2, 0) * 255).astype(np.uint8)
    for tag in ("img", "raw"):
        [image] = events.Images(tag)
        assert (image.height, image.width) == (2, 4)
        np.testing.assert_array_equal(decode_png(image.encoded_image_string), expected)


@pytest.mark.parametrize("shape, dataformats, message", [
    ((6, 5), "CHW", r"dataformats 'CHW' needs a 3-D array, got 2-D of shape \(6, 5\)"),
    ((2, 3, 6, 5), "CHW", "needs a 3-D array, got 4-D"),
    ((3, 6, 5), "NCHW", "needs a 4-D array, got 3-D"),
    ((2, 6, 5), "CHW", "needs 1, 3 \\(RGB\\) or 4 \\(RGBA\\) channels, got 2"),
    ((3, 6, 5), "CCW", "should name H and W once each"),
    ((2, 2, 4, 4), "NCHW", "a batch of images needs 1 or 3 channels, got 2"),
], ids=["2-D as CHW", "4-D as CHW", "3-D as NCHW", "2 channels", "repeated letter", "2-channel batch"])
def test_a_wrong_image_shape_raises_and_leaves_the_file_readable(tmp_path, shape, dataformats, message):
    with SummaryWriter(str(tmp_path)) as writer:
        with pytest.raises(ValueError, match=message):
            writer.add_images("bad", cr.rand(*shape), 0, dataformats=dataformats)
        writer.add_image("good", cr.rand(3, 4, 4), 0)
    assert read_events(tmp_path).Tags()["images"] == ["good"]


@requires_torch_tensorboard
def test_figures_are_drawn_like_pytorch(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def figure(k):
        fig = plt.figure(figsize=(2, 1.5), dpi=50)
        plt.plot([0, 1, 2], [0, k, 1])
        return fig

    def write(writer, convert):
        writer.add_figure("one", figure(1), 0)
        writer.add_figure("two", [figure(2), figure(3)], 0)

    ours, theirs = write_both(tmp_path, write)
    assert plt.get_fignums() == []            # close=True closed every figure
    for tag in ("one", "two"):
        a, b = ours.Images(tag)[0], theirs.Images(tag)[0]
        assert (a.width, a.height) == (b.width, b.height) == ((100, 75) if tag == "one" else (200, 75))
        np.testing.assert_array_equal(decode_png(a.encoded_image_string), decode_png(b.encoded_image_string))


# ---- text ------------------------------------------------------------------------------------------

@requires_torch_tensorboard
def test_text_is_stored_as_pytorch_stores_it(tmp_path):
    message = "epoch **3**: accuracy 0.97 — naïve | table"

    def write(writer, convert):
        writer.add_text("notes", message, 3)

    ours, theirs = write_both(tmp_path, write)
    [a], [b] = ours.Tensors("notes/text_summary"), theirs.Tensors("notes/text_summary")
    assert a.step == 3 and a.tensor_proto == b.tensor_proto
    assert a.tensor_proto.string_val[0].decode("utf-8") == message
    assert ours.SummaryMetadata("notes/text_summary") == theirs.SummaryMetadata("notes/text_summary")


def test_text_must_be_a_string(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer, pytest.raises(TypeError, match=r"add_text\('t'\): expected a str"):
        writer.add_text("t", 3.0)


# ---- precision-recall curves -------------------------------------------------------------------------

@requires_torch_tensorboard
@pytest.mark.parametrize("num_thresholds, weighted", [(127, False), (10, True), (500, False)])
def test_pr_curve_is_stored_as_pytorch_stores_it(tmp_path, num_thresholds, weighted):
    """The TensorBoard tutorial's add_pr_curve(class, labels == class, probabilities of class, step=0)."""
    rng = np.random.default_rng(3)
    predictions = rng.random(200).astype(np.float32)
    labels = rng.random(200) < predictions
    weights = rng.random(200) if weighted else None

    def write(writer, convert):
        writer.add_pr_curve("cat", convert(labels), convert(predictions), global_step=2,
                            num_thresholds=num_thresholds, weights=weights)

    ours, theirs = write_both(tmp_path, write)
    [a], [b] = ours.Tensors("cat"), theirs.Tensors("cat")
    assert a.step == b.step == 2 and a.tensor_proto == b.tensor_proto
    assert ours.SummaryMetadata("cat") == theirs.SummaryMetadata("cat")
