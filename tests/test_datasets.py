"""chainrule.datasets: the shipped 8x8 digits (shapes, dtypes, the fixed split, determinism)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.datasets import Digits, load_digits
from chainrule.utils.data import DataLoader, TensorDataset


def test_load_digits_arrays():
    images, labels = load_digits()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0 and images.max() == 16
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    tr, te = load_digits("train"), load_digits("test")
    assert len(tr[0]) == 1437 and len(te[0]) == 360
    with pytest.raises(ValueError, match="load_digits: split"):
        load_digits("val")


def test_digits_items_and_split():
    train, test = Digits(), Digits(train=False)
    assert len(train) == 1437 and len(test) == 360
    image, label = train[0]
    assert image.shape == (1, 8, 8) and image.dtype == cr.float32 and isinstance(label, int)
    assert train.data.shape == (1437, 1, 8, 8) and train.targets.dtype == cr.int64
    assert 0.0 <= train.data.min().item() and train.data.max().item() == 1.0
    # stratified: every class has 34..37 test images, so the test set is balanced
    counts = np.bincount(test.targets.numpy(), minlength=10)
    assert counts.min() >= 34 and counts.max() <= 37
    raw = Digits(normalize=False)
    np.testing.assert_array_equal(raw.data.numpy(), train.data.numpy() * 16)


def test_digits_split_is_fixed_and_disjoint():
    cr.manual_seed(0)
    a = Digits(train=False).data.numpy()
    cr.manual_seed(99)
    b = Digits(train=False).data.numpy()
    np.testing.assert_array_equal(a, b)
    images, _ = load_digits()
    flat = {bytes(x) for x in images.reshape(len(images), -1)}
    assert len(flat) > 1700  # images are nearly all distinct; train and test partition them
    tr = {bytes(x) for x in load_digits("train")[0].reshape(1437, -1)}
    te = {bytes(x) for x in load_digits("test")[0].reshape(360, -1)}
    assert len(tr | te) == len(flat)


def test_digits_transforms_and_loader():
    ds = Digits(transform=lambda x: x.flatten(), target_transform=lambda y: y + 100)
    x, y = ds[5]
    assert x.shape == (64,) and y >= 100
    batches = list(DataLoader(TensorDataset(*Digits().tensors()), batch_size=64, shuffle=True))
    assert len(batches) == 23 and batches[0][0].shape == (64, 1, 8, 8) and batches[-1][1].shape == (29,)
    images, labels = next(iter(DataLoader(Digits(), batch_size=4)))
    assert images.shape == (4, 1, 8, 8) and labels.dtype == cr.int64
