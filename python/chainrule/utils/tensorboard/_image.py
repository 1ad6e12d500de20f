"""The Summary protocol buffer of an image (add_image, add_images, add_figure), as torch.utils.tensorboard makes it.

The array is brought to (height, width, channels) from its `dataformats` (CHW, HWC, HW, or for a batch
NCHW/NHWC, laid out as a grid of 8 per row like PyTorch's make_grid); one channel becomes three grey
ones. uint8 pixels are kept as they are, anything else is taken as 0..1 and scaled by 255; both are
clipped to 0..255 and encoded as PNG with Pillow (a dependency of the tensorboard package).
"""
import io

import numpy as np
from tensorboard.compat.proto.summary_pb2 import Summary

from chainrule.utils.tensorboard._convert import to_numpy

GRID_COLUMNS = 8


def image_grid(nchw, columns=GRID_COLUMNS):
    """(N, C, H, W) with C 1 or 3 -> (3, rows*H, columns*W): the images in rows of `columns`, black where none."""
    if nchw.shape[1] == 1:
        nchw = np.concatenate([nchw] * 3, axis=1)
    if nchw.shape[1] != 3:
        raise ValueError(f"add_images: a batch of images needs 1 or 3 channels, got {nchw.shape[1]} "
                         f"(shape as NCHW {tuple(nchw.shape)})")
    count, _, height, width = nchw.shape
    columns = min(count, columns)
    rows = -(-count // columns)
    canvas = np.zeros((3, height * rows, width * columns), dtype=nchw.dtype)
    for i, picture in enumerate(nchw):
        row, column = divmod(i, columns)
        canvas[:, row * height:(row + 1) * height, column * width:(column + 1) * width] = picture
    return canvas


def to_hwc(array, dataformats, caller):
    """`array` laid out as `dataformats` -> (H, W, C) with C 1 -> 3 (HW becomes three equal channels)."""
    layout = dataformats.upper()
    if len(set(layout)) != len(layout) or set(layout) - set("NCHW") or not {"H", "W"} <= set(layout):
        raise ValueError(f"{caller}: dataformats {dataformats!r} should name H and W once each, with C and N "
                         "optional (CHW, HWC, HW, NCHW, NHWC)")
    if array.ndim != len(layout):
        raise ValueError(f"{caller}: dataformats {dataformats!r} needs a {len(layout)}-D array, got "
                         f"{array.ndim}-D of shape {tuple(array.shape)}")
    if len(layout) == 4:
        return image_grid(array.transpose([layout.find(c) for c in "NCHW"])).transpose(1, 2, 0)
    if len(layout) == 2:
        return np.stack([array.transpose([layout.find(c) for c in "HW"])] * 3, axis=2)
    hwc = array.transpose([layout.find(c) for c in "HWC"])
    return np.concatenate([hwc] * 3, axis=2) if hwc.shape[2] == 1 else hwc


def to_uint8(array):
    """uint8 pixels as they are; other pixels taken as 0..1 and scaled by 255; clipped to 0..255."""
    scale = 1 if array.dtype == np.uint8 else 255
    return (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def encode_png(hwc):
    """PNG bytes of an (H, W, C) uint8 array, C 3 (RGB) or 4 (RGBA)."""
    from PIL import Image
    output = io.BytesIO()
    Image.fromarray(hwc).save(output, format="PNG")
    return output.getvalue()


def image_summary(tag, image, dataformats, caller):
    hwc = to_uint8(to_hwc(to_numpy(image, caller), dataformats, caller))
    if hwc.shape[2] not in (3, 4):
        raise ValueError(f"{caller}: an image needs 1, 3 (RGB) or 4 (RGBA) channels, got {hwc.shape[2]} "
                         f"(shape {tuple(hwc.shape)} as HWC)")
    height, width, channels = hwc.shape
    encoded = Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encode_png(hwc))
    return Summary(value=[Summary.Value(tag=tag, image=encoded)])


def figure_to_chw(figure, close=True):
    """A matplotlib figure drawn to a (3, H, W) uint8 array (RGB, alpha dropped); closed when `close`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    width, height = canvas.get_width_height()
    rgb = np.frombuffer(canvas.buffer_rgba(), dtype=np.uint8).reshape(height, width, 4)[:, :, :3]
    if close:
        import matplotlib.pyplot as plt
        plt.close(figure)
    return np.moveaxis(rgb, 2, 0)
