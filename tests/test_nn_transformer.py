"""nn.TransformerEncoderLayer / DecoderLayer / Encoder / Decoder / Transformer against PyTorch: outputs and every
gradient (inputs and parameters, torch's weights loaded through state_dict) in float64 and float32 with every mask
kind, batch_first, norm_first, gelu and unbatched input; generate_square_subsequent_mask; state_dict keys, repr,
deep-copied layers, errors; nn.DataParallel on a CPU-only machine and RNN.flatten_parameters."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import assert_close, requires_torch, torch
from module_parity import check_module_parity, load_from_torch

D_MODEL, NHEAD, FF, SRC, TGT, N = 8, 2, 16, 5, 4, 3
RNG = np.random.default_rng(0)


def _seq(length, batch_first, batched=True):
    if not batched:
        return RNG.standard_normal((length, D_MODEL))
    return RNG.standard_normal((N, length, D_MODEL) if batch_first else (length, N, D_MODEL))


def _padding(length, batch=N):
    padding = RNG.random((batch, length)) < 0.3
    padding[:, 0] = False
    return padding


def _causal(length):
    return np.triu(np.full((length, length), -np.inf), 1)


def _masked_out(rows, cols):
    mask = RNG.random((rows, cols)) < 0.3
    mask[:, 0] = False
    return mask


def _lib(module, theirs):
    return torch if module is theirs else cr


def _mask(lib, array, dtype=np.float64):
    """A mask tensor: bool as is, float in `dtype`; None stays None."""
    if array is None:
        return None
    return lib.tensor(array if array.dtype == np.bool_ else array.astype(dtype))


def _pair(name, *args, activation=None, **kwargs):
    """The same layer from both libraries (a string activation goes to both as is)."""
    if activation is not None:
        kwargs["activation"] = activation
    return getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)


ENCODER_MASKS = {  # name -> (src_mask, src_key_padding_mask, is_causal)
    "none": (None, None, False),
    "bool_mask": (_masked_out(SRC, SRC), None, False),
    "float_mask": (RNG.standard_normal((SRC, SRC)), None, False),
    "key_padding": (None, _padding(SRC), False),
    "causal_and_padding": (_causal(SRC), np.where(_padding(SRC), -np.inf, 0.0), False),
    "is_causal": (_causal(SRC), None, True),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask", list(ENCODER_MASKS))
def test_encoder_layer_matches_torch(mask, norm_first, batch_first, dtype):
    ours, theirs = _pair("TransformerEncoderLayer", D_MODEL, NHEAD, FF, 0.0, batch_first=batch_first,
                         norm_first=norm_first)
    src_mask, padding, is_causal = ENCODER_MASKS[mask]

    def forward(module, src):
        lib = _lib(module, theirs)
        return module(src, src_mask=_mask(lib, src_mask, dtype), src_key_padding_mask=_mask(lib, padding, dtype),
                      is_causal=is_causal)
    check_module_parity(ours, theirs, forward, [_seq(SRC, batch_first)], dtype)


@requires_torch
@pytest.mark.parametrize("activation", ["gelu", "relu"])
@pytest.mark.parametrize("bias", [True, False])
def test_encoder_layer_activation_and_bias_match_torch(activation, bias):
    ours, theirs = _pair("TransformerEncoderLayer", D_MODEL, NHEAD, FF, 0.0, activation=activation, bias=bias)
    check_module_parity(ours, theirs, lambda m, x: m(x), [_seq(SRC, False)])


@requires_torch
def test_callable_activation_matches_torch():
    ours = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, activation=nn.functional.silu)
    theirs = torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, 0.0, activation=torch.nn.functional.silu)
    check_module_parity(ours, theirs, lambda m, x: m(x), [_seq(SRC, False)])
    assert ours.activation_relu_or_gelu == theirs.activation_relu_or_gelu == 0
    assert nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation=nn.GELU()).activation_relu_or_gelu == 2


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, batch_first, dtype):
    ours, theirs = _pair("TransformerDecoderLayer", D_MODEL, NHEAD, FF, 0.0, batch_first=batch_first,
                         norm_first=norm_first, activation="gelu")
    tgt_padding, memory_padding = _padding(TGT), _padding(SRC)
    memory_mask = RNG.standard_normal((TGT, SRC))

    def forward(module, tgt, memory):
        lib = _lib(module, theirs)
        return module(tgt, memory, tgt_mask=lib.tensor(_causal(TGT).astype(dtype)),
                      memory_mask=lib.tensor(memory_mask.astype(dtype)), tgt_key_padding_mask=lib.tensor(tgt_padding),
                      memory_key_padding_mask=lib.tensor(memory_padding), tgt_is_causal=True)
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        check_module_parity(ours, theirs, forward, [_seq(TGT, batch_first), _seq(SRC, batch_first)], dtype)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(norm_first, batch_first, dtype):
    ours, theirs = _pair("Transformer", D_MODEL, NHEAD, 2, 2, FF, 0.0, batch_first=batch_first,
                         norm_first=norm_first)
    src_padding, tgt_padding = _padding(SRC), _padding(TGT)

    def forward(module, src, tgt):
        lib = _lib(module, theirs)
        tgt_mask = module.generate_square_subsequent_mask(TGT, dtype=lib.float64 if dtype == np.float64
                                                          else lib.float32)
        return module(src, tgt, tgt_mask=tgt_mask, src_key_padding_mask=lib.tensor(src_padding),
                      tgt_key_padding_mask=lib.tensor(tgt_padding), memory_key_padding_mask=lib.tensor(src_padding))
    with pytest.warns(UserWarning, match="mismatched"):
        check_module_parity(ours, theirs, forward, [_seq(SRC, batch_first), _seq(TGT, batch_first)], dtype)


@requires_torch
def test_transformer_unbatched_and_bool_masks_match_torch():
    ours, theirs = _pair("Transformer", D_MODEL, NHEAD, 1, 1, FF, 0.0)
    src_mask, memory_mask = _masked_out(SRC, SRC), _masked_out(TGT, SRC)

    def forward(module, src, tgt):
        lib = _lib(module, theirs)
        return module(src, tgt, src_mask=lib.tensor(src_mask), memory_mask=lib.tensor(memory_mask),
                      tgt_mask=module.generate_square_subsequent_mask(TGT, dtype=lib.bool))
    check_module_parity(ours, theirs, forward, [_seq(SRC, False, batched=False), _seq(TGT, False, batched=False)])


@requires_torch
@pytest.mark.parametrize("is_causal", [None, True])
def test_encoder_stack_with_causal_mask_matches_torch(is_causal):
    """is_causal=None: the mask is recognised as causal, as in PyTorch."""
    layer_args = (D_MODEL, NHEAD, FF, 0.0)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(*layer_args), 2, nn.LayerNorm(D_MODEL),
                                 enable_nested_tensor=False)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(*layer_args), 2,
                                         torch.nn.LayerNorm(D_MODEL), enable_nested_tensor=False)

    def forward(module, src):
        mask = module.layers[0].self_attn.in_proj_weight.new_tensor(_causal(SRC)) if module is theirs else \
            cr.tensor(_causal(SRC))
        return module(src, mask=mask, is_causal=is_causal)
    check_module_parity(ours, theirs, forward, [_seq(SRC, False)])


@requires_torch
def test_eval_mode_without_grad_matches_torch_fast_path():
    ours, theirs = _pair("TransformerEncoderLayer", D_MODEL, NHEAD, FF, batch_first=True)
    load_from_torch(ours, theirs, np.float32)
    ours.eval(), theirs.eval()
    x = _seq(SRC, True).astype(np.float32)
    with torch.no_grad(), cr.no_grad():
        assert_close(ours(cr.tensor(x)), theirs(torch.tensor(x)).numpy(), rtol=1e-4, atol=1e-5)


@requires_torch
@pytest.mark.parametrize("size", [1, 2, 5])
def test_generate_square_subsequent_mask_matches_torch(size):
    assert_close(nn.Transformer.generate_square_subsequent_mask(size),
                 torch.nn.Transformer.generate_square_subsequent_mask(size).numpy())
    mask = nn.Transformer.generate_square_subsequent_mask(size, dtype=cr.float64)
    assert mask.dtype == cr.float64
    assert_close(mask, torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=torch.float64).numpy())
    assert_close(nn.Transformer.generate_square_subsequent_mask(size, dtype=cr.bool),
                 torch.nn.Transformer.generate_square_subsequent_mask(size, dtype=torch.bool).numpy())


@requires_torch
def test_state_dict_keys_and_repr_match_torch():
    ours, theirs = _pair("Transformer", D_MODEL, NHEAD, 2, 1, FF)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: cr.tensor(v.numpy()) for k, v in theirs.state_dict().items()})


def test_encoder_layers_are_independent_copies_and_init():
    layer = nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF)
    encoder = nn.TransformerEncoder(layer, 3)
    assert len(encoder.layers) == 3 and encoder.num_layers == 3 and encoder.norm is None
    weights = [m.linear1.weight for m in encoder.layers] + [layer.linear1.weight]
    assert len({id(w) for w in weights}) == 4
    assert all(np.array_equal(w.detach().numpy(), layer.linear1.weight.detach().numpy()) for w in weights)
    model = nn.Transformer(16, 2, 1, 1, 32)
    bound = np.sqrt(6.0 / (16 + 32))  # xavier_uniform_ on linear1's (32, 16) weight
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound


def test_transformer_errors():
    model = nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)
    with pytest.raises(RuntimeError, match="^the batch number of src and tgt must be equal$"):
        model(cr.randn(SRC, 2, D_MODEL), cr.randn(TGT, 3, D_MODEL))
    with pytest.raises(RuntimeError, match="^the feature number of src and tgt must be equal to d_model$"):
        model(cr.randn(SRC, 2, D_MODEL), cr.randn(TGT, 2, 4))
    with pytest.raises(RuntimeError, match="^activation should be relu/gelu, not tanh$"):
        nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")
    with pytest.raises(AssertionError, match="^embed_dim must be divisible by num_heads$"):
        nn.TransformerDecoderLayer(10, 3)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(4, 4\), but should be \(5, 5\)"):
        model.encoder(cr.randn(SRC, 2, D_MODEL), mask=cr.zeros(4, 4))


# --- nn.DataParallel, RNN.flatten_parameters ---

@requires_torch
def test_data_parallel_wraps_the_module_on_cpu():
    assert nn.DataParallel is nn.parallel.DataParallel
    assert hasattr(nn.parallel, "DistributedDataParallel")  # on MPI: tests/test_distributed.py
    ours, theirs = nn.DataParallel(nn.Linear(3, 2)), torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["module.weight", "module.bias"]
    assert ours.device_ids == theirs.device_ids == []
    x = cr.randn(4, 3)
    assert_close(ours(x).detach(), ours.module(x).detach().numpy())
    assert repr(ours) == repr(theirs)
    check_module_parity(ours, theirs, lambda m, x: m(x), [RNG.standard_normal((4, 3))])


def test_flatten_parameters_is_a_no_op():
    lstm = nn.LSTM(3, 4)
    x = cr.randn(5, 2, 3)
    before = lstm(x)[0].detach().numpy()
    assert lstm.flatten_parameters() is None
    assert_close(lstm(x)[0].detach(), before)
    nn.GRU(3, 4).flatten_parameters()
    nn.RNN(3, 4).flatten_parameters()


@requires_torch
@pytest.mark.parametrize("build", [
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 2),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True), 2),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True, norm_first=True), 1),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 1, batch_first=True), 1),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True, activation=nn.SiLU()), 1),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, batch_first=True, bias=False), 1),
    lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 1, enable_nested_tensor=False),
    lambda nn: nn.Transformer(8, 2, 1, 1, 16),
])
def test_encoders_warn_where_pytorchs_nested_tensor_path_would_not_apply(build):
    import warnings
    caught = {}
    for lib, name in ((torch.nn, "torch"), (nn, "chainrule")):
        with warnings.catch_warnings(record=True) as log:
            warnings.simplefilter("always")
            encoder = build(lib)
        caught[name] = ([str(w.message) for w in log if "nested" in str(w.message)],
                        getattr(encoder, "use_nested_tensor", getattr(encoder, "encoder", None) and
                                encoder.encoder.use_nested_tensor))
    assert caught["chainrule"] == caught["torch"]
