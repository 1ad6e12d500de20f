"""chainrule.onnx.export: each exported graph passes onnx.checker and, run by onnxruntime, gives
chainrule's own forward output (float32, rtol 1e-4)."""
import io
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
import chainrule.onnx

onnx = pytest.importorskip("onnx", reason="onnx is not installed (pip install \"chainrule[onnx]\")")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install \"chainrule[onnx]\")")


def _flat(out):
    """The tensors of a (nested) result or argument tuple, in order (as the exporter numbers them)."""
    if isinstance(out, cr.Tensor):
        return [out]
    if isinstance(out, dict):
        out = list(out.values())
    if isinstance(out, (tuple, list)):
        return [t for item in out for t in _flat(item)]
    return []


def export_and_run(model, args, feeds=None, **kwargs):
    """Export, check, and run the file with onnxruntime on `feeds` (default: args); returns
    (onnxruntime's outputs, the ModelProto)."""
    args = args if isinstance(args, tuple) else (args,)
    buffer = io.BytesIO()
    proto = chainrule.onnx.export(model, args, buffer, **kwargs)
    onnx.checker.check_model(onnx.load_from_string(buffer.getvalue()))
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    feeds = args if feeds is None else feeds
    got = session.run(None, {i.name: a.numpy() for i, a in zip(session.get_inputs(), _flat(feeds))})
    return got, proto


def check_export(model, args, rtol=1e-4, atol=1e-5, **kwargs):
    """Export `model` and compare onnxruntime's outputs with chainrule's forward in eval mode."""
    model.eval()
    got, proto = export_and_run(model, args, **kwargs)
    with cr.no_grad():
        expected = _flat(model(*(args if isinstance(args, tuple) else (args,))))
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == tuple(e.shape)
        np.testing.assert_allclose(g, e.numpy(), rtol=rtol, atol=atol)
    return proto


def _trained_batch_norm(module, shape):
    """A BatchNorm whose running statistics and affine parameters are not the initial ones."""
    module.train()
    for _ in range(3):
        module(cr.randn(*shape) * 2 + 1)
    with cr.no_grad():
        module.weight.uniform_(0.5, 1.5)
        module.bias.uniform_(-0.5, 0.5)
    return module


