"""AdaptiveLogSoftmaxWithLoss against torch.nn's with the same weights: parameter names and shapes, forward's
output and loss, gradients, log_prob, predict, unbatched input and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import assert_same_error, requires_torch, torch
from module_parity import check_module_parity, load_from_torch

RNG = np.random.default_rng(4)


def _pair(**kwargs):
    args = dict(in_features=8, n_classes=10, cutoffs=[3, 6], div_value=2.0)
    args.update(kwargs)
    return nn.AdaptiveLogSoftmaxWithLoss(**args), torch.nn.AdaptiveLogSoftmaxWithLoss(**args)


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(), dict(head_bias=True, cutoffs=[2])])
def test_forward_matches_torch(kwargs):
    ours, theirs = _pair(**kwargs)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    target = np.array([0, 9, 4, 2, 7, 5, 1])
    check_module_parity(ours, theirs, lambda m, x: tuple(m(x, (cr if m is ours else torch).tensor(target))),
                        [RNG.standard_normal((7, 8))])


@requires_torch
def test_log_prob_predict_and_unbatched():
    ours, theirs = _pair()
    load_from_torch(ours, theirs)
    x = RNG.standard_normal((6, 8)) * 3
    np.testing.assert_allclose(ours.log_prob(cr.tensor(x)).detach().numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    np.testing.assert_array_equal(ours.predict(cr.tensor(x)).numpy(), theirs.predict(torch.tensor(x)).numpy())
    out, loss = ours(cr.tensor(x[0]), cr.tensor(8))
    tout, tloss = theirs(torch.tensor(x[0]), torch.tensor(8))
    np.testing.assert_allclose([out.item(), loss.item()], [tout.item(), tloss.item()], rtol=1e-10)


@requires_torch
def test_errors():
    for cutoffs in ([], [6, 3], [0, 3], [3, 10], [3, 3]):
        assert_same_error(lambda: nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs),
                          lambda: torch.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs), renamed=True)
    ours, theirs = _pair()
    for x, t in [((3, 8), [1, 2]), ((3, 8), [1, 2, 10]), ((8,), [1]), ((3, 8), [[1]]), ((2, 3, 8), [1, 2])]:
        assert_same_error(lambda: ours(cr.zeros(x), cr.tensor(t)), lambda: theirs(torch.zeros(x), torch.tensor(t)),
                          renamed=True)
