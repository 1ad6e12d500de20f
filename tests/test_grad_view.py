"""Backward of view ops and copies: gradcheck, gradgradcheck and PyTorch parity, one line per op."""
import pytest

from conftest import check_op

VIEWS = [
    ("view", lambda a: a.view(4, 3) * 1, [(12,)]),
    ("reshape_of_transposed", lambda a: a.t().reshape(12) * 1, [(3, 4)]),
    ("transpose", lambda a: a.transpose(0, 2) * 1, [(2, 3, 4)]),
    ("permute", lambda a: a.permute(2, 0, 1) * 1, [(2, 3, 4)]),
    ("t", lambda a: a.t() * 1, [(3, 4)]),
    ("T", lambda a: a.T * 1, [(3, 4)]),
    ("squeeze", lambda a: a.squeeze() * 1, [(3, 1, 4, 1)]),
    ("squeeze_dim", lambda a: a.squeeze(1) * 1, [(3, 1, 4)]),
    ("unsqueeze", lambda a: a.unsqueeze(-1) * 1, [(3, 4)]),
    ("expand", lambda a: a.expand(2, 3, 4) * 1, [(3, 1)]),
    ("flatten", lambda a: a.flatten(1) * 1, [(2, 3, 4)]),
    ("unflatten", lambda a: a.unflatten(1, (2, 2)) * 1, [(3, 4)]),
    ("narrow", lambda a: a.narrow(1, 1, 2) * 1, [(3, 4)]),
    ("movedim", lambda a: a.movedim(0, -1) * 1, [(2, 3, 4)]),
    ("select", lambda a: a.select(1, -1) * 1, [(3, 4)]),
    ("slice_with_step", lambda a: a[:, 1::2] * 1, [(3, 5)]),
    ("int_and_slice_index", lambda a: a[1, :3] * 1, [(3, 4)]),
    ("none_and_ellipsis", lambda a: a[None, ..., 0] * 1, [(3, 4)]),
    ("clone", lambda a: a.clone() * 1, [(3, 4)]),
    ("contiguous", lambda a: a.t().contiguous() * 1, [(3, 4)]),
    ("chain", lambda a: a.t().unsqueeze(0).expand(2, 4, 3)[1, 1:, :2].reshape(6) ** 2, [(3, 4)]),
]


@pytest.mark.parametrize("name,fn,shapes", VIEWS, ids=[v[0] for v in VIEWS])
def test_view(name, fn, shapes):
    check_op(fn, shapes, torch_fn=fn)