LAYERS = [
    ("linear", lambda: nn.Linear(4, 3), (2, 4)),
    ("linear_3d", lambda: nn.Linear(4, 3), (2, 5, 4)),
    ("linear_nobias", lambda: nn.Linear(4, 3, bias=False), (2, 5, 4)),
    ("conv1d", lambda: nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 10)),
    ("conv1d_same", lambda: nn.Conv1d(3, 4, 4, padding="same", dilation=2), (2, 3, 11)),
    ("conv2d", lambda: nn.Conv2d(3, 4, 3, stride=2, padding=1), (2, 3, 9, 8)),
    ("conv2d_same_even", lambda: nn.Conv2d(3, 4, (4, 3), padding="same"), (2, 3, 7, 8)),
    ("conv2d_valid", lambda: nn.Conv2d(3, 4, 3, padding="valid", bias=False), (2, 3, 7, 8)),
    ("conv2d_dilation", lambda: nn.Conv2d(3, 4, 3, dilation=2, padding=2), (2, 3, 9, 9)),
    ("conv2d_groups", lambda: nn.Conv2d(4, 6, 3, groups=2), (2, 4, 6, 6)),
    ("conv2d_depthwise", lambda: nn.Conv2d(4, 4, 3, groups=4, padding=1), (2, 4, 6, 6)),
    ("conv2d_reflect", lambda: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 6, 6)),
    ("conv_transpose2d", lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1), (2, 4, 5, 5)),
    ("conv_transpose2d_groups", lambda: nn.ConvTranspose2d(4, 6, 2, stride=2, groups=2), (2, 4, 3, 3)),
    ("maxpool1d", lambda: nn.MaxPool1d(2), (2, 3, 9)),
    ("maxpool2d", lambda: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 9, 8)),
    ("maxpool2d_dilation", lambda: nn.MaxPool2d(2, dilation=2), (2, 3, 9, 8)),
    ("maxpool2d_ceil", lambda: nn.MaxPool2d(2, ceil_mode=True), (2, 3, 7, 7)),
    ("avgpool1d", lambda: nn.AvgPool1d(3, stride=2), (2, 3, 9)),
    ("avgpool2d", lambda: nn.AvgPool2d(2), (2, 3, 8, 8)),
    ("avgpool2d_pad", lambda: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 7, 7)),
    ("avgpool2d_exclude_pad", lambda: nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 3, 7, 7)),
    ("adaptive_avgpool2d_global", lambda: nn.AdaptiveAvgPool2d(1), (2, 3, 7, 5)),
    ("adaptive_avgpool2d_divisible", lambda: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 6, 6)),
    ("adaptive_avgpool1d", lambda: nn.AdaptiveAvgPool1d(2), (2, 3, 8)),
    ("adaptive_maxpool2d", lambda: nn.AdaptiveMaxPool2d((2, 2)), (2, 3, 6, 4)),
    ("upsample_nearest", lambda: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    ("upsample_nearest_size", lambda: nn.Upsample(size=(7, 9)), (2, 3, 4, 5)),
    ("upsample_nearest_1d", lambda: nn.Upsample(scale_factor=3), (2, 3, 4)),
    ("upsample_bilinear", lambda: nn.Upsample(scale_factor=2, mode="bilinear"), (2, 3, 4, 5)),
    ("upsample_bilinear_fraction", lambda: nn.Upsample(scale_factor=1.5, mode="bilinear"), (2, 3, 4, 5)),
    ("upsample_bilinear_corners", lambda: nn.Upsample(size=(7, 3), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
    ("upsample_linear", lambda: nn.Upsample(size=9, mode="linear"), (2, 3, 4)),
    ("upsampling_bilinear2d", lambda: nn.UpsamplingBilinear2d(scale_factor=2), (2, 3, 4, 5)),
    ("upsampling_nearest2d", lambda: nn.UpsamplingNearest2d(size=(6, 6)), (2, 3, 4, 5)),
    ("batchnorm1d_2d", lambda: _trained_batch_norm(nn.BatchNorm1d(4), (8, 4)), (3, 4)),
    ("batchnorm1d_3d", lambda: _trained_batch_norm(nn.BatchNorm1d(4), (8, 4, 5)), (3, 4, 5)),
    ("batchnorm2d", lambda: _trained_batch_norm(nn.BatchNorm2d(4), (8, 4, 3, 3)), (3, 4, 5, 5)),
    ("batchnorm2d_noaffine", lambda: nn.BatchNorm2d(4, affine=False), (3, 4, 5, 5)),
    ("layernorm", lambda: nn.LayerNorm(5), (2, 3, 5)),
    ("layernorm_2d", lambda: nn.LayerNorm([3, 5], elementwise_affine=False), (2, 3, 5)),
    ("groupnorm", lambda: nn.GroupNorm(2, 4), (2, 4, 3, 3)),
    ("groupnorm_1d", lambda: nn.GroupNorm(3, 6, affine=False), (2, 6, 5)),
    ("dropout", lambda: nn.Dropout(0.5), (2, 8)),
    ("dropout2d", lambda: nn.Dropout2d(0.5), (2, 3, 4, 4)),
    ("flatten", lambda: nn.Flatten(), (2, 3, 4, 4)),
    ("flatten_middle", lambda: nn.Flatten(1, 2), (2, 3, 4, 4)),
    ("unflatten", lambda: nn.Unflatten(1, (3, 4)), (2, 12, 5)),
    ("identity", lambda: nn.Identity(), (2, 3)),
    ("relu", lambda: nn.ReLU(), (2, 7)),
    ("relu_inplace", lambda: nn.ReLU(inplace=True), (2, 7)),
    ("leaky_relu", lambda: nn.LeakyReLU(0.2), (2, 7)),
    ("sigmoid", lambda: nn.Sigmoid(), (2, 7)),
    ("tanh", lambda: nn.Tanh(), (2, 7)),
    ("gelu", lambda: nn.GELU(), (2, 7)),
    ("gelu_tanh", lambda: nn.GELU(approximate="tanh"), (2, 7)),
    ("elu", lambda: nn.ELU(0.5), (2, 7)),
    ("celu", lambda: nn.CELU(0.7), (2, 7)),
    ("selu", lambda: nn.SELU(), (2, 7)),
    ("silu", lambda: nn.SiLU(), (2, 7)),
    ("mish", lambda: nn.Mish(), (2, 7)),
    ("softplus", lambda: nn.Softplus(), (2, 7)),
    ("softplus_beta", lambda: nn.Softplus(beta=2.0), (2, 7)),
    ("hardtanh", lambda: nn.Hardtanh(-0.5, 0.5), (2, 7)),
    ("relu6", lambda: nn.ReLU6(), (2, 7)),
    ("hardsigmoid", lambda: nn.Hardsigmoid(), (2, 7)),
    ("hardswish", lambda: nn.Hardswish(), (2, 7)),
    ("logsigmoid", lambda: nn.LogSigmoid(), (2, 7)),
    ("softsign", lambda: nn.Softsign(), (2, 7)),
    ("tanhshrink", lambda: nn.Tanhshrink(), (2, 7)),
    ("prelu", lambda: nn.PReLU(4), (2, 4, 3)),
    ("softmax", lambda: nn.Softmax(dim=1), (2, 7, 3)),
    ("log_softmax", lambda: nn.LogSoftmax(dim=-1), (2, 7)),
    ("softmin", lambda: nn.Softmin(dim=1), (2, 7)),
]


@pytest.mark.parametrize("make, shape", [pytest.param(m, s, id=i) for i, m, s in LAYERS])
def test_layer_exports(make, shape):
    check_export(make(), cr.randn(*shape) * 3)


def test_embedding_exports():
    check_export(nn.Embedding(10, 4, padding_idx=0), cr.tensor([[1, 2, 0], [9, 3, 3]]))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers, bidirectional, batch_first", [(1, False, False), (2, False, True),
                                                                    (1, True, True), (2, True, False)])
