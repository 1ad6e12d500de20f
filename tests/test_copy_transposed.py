"""Copies that transpose (x.t().contiguous(), NCHW <-> NHWC, permutes that move the innermost dim)
take the tiled path of cpu/transposed_copy.cpp: every element lands where NumPy puts it, for each
element size, for sizes that are and are not multiples of the tile, batched, broadcast and offset."""
import numpy as np
import pytest

import chainrule as cr

DTYPES = [np.float32, np.float64, np.int64, np.int8, np.bool_, np.float16, np.int16]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape, perm", [
    ((37, 53), (1, 0)), ((64, 48), (1, 0)), ((16, 16), (1, 0)), ((3, 40, 33), (0, 2, 1)),
    ((2, 17, 9, 20), (0, 2, 3, 1)), ((2, 20, 5, 18), (0, 3, 1, 2)), ((5, 300, 7), (2, 1, 0)),
    ((17, 5), (1, 0)),  # too small to tile: the plain loop
])
def test_transposing_copies_match_numpy(dtype, shape, perm):
    rng = np.random.default_rng(0)
    data = (rng.standard_normal(shape) * 50).astype(dtype)
    got = cr.tensor(data).permute(*perm).contiguous()
    assert got.is_contiguous()
    np.testing.assert_array_equal(got.numpy(), np.ascontiguousarray(data.transpose(perm)))


def test_channels_last_round_trips_and_slices():
    data = np.arange(2 * 24 * 10 * 9, dtype=np.float32).reshape(2, 24, 10, 9)
    x = cr.tensor(data)
    cl = x.contiguous(memory_format=cr.channels_last)
    np.testing.assert_array_equal(cl.numpy(), data)
    np.testing.assert_array_equal(cl.contiguous().numpy(), data)
    part = cr.tensor(data)[:, 3:21, 1:9, 2:]  # an offset, strided source
    np.testing.assert_array_equal(part.contiguous(memory_format=cr.channels_last).numpy(), data[:, 3:21, 1:9, 2:])
    wide = cr.tensor(np.arange(40, dtype=np.float32)).expand(33, 40).t().contiguous()  # a broadcast source
    np.testing.assert_array_equal(wide.numpy(), np.broadcast_to(np.arange(40, dtype=np.float32), (33, 40)).T)


def test_a_large_transpose_splits_across_threads_correctly():
    data = np.random.default_rng(1).standard_normal((1030, 1100)).astype(np.float32)
    np.testing.assert_array_equal(cr.tensor(data).t().contiguous().numpy(), data.T)
