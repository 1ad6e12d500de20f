"""RNN/LSTM/GRU's _all_weights and _flat_weights: private in PyTorch, yet read by real init code
(DeepAR's `for names in self.lstm._all_weights: ... bias.data[n // 4:n // 2].fill_(1.)`)."""
import pytest

import chainrule as cr
from conftest import requires_torch, torch


@requires_torch
@pytest.mark.parametrize("kind,kwargs", [("LSTM", dict(num_layers=2, bidirectional=True, proj_size=2)),
                                         ("LSTM", dict(num_layers=2)), ("GRU", dict(bias=False)), ("RNN", {})])
def test_weight_name_lists_match_torch(kind, kwargs):
    ours, theirs = getattr(cr.nn, kind)(3, 4, **kwargs), getattr(torch.nn, kind)(3, 4, **kwargs)
    assert ours._all_weights == theirs._all_weights
    assert [tuple(w.shape) for w in ours._flat_weights] == [tuple(w.shape) for w in theirs._flat_weights]
    assert all(w is getattr(ours, name) for w, name in zip(ours._flat_weights, ours._flat_weights_names))


def test_forget_gate_bias_init_through_all_weights():
    lstm = cr.nn.LSTM(5, 6, num_layers=2)
    for names in lstm._all_weights:
        for name in filter(lambda n: "bias" in n, names):
            bias = getattr(lstm, name)
            bias.data[bias.size(0) // 4:bias.size(0) // 2].fill_(1.)
    assert lstm.bias_hh_l1[6:12].tolist() == [1.0] * 6 and lstm.bias_ih_l0[6:12].tolist() == [1.0] * 6