def test_recurrent_layers_export(kind, num_layers, bidirectional, batch_first):
    module = getattr(nn, kind)(5, 6, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    x = cr.randn(3, 4, 5)
    check_export(module, x)
    states = num_layers * (2 if bidirectional else 1)
    hx = cr.randn(states, 3 if batch_first else 4, 6)
    check_export(module, (x, (hx, cr.randn(*hx.shape)) if kind == "LSTM" else hx))


@pytest.mark.parametrize("make", [lambda: nn.RNNCell(5, 6), lambda: nn.RNNCell(5, 6, nonlinearity="relu"),
                                  lambda: nn.LSTMCell(5, 6), lambda: nn.GRUCell(5, 6, bias=False)])
def test_recurrent_cells_export(make):
    cell = make()
    x = cr.randn(3, 5)
    check_export(cell, x)
    h = cr.randn(3, 6)
    check_export(cell, (x, (h, cr.randn(3, 6)) if isinstance(cell, nn.LSTMCell) else h))


class CellLoop(nn.Module):
    """A step-by-step decoder: an LSTMCell unrolled over the sequence in Python."""

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(4, 5)
        self.out = nn.Linear(5, 2)

    def forward(self, xs):
        h = c = cr.zeros(xs.size(1), 5)
        outputs = []
        for x in xs:
            h, c = self.cell(x, (h, c))
            outputs.append(self.out(h))
        return cr.stack(outputs)


def test_unrolled_cell_loop_exports_with_weights_stored_once():
    proto = check_export(CellLoop(), cr.randn(6, 3, 4))
    assert sum(i.name.startswith("cell.") for i in proto.graph.initializer) == 3  # W, R, B


def test_rnn_relu_and_no_bias_export():
    check_export(nn.RNN(5, 6, nonlinearity="relu"), cr.randn(3, 2, 5))
    check_export(nn.LSTM(5, 6, bias=False, num_layers=2), cr.randn(3, 2, 5))


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)
        self.dropout = nn.Dropout(0.25)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = F.avg_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = x.view(x.size(0), -1)
        x = self.dropout(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc3(cr.tanh(self.fc2(x))), dim=1)


def _lenet():
    model = LeNet()
    _trained_batch_norm(model.bn1, (4, 6, 2, 2))
    _trained_batch_norm(model.bn2, (4, 16, 2, 2))
    return model


class CharRNN(nn.Module):
    """Embedding -> recurrent layers -> a linear head on every step and on the last one."""

    def __init__(self, kind, vocab=20, hidden=16, **options):
        super().__init__()
        self.embed = nn.Embedding(vocab, 8)
        self.rnn = getattr(nn, kind)(8, hidden, batch_first=True, **options)
        width = hidden * (2 if options.get("bidirectional") else 1)
        self.head = nn.Linear(width, vocab)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out), self.head(out[:, -1])


