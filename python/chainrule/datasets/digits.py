"""The 8x8 handwritten digits (1,797 images, 10 classes), shipped with chainrule: no download.

Source, licence and how the file was made: chainrule/datasets/data/README.md.
"""
import functools
import os

import numpy as np

from chainrule import _C
from chainrule.utils.data.dataset import Dataset

__all__ = ["Digits", "load_digits"]

_FILE = os.path.join(os.path.dirname(__file__), "data", "digits.npz")
_SPLITS = ("all", "train", "test")


@functools.lru_cache(maxsize=1)
def _arrays():
    with np.load(_FILE) as f:
        arrays = {name: f[name] for name in ("images", "labels", "is_test")}
    for a in arrays.values():
        a.setflags(write=False)  # shared by every caller
    return arrays


def load_digits(split="all"):
    """(images, labels) as NumPy arrays: images uint8 (N, 8, 8) with pixels 0..16, labels int64 (N,).

    split: "all" (1,797, in the UCI/scikit-learn order), "train" (1,437) or "test" (360), the fixed
    stratified split that Digits uses. The arrays are read-only; copy them to change them.
    """
    if split not in _SPLITS:
        raise ValueError(f"load_digits: split must be one of {_SPLITS}, got {split!r}")
    a = _arrays()
    if split == "all":
        return a["images"], a["labels"]
    keep = a["is_test"] if split == "test" else ~a["is_test"]
    return a["images"][keep], a["labels"][keep]


class Digits(Dataset):
    """The 8x8 digits as a Dataset of (image, label): image a float32 tensor (1, 8, 8), label an int.

    train=True gives the 1,437 training images, train=False the 360 test images: a fixed split,
    stratified by class, stored with the data (the same on every run, whatever the global seed).
    normalize=True scales pixels to [0, 1] (divides by 16); False keeps the counts 0..16 as floats.
    transform / target_transform, if given, are applied to each image / label in __getitem__.

    Like torchvision's MNIST, `.data` holds all images as one tensor (N, 1, 8, 8) (already scaled
    when normalize=True) and `.targets` the labels as an int64 tensor (N,); `.tensors()` returns
    both, for `TensorDataset(*Digits().tensors())` and the DataLoader fast path.
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, train=True, transform=None, target_transform=None, normalize=True):
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        images, labels = load_digits("train" if train else "test")
        pixels = images.astype(np.float32)[:, None]  # (N, 1, 8, 8)
        if normalize:
            pixels /= 16.0
        self.data = _C.from_numpy(pixels)
        self.targets = _C.from_numpy(labels.copy())
        self._labels = labels.tolist()

    def __len__(self):
        return len(self._labels)

    def __getitem__(self, index):
        image, label = self.data[index].clone(), self._labels[index]  # in-place transforms stay local
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    def tensors(self):
        """(data, targets): images (N, 1, 8, 8) float32 and labels (N,) int64."""
        return self.data, self.targets

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"Digits(split={split}, size={len(self)})"