class ResidualNet(nn.Module):
    """A ResNet-style block: in-place ReLUs and an in-place residual sum, global pooling, torch.flatten."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(inplace=True))
        self.conv1 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, 5)

    def forward(self, x):
        x = self.stem(x)
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        out = self.relu(out)
        return self.fc(cr.flatten(self.pool(out), 1))


def test_residual_net_exports():
    model = ResidualNet()
    for bn in (model.stem[1], model.bn1, model.bn2):
        _trained_batch_norm(bn, (4, 8, 3, 3))
    check_export(model, cr.randn(2, 3, 8, 8))


def test_keyword_arguments_in_args():
    model = nn.GRU(3, 4)
    x, h = cr.randn(5, 2, 3), cr.randn(1, 2, 4)
    got, _ = export_and_run(model, (x, {"hx": h}))
    with cr.no_grad():
        for g, e in zip(got, _flat(model(x, hx=h))):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-5)


def test_mlp_exports():
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 16), nn.Tanh(),
                          nn.Linear(16, 3), nn.Softmax(dim=1))
    check_export(model, cr.randn(5, 3, 4))


def test_lenet_exports():
    check_export(_lenet(), cr.randn(2, 1, 28, 28))


@pytest.mark.parametrize("kind, options", [("LSTM", {}), ("GRU", {}), ("GRU", {"num_layers": 2, "bidirectional": True}),
                                           ("LSTM", {"num_layers": 2, "dropout": 0.3})])
def test_char_rnn_exports(kind, options):
    check_export(CharRNN(kind, **options), cr.randint(0, 20, (3, 7)))


class Glue(nn.Module):
    """Functional ops between modules, as custom forward() methods write them."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 6)
        self.scale = nn.Parameter(cr.randn(6))
        self.register_buffer("shift", cr.randn(1, 6))

    def forward(self, x, y):
        h = self.proj(x) * self.scale + self.shift
        h = (1 - h) / 2 + h * 0.5 - y / (y.abs() + 1)
        a, b = h.chunk(2, dim=1)
        h = cr.cat([b, a, F.relu(a) @ cr.ones(3, 3)], dim=1)
        h = h.unsqueeze(1).transpose(1, 2).squeeze(-1)
        m = h.reshape(2, -1, 3).permute(0, 2, 1)
        s = m.mean(dim=2, keepdim=True) - m.sum(-1, keepdim=True) + cr.sigmoid(m).amax(dim=1, keepdim=True)
        out = cr.stack([s[:, 0], s[..., -1]], dim=0) + sum(row for row in +s.narrow(2, 0, 1).select(0, 1))
        return F.softmax(out.flatten(1) * h[:, 1:4:2].sum(), dim=-1), cr.tanh(h.t()).max(dim=0)[0]


class Masks(nn.Module):
    """Masks from integer tokens and comparisons, as sequence models build them."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)

    def forward(self, tokens, x):
        keep = (tokens != 0) & ~(tokens == 9) | (tokens >= 8)
        e = self.embed(tokens).masked_fill(~keep.unsqueeze(-1), 0.0)
        y = cr.where(x > 0.5, x, -x) + x.where(x <= 0, cr.zeros(1)) + (x < 1).float() + (x.lt(0.2) ^ x.gt(-0.2))
        return e.sum(1) + y + cr.logical_and(keep.sum(1, keepdim=True) > 1, cr.logical_not(x.ge(0)))


def test_masks_and_comparisons_export():
    check_export(Masks(), (cr.tensor([[1, 0, 9, 8], [0, 2, 2, 3]]), cr.randn(2, 4)))


def test_glue_ops_export():
    check_export(Glue(), (cr.randn(2, 6), cr.randn(2, 6)))


class Functional(nn.Module):
    """Layer ops called as functions in forward, with weights the module owns."""

    def __init__(self):
        super().__init__()
        self.up = nn.Parameter(cr.randn(3, 2, 4))
        self.table = nn.Parameter(cr.randn(7, 2))

    def forward(self, x, tokens):
        y = F.conv_transpose1d(x, self.up, stride=2, padding=1)
        y = F.pad(y, (2, 1), mode="reflect") + F.pad(y, (1, 2), mode="replicate") + F.pad(y, (3, 0), value=0.5)
        y = F.adaptive_max_pool1d(y, 1).squeeze(-1) + F.adaptive_avg_pool1d(y, 3).sum(2)
        return y.clamp(-1, 1) + F.embedding(tokens, self.table).mean(1) + y.clamp(min=0.2).argmax(1, keepdim=True)


def test_functional_layer_ops_export():
    check_export(Functional(), (cr.randn(2, 3, 6), cr.tensor([[1, 2, 6], [0, 0, 3]])))


def test_circular_padding_needs_opset_19():
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular")
    check_export(conv, cr.randn(2, 2, 5, 5), opset_version=19)
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="pad with mode='circular'"):
        chainrule.onnx.export(conv, cr.randn(2, 2, 5, 5), io.BytesIO())


def test_lstm_with_proj_size_is_refused():
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="proj_size=2, which ONNX's LSTM node cannot"):
        chainrule.onnx.export(nn.LSTM(3, 4, proj_size=2), cr.randn(5, 2, 3), io.BytesIO())

def test_float64_model_exports():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.LayerNorm(4), nn.Softmax(-1)).double()
    check_export(model, cr.randn(2, 3).double() * 3 + 1, rtol=1e-10, atol=1e-12)


def test_dynamic_batch_axis():
    model = _lenet().eval()
    buffer = io.BytesIO()
    chainrule.onnx.export(model, (cr.randn(2, 1, 28, 28),), buffer, input_names=["image"], output_names=["logp"],
                          dynamic_axes={"image": {0: "batch"}, "logp": [0]})
    proto = onnx.load_from_string(buffer.getvalue())
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "logp_dynamic_axes_1"
    x = cr.randn(5, 1, 28, 28)
    got = ort.InferenceSession(buffer.getvalue()).run(None, {"image": x.numpy()})[0]
    with cr.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_dynamic_batch_and_sequence_for_char_rnn():
    model = CharRNN("GRU", num_layers=2, bidirectional=True).eval()
    axes = {"tokens": {0: "batch", 1: "steps"}, "logits": {0: "batch", 1: "steps"}, "last": {0: "batch"}}
    tokens = cr.randint(0, 20, (4, 9))
    got, _ = export_and_run(model, (cr.randint(0, 20, (2, 5)),), feeds=(tokens,), input_names=["tokens"],
                            output_names=["logits", "last"], dynamic_axes=axes)
    with cr.no_grad():
        for g, e in zip(got, model(tokens)):
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-4, atol=1e-5)


def test_input_and_output_names():
    model = nn.LSTM(3, 4)
    proto = check_export(model, (cr.randn(2, 1, 3),), input_names=["seq"], output_names=["y", "h", "c"])
    assert [i.name for i in proto.graph.input] == ["seq"]
    assert [o.name for o in proto.graph.output] == ["y", "h", "c"]
    assert not {"y", "h", "c", "seq"} & {i.name for i in proto.graph.initializer}


def test_names_that_clash_with_graph_values_or_each_other():
    model = nn.Sequential(nn.Linear(3, 2))
    proto = check_export(model, cr.randn(1, 3), input_names=["0.weight"], output_names=["Gemm_out"])
    assert [i.name for i in proto.graph.input] == ["0.weight"] and [o.name for o in proto.graph.output] == ["Gemm_out"]
    with pytest.raises(ValueError, match="repeat a name"):
        chainrule.onnx.export(model, cr.randn(1, 3), io.BytesIO(), input_names=["x"], output_names=["x"])


def test_default_names_and_parameter_initializers():
    proto = check_export(nn.Sequential(nn.Linear(3, 2)), cr.randn(1, 3))
    assert [i.name for i in proto.graph.input] == ["input"]
    assert [o.name for o in proto.graph.output] == ["output"]
    assert {"0.weight", "0.bias"} <= {i.name for i in proto.graph.initializer}


def test_output_that_is_an_input_or_repeated():
    class Twice(nn.Module):
        def forward(self, x):
            y = x * 2
            return x, y, y

    check_export(Twice(), cr.randn(2, 3))


def test_writes_a_file_and_accepts_torch_keywords(tmp_path):
    path = tmp_path / "mlp.onnx"
    model = nn.Sequential(nn.Linear(3, 2), nn.GELU())
    chainrule.onnx.export(model, cr.randn(4, 3), str(path), dynamo=True, training=None, do_constant_folding=False,
                          opset_version=18, verbose=False)
    session = ort.InferenceSession(str(path))
    x = cr.randn(4, 3)
    with cr.no_grad():
        np.testing.assert_allclose(session.run(None, {"input": x.numpy()})[0], model(x).numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("opset", [17, 18, 20])
def test_opsets(opset):
    check_export(nn.Sequential(nn.GELU(), nn.GroupNorm(2, 4), nn.Flatten(), nn.LayerNorm(36)), cr.randn(2, 4, 3, 3),
                 opset_version=opset)


def test_opset_below_17_is_refused():
    with pytest.raises(ValueError, match="opset_version=13"):
        chainrule.onnx.export(nn.Linear(2, 2), cr.randn(1, 2), io.BytesIO(), opset_version=13)


def test_export_runs_in_eval_mode_and_restores_the_modes():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9), nn.BatchNorm1d(4))
    model.train()
    model[2].training = False
    x = cr.randn(3, 4)
    got, _ = export_and_run(model, (x,))
    assert model.training and model[1].training and not model[2].training
    model.eval()
    with cr.no_grad():
        np.testing.assert_allclose(got[0], model(x).numpy(), rtol=1e-4, atol=1e-6)


class _Head(nn.Module):
    def forward(self, x):
        return x.cumsum(1)


def test_unsupported_op_names_the_op_and_module():
    model = nn.Sequential(nn.Linear(3, 3), _Head())
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match=r"Tensor\.cumsum in module '1'"):
        chainrule.onnx.export(model, cr.randn(2, 3), io.BytesIO())


def test_unsupported_operator_on_integer_input_is_refused():
    class Mask(nn.Module):
        def forward(self, tokens):
            return (1 & tokens) * 2

    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="bitwise ops on .*int64"):
        chainrule.onnx.export(Mask(), cr.tensor([[1, 2, 3]]), io.BytesIO())


def test_data_dependent_python_is_refused():
    class Branch(nn.Module):
        def forward(self, x):
            return x * float(x.sum())

    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="__float__.*data-dependent"):
        chainrule.onnx.export(Branch(), cr.randn(2, 3), io.BytesIO())


def test_op_the_tracer_cannot_see_is_refused_by_grad_fn():
    class Hidden(nn.Module):
        def forward(self, x):
            return chainrule._C.exp(x) + 1

    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="grad_fn is ExpBackward"):
        chainrule.onnx.export(Hidden(), cr.randn(2, 3), io.BytesIO())


def test_functional_dropout_in_training_mode_is_refused():
    class AlwaysDrop(nn.Module):
        def forward(self, x):
            return F.dropout(x, 0.5)

    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="training=True"):
        chainrule.onnx.export(AlwaysDrop(), cr.randn(2, 3), io.BytesIO())


def test_layers_that_cannot_export_are_refused():
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="not a divisor"):
        chainrule.onnx.export(nn.AdaptiveAvgPool2d(3), cr.randn(1, 2, 7, 7), io.BytesIO())
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="batch statistics"):
        chainrule.onnx.export(nn.BatchNorm1d(3, track_running_stats=False), cr.randn(4, 3), io.BytesIO())


def test_wrappers_are_removed_after_export_even_on_error():
    add, call = cr.Tensor.__add__, nn.Module.__call__
    with pytest.raises(chainrule.onnx.UnsupportedOperatorError):
        chainrule.onnx.export(nn.Sequential(_Head()), cr.randn(2, 3), io.BytesIO())
    assert cr.Tensor.__add__ is add and nn.Module.__call__ is call and F.relu.__module__.startswith("chainrule")
    assert (cr.ones(2) + 1).tolist() == [2.0, 2.0]


def test_missing_onnx_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[onnx\]"'):
        chainrule.onnx.export(nn.Linear(2, 2), cr.randn(1, 2), io.BytesIO())


def test_in_place_ops_export_and_changes_through_views_are_refused():
    class InPlace(nn.Module):
        def forward(self, x):
            y = x * 2
            y += 1
            return F.relu(y, inplace=True).sigmoid_()

    check_export(InPlace(), cr.randn(2, 3))

    class Accumulate(nn.Module):
        def forward(self, x):
            acc = cr.zeros(2, 3)
            acc += x
            acc.mul_(2)
            c = cr.ones(3)
            y = x + c
            c.add_(1)  # a constant changed between two uses: each use sees its value then
            return acc + y * c

    check_export(Accumulate(), cr.randn(2, 3))

    class ThroughView(nn.Module):
        def forward(self, x):
            y = x * 2
            flat = y.view(-1)
            flat.relu_()
            return y + 1

    with pytest.raises(chainrule.onnx.UnsupportedOperatorError, match="modified in place through a view"):
        chainrule.onnx.export(ThroughView(), cr.randn(2, 3), io.BytesIO())
