"""F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch: outputs and every gradient (inputs and
parameters, torch's weights loaded through state_dict) in float64 and float32 for each mask kind, batch_first,
kdim/vdim, add_bias_kv, add_zero_attn and unbatched input; gradcheck of scaled_dot_product_attention; init,
state_dict keys, repr and the errors."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck
from conftest import assert_close, requires_torch, torch
from module_parity import check_module_parity

L, S, N, E, HEADS = 5, 7, 3, 8, 2
RNG = np.random.default_rng(0)


def _bool_mask(shape, rng=RNG):
    """A random bool mask that keeps at least one position in every row."""
    mask = rng.random(shape) < 0.6
    mask[..., 0] = True
    return mask


def _sdpa(lib):
    return torch.nn.functional.scaled_dot_product_attention if lib is torch else F.scaled_dot_product_attention


def _sdpa_parity(q, k, v, mask=None, dtype=np.float64, **kwargs):
    """scaled_dot_product_attention of both libraries: output and the gradients of q, k, v (and a float mask)."""
    results = []
    for lib in (torch, cr):
        leaves = [lib.tensor(a.astype(dtype), requires_grad=True) for a in (q, k, v)]
        m = None
        if mask is not None:
            m = lib.tensor(mask if mask.dtype == np.bool_ else mask.astype(dtype))
        out = _sdpa(lib)(*leaves, attn_mask=m, **kwargs)
        seed = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(dtype)
        (out * lib.tensor(seed)).sum().backward()
        results.append([out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves])
    tol = {"rtol": 1e-9, "atol": 1e-10} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-5}
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, **tol)
    return results[1][0]


def _qkv(q_shape=(2, 3, L, E), kv_shape=(2, 3, S, E), value_features=6):
    return (RNG.standard_normal(q_shape), RNG.standard_normal(kv_shape),
            RNG.standard_normal(kv_shape[:-1] + (value_features,)))


SDPA_MASKS = {
    "none": None,
    "bool_2d": _bool_mask((L, S)),
    "bool_per_batch": _bool_mask((2, 1, L, S)),
    "float_2d": RNG.standard_normal((L, S)),
    "float_with_inf": np.where(_bool_mask((2, 3, L, S)), 0.0, -np.inf),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mask", list(SDPA_MASKS))
def test_sdpa_masks_match_torch(mask, dtype):
    _sdpa_parity(*_qkv(), SDPA_MASKS[mask], dtype=dtype)


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("lengths", [(L, S), (S, L), (L, L)])
def test_sdpa_is_causal_matches_torch(lengths, dtype):
    q_len, k_len = lengths
    _sdpa_parity(*_qkv((2, q_len, E), (2, k_len, E)), dtype=dtype, is_causal=True)


@requires_torch
@pytest.mark.parametrize("lengths", [(300, 300), (256, 400), (270, 100)])
def test_sdpa_is_causal_by_row_blocks_matches_torch(lengths):
    # from 256 query rows causal attention runs a block of rows at a time against the keys it may see
    q_len, k_len = lengths
    _sdpa_parity(*_qkv((2, q_len, E), (2, k_len, E)), is_causal=True)


@requires_torch
def test_sdpa_scale_unbatched_and_broadcast_batch_match_torch():
    _sdpa_parity(*_qkv(), scale=0.3)
    _sdpa_parity(*_qkv((L, E), (S, E)), _bool_mask((L, S)))
    _sdpa_parity(*_qkv((2, 3, L, E), (2, 1, S, E)))  # key/value broadcast over the heads


@requires_torch
def test_sdpa_gqa_matches_torch():
    _sdpa_parity(*_qkv((2, 4, L, E), (2, 2, S, E)), enable_gqa=True)


@requires_torch
def test_sdpa_fully_masked_row_is_zero_with_finite_gradients():
    mask = _bool_mask((L, S))
    mask[2] = False
    out = _sdpa_parity(*_qkv(), mask)
    assert np.all(out[:, :, 2] == 0.0)
    float_mask = np.where(mask, 0.0, -np.inf)
    _sdpa_parity(*_qkv(), float_mask)


def test_sdpa_gradcheck_float64():
    q, k, v = (cr.tensor(a, requires_grad=True) for a in _qkv((2, 3, 4), (2, 5, 4), 3))
    mask = cr.tensor(_bool_mask((3, 5)))
    float_mask = cr.tensor(RNG.standard_normal((3, 5)), requires_grad=True)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask), [q, k, v])
    assert gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m), [q, k, v, float_mask])
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.7), [q, k, v])
    assert gradgradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mask), [q, k, v])


def test_sdpa_dropout():
    q, k, v = (cr.tensor(a) for a in _qkv((1, 6, E), (1, 6, E), E))
    assert F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).abs().sum().item() == 0.0
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert not np.allclose(dropped, plain)
    mean = np.mean([F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy() for _ in range(400)], axis=0)
    np.testing.assert_allclose(mean, plain, atol=0.25)  # dropout rescales by 1/(1-p): unbiased


def test_sdpa_errors():
    q, k, v = (cr.tensor(a) for a in _qkv())
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(q, k, v, cr.ones(L, S, dtype=cr.bool), is_causal=True)
    with pytest.raises(RuntimeError, match=r"attn_mask of shape \(4, 7\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, cr.ones(4, S, dtype=cr.bool))
    with pytest.raises(RuntimeError, match="Expected attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(q, k, v, cr.ones(L, S, dtype=cr.int64))
    with pytest.raises(RuntimeError, match="same dtype"):
        F.scaled_dot_product_attention(q, k.float(), v)
    with pytest.raises(RuntimeError, match="disagree"):
        F.scaled_dot_product_attention(q, k[..., :4], v)
    with pytest.raises(RuntimeError, match="must divide the number of heads in query"):
        F.scaled_dot_product_attention(cr.randn(1, 3, L, E), cr.randn(1, 2, S, E), cr.randn(1, 2, S, E),
                                       enable_gqa=True)


# --- MultiheadAttention ---

def _mha_pair(**options):
    return nn.MultiheadAttention(E, HEADS, **options), torch.nn.MultiheadAttention(E, HEADS, **options)


def _mha_inputs(batch_first=False, kdim=E, vdim=E, batched=True):
    def seq(length, features):
        if not batched:
            return RNG.standard_normal((length, features))
        return RNG.standard_normal((N, length, features) if batch_first else (length, N, features))
    return seq(L, E), seq(S, kdim), seq(S, vdim)


def _padding(batch=N, length=S):
    padding = RNG.random((batch, length)) < 0.3
    padding[:, 0] = False  # every sequence keeps a key
    return padding


MHA_MASKS = {  # name -> (attn_mask, key_padding_mask)
    "none": (None, None),
    "bool_2d": (~_bool_mask((L, S)), None),
    "float_2d": (RNG.standard_normal((L, S)), None),
    "float_3d": (RNG.standard_normal((N * HEADS, L, S)), None),
    "bool_3d": (~_bool_mask((N * HEADS, L, S)), None),
    "key_padding_bool": (None, _padding()),
    "key_padding_float": (None, np.where(_padding(), -np.inf, 0.0)),
    "both": (RNG.standard_normal((L, S)), np.where(_padding(), -np.inf, 0.0)),
}


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("need_weights,average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask", list(MHA_MASKS))
def test_mha_masks_match_torch(mask, need_weights, average, dtype):
    attn_mask, key_padding_mask = MHA_MASKS[mask]
    ours, theirs = _mha_pair()

    def forward(module, q, k, v):
        lib = torch if module is theirs else cr
        masks = [None if m is None else lib.tensor(m if m.dtype == np.bool_ else m.astype(dtype))
                 for m in (attn_mask, key_padding_mask)]
        return module(q, k, v, attn_mask=masks[0], key_padding_mask=masks[1], need_weights=need_weights,
                      average_attn_weights=average)
    check_module_parity(ours, theirs, forward, _mha_inputs(), dtype)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_self_attention_is_causal_matches_torch(batch_first, need_weights):
    ours, theirs = _mha_pair(batch_first=batch_first)
    causal = np.triu(np.full((L, L), -np.inf), 1)

    def forward(module, x):
        lib = torch if module is theirs else cr
        return module(x, x, x, attn_mask=lib.tensor(causal), is_causal=True, need_weights=need_weights)
    check_module_parity(ours, theirs, forward, [RNG.standard_normal((N, L, E) if batch_first else (L, N, E))])


@requires_torch
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("options", [{"batch_first": True}, {"bias": False}, {"add_bias_kv": True},
                                     {"add_zero_attn": True}, {"add_bias_kv": True, "add_zero_attn": True},
                                     {"kdim": 5, "vdim": 3}, {"kdim": 5, "vdim": 3, "batch_first": True}])
def test_mha_options_match_torch(options, dtype):
    ours, theirs = _mha_pair(**options)
    inputs = _mha_inputs(options.get("batch_first", False), options.get("kdim", E), options.get("vdim", E))
    padding, masked_out = _padding(), ~_bool_mask((L, S))

    def forward(module, q, k, v):
        lib = torch if module is theirs else cr
        return module(q, k, v, key_padding_mask=lib.tensor(padding), attn_mask=lib.tensor(masked_out))
    check_module_parity(ours, theirs, forward, inputs, dtype)


@requires_torch
@pytest.mark.parametrize("batch_first", [False, True])
def test_mha_self_and_cross_attention_share_the_projection_paths(batch_first):
    ours, theirs = _mha_pair(batch_first=batch_first)
    query, memory, _ = _mha_inputs(batch_first)
    check_module_parity(ours, theirs, lambda m, x: m(x, x, x), [query])
    check_module_parity(ours, theirs, lambda m, x, mem: m(x, mem, mem), [query, memory])


@requires_torch
@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_unbatched_matches_torch(need_weights):
    ours, theirs = _mha_pair()
    padding = _padding(1, S)[0]
    mask3d = RNG.standard_normal((HEADS, L, S))

    def forward(module, q, k, v):
        lib = torch if module is theirs else cr
        return module(q, k, v, key_padding_mask=lib.tensor(padding), attn_mask=lib.tensor(mask3d),
                      need_weights=need_weights)
    with pytest.warns(UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"):
        check_module_parity(ours, theirs, forward, _mha_inputs(batched=False))


@requires_torch
def test_mha_fully_masked_row_matches_torch():
    """need_weights=True: NaN in that row (plain softmax); need_weights=False: zeros (scaled_dot_product_attention)."""
    mask = ~_bool_mask((L, S))
    mask[1] = True
    for need_weights in (True, False):
        ours, theirs = _mha_pair()

        def forward(module, q, k, v):
            lib = torch if module is theirs else cr
            return module(q, k, v, attn_mask=lib.tensor(mask), need_weights=need_weights)
        out = check_module_parity(ours, theirs, forward, _mha_inputs())[0].detach().numpy()
        assert np.isnan(out[1]).all() if need_weights else np.isfinite(out).all()


@requires_torch
@pytest.mark.parametrize("options", [{}, {"bias": False}, {"add_bias_kv": True}, {"kdim": 5, "vdim": 3}])
def test_mha_state_dict_keys_shapes_and_repr_match_torch(options):
    ours, theirs = _mha_pair(**options)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)


def test_mha_init():
    mha = nn.MultiheadAttention(16, 4, add_bias_kv=True)
    bound = math.sqrt(6.0 / (16 + 3 * 16))  # xavier_uniform_ on the (3E, E) stack
    w = mha.in_proj_weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not mha.in_proj_bias.abs().sum().item() and not mha.out_proj.bias.abs().sum().item()
    assert mha.bias_k.shape == (1, 1, 16) and mha.bias_k.abs().sum().item() > 0
    assert nn.MultiheadAttention(8, 2, dtype=cr.float64).in_proj_weight.dtype == cr.float64


@requires_torch
def test_multi_head_attention_forward_with_static_key_value_matches_torch():
    arrays = {"query": RNG.standard_normal((L, N, E)), "key": RNG.standard_normal((S, N, E)),
              "in_w": RNG.standard_normal((3 * E, E)), "in_b": RNG.standard_normal(3 * E),
              "out_w": RNG.standard_normal((E, E)), "static_k": RNG.standard_normal((N * HEADS, S, E // HEADS)),
              "static_v": RNG.standard_normal((N * HEADS, S, E // HEADS))}
    results = []
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward), (cr, F.multi_head_attention_forward)):
        t = {name: lib.tensor(a, requires_grad=True) for name, a in arrays.items()}
        out, weights = fn(t["query"], t["key"], t["key"], E, HEADS, t["in_w"], t["in_b"], None, None, False, 0.0,
                          t["out_w"], None, static_k=t["static_k"], static_v=t["static_v"])
        (out.sum() + (weights * weights).sum()).backward()
        results.append([out.detach().numpy(), weights.detach().numpy()] +
                       [t[name].grad.numpy() for name in ("query", "in_w", "in_b", "out_w", "static_k", "static_v")])
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


@requires_torch
@pytest.mark.parametrize("need_weights", [True, False])
def test_multi_head_attention_forward_output_projection_may_change_the_width_like_torch(need_weights):
    """CLIP's AttentionPool2d: separate q/k/v weights, one query token, an out_proj to another width (E -> 5)."""
    out_dim = 5
    arrays = {"query": RNG.standard_normal((1, N, E)), "key": RNG.standard_normal((S, N, E)),
              "q_w": RNG.standard_normal((E, E)), "k_w": RNG.standard_normal((E, E)),
              "v_w": RNG.standard_normal((E, E)), "in_b": RNG.standard_normal(3 * E),
              "out_w": RNG.standard_normal((out_dim, E)), "out_b": RNG.standard_normal(out_dim)}
    results = []
    for lib, fn in ((torch, torch.nn.functional.multi_head_attention_forward), (cr, F.multi_head_attention_forward)):
        t = {name: lib.tensor(a, requires_grad=True) for name, a in arrays.items()}
        out, _ = fn(t["query"], t["key"], t["key"], E, HEADS, None, t["in_b"], None, None, False, 0.0, t["out_w"],
                    t["out_b"], use_separate_proj_weight=True, q_proj_weight=t["q_w"], k_proj_weight=t["k_w"],
                    v_proj_weight=t["v_w"], need_weights=need_weights)
        (out * out).sum().backward()
        results.append([out.detach().numpy()] + [t[name].grad.numpy() for name in arrays])
    assert results[1][0].shape == (1, N, out_dim)
    for want, got in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10)


def test_private_helpers_reachable_as_in_torch():
    """Layers copied from torch's source call these through F."""
    mask = F._canonical_mask(cr.tensor([True, False]), "mask", None, "", cr.float32)
    assert_close(mask, np.array([-np.inf, 0.0], np.float32))
    assert F._none_or_dtype(None) is None and F._none_or_dtype(mask) == cr.float32
    assert F._mha_shape_check(cr.zeros(L, N, E), cr.zeros(S, N, E), cr.zeros(S, N, E), None, None, HEADS)


def test_mha_dropout_only_while_training():
    mha = nn.MultiheadAttention(E, HEADS, dropout=0.5)
    q, k, v = (cr.tensor(a, dtype=cr.float32) for a in _mha_inputs())
    mha.eval()
    out, weights = mha(q, k, v)
    again, _ = mha(q, k, v)
    assert_close(out.detach(), again.detach().numpy())
    assert_close(weights.detach().sum(-1), np.ones((N, L), np.float32))
    mha.train()
    dropped, _ = mha(q, k, v)
    assert not np.allclose(dropped.detach().numpy(), out.detach().numpy())


def test_mha_errors():
    with pytest.raises(AssertionError, match="^embed_dim must be divisible by num_heads$"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    mha = nn.MultiheadAttention(E, HEADS)
    q, k, v = (cr.tensor(a, dtype=cr.float32) for a in _mha_inputs())
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(5, 5\), but should be \(5, 7\)\."):
        mha(q, k, v, attn_mask=cr.zeros(L, L))
    with pytest.raises(RuntimeError, match=r"The shape of the 3D attn_mask is \(2, 5, 7\), but should be \(6, 5, 7\)"):
        mha(q, k, v, attn_mask=cr.zeros(2, L, S))
    with pytest.raises(AssertionError, match=r"Expected key_padded_mask.shape\[1\] to be 7, but got 5"):
        mha(q, k, v, key_padding_mask=cr.zeros(N, L, dtype=cr.bool))
    with pytest.raises(AssertionError, match="expected `key_padding_mask` to be `None` or 2-D"):
        mha(q, k, v, key_padding_mask=cr.zeros(S, dtype=cr.bool))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        mha(q, k, v, attn_mask=cr.zeros(L, S, dtype=cr.int64))
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        mha(q, k, v, is_causal=True)
    with pytest.raises(AssertionError, match="was expecting embedding dimension of 8, but got 4"):
        mha(q[..., :4], k, v)
    with pytest.raises(AssertionError, match="For batched"):
        mha(q, k[0], v)


def test_sdpa_kernel_choice_sets_the_switches_as_torchs_and_attention_still_runs():
    import torch
    from torch.nn.attention import SDPBackend as TorchBackend, sdpa_kernel as torch_sdpa_kernel

    from chainrule.nn.attention import SDPBackend, sdpa_kernel

    assert {b.name: int(b) for b in SDPBackend} == {b.name: int(b) for b in TorchBackend.__members__.values()}
    assert str(SDPBackend.MATH) == str(TorchBackend.MATH) == "SDPBackend.MATH"
    switches = ("flash_sdp_enabled", "mem_efficient_sdp_enabled", "math_sdp_enabled", "cudnn_sdp_enabled")

    def state(lib):
        return [getattr(lib.backends.cuda, name)() for name in switches]

    assert state(cr) == state(torch)
    q = cr.randn(1, 2, 3, 4)
    for chosen in ([SDPBackend.MATH], SDPBackend.FLASH_ATTENTION, [SDPBackend.EFFICIENT_ATTENTION, SDPBackend.MATH]):
        torch_chosen = ([getattr(TorchBackend, b.name) for b in chosen] if isinstance(chosen, list)
                        else getattr(TorchBackend, chosen.name))
        with sdpa_kernel(chosen), torch_sdpa_kernel(torch_chosen):
            assert state(cr) == state(torch)
            assert F.scaled_dot_product_attention(q, q, q).shape == (1, 2, 3, 4)  # chainrule's one kernel
        assert state(cr) == state(torch)
    with pytest.raises(AssertionError, match="Backend must be an instance of SDPBackend"):
        with sdpa_kernel("math"):
            pass
    cr.backends.cuda.enable_flash_sdp(False)
    assert not cr.backends.cuda.flash_sdp_enabled()
    cr.backends.cuda.enable_flash_sdp(True)
    with pytest.warns(FutureWarning, match="sdp_kernel"):
        with cr.backends.cuda.sdp_kernel(enable_math=False):
            assert not cr.backends.cuda.math_sdp_enabled()
    assert cr.backends.cuda.math_sdp_enabled() and cr.nn.attention.SDPBackend is SDPBackend


def _cpu_kernel_outcome(lib, backends, ndim):
    """What scaled_dot_product_attention does on the CPU with only `backends` allowed: 'ok' or the error, with
    the warnings' messages (PyTorch's own end in '(Triggered internally at ...)', dropped here)."""
    import warnings
    attention = lib.nn.attention
    chosen = [getattr(attention.SDPBackend, name) for name in backends]
    q = lib.rand(*(2, 2, 4, 8)[4 - ndim:])
    with attention.sdpa_kernel(chosen), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            _sdpa(lib)(q, q, q)
            outcome = "ok"
        except RuntimeError as e:
            outcome = str(e)
    return outcome, [str(w.message).split(" (Triggered internally")[0] for w in caught]


@requires_torch
@pytest.mark.parametrize("ndim", [3, 4])
@pytest.mark.parametrize("backends", [["MATH"], ["FLASH_ATTENTION"], ["EFFICIENT_ATTENTION"], ["CUDNN_ATTENTION"],
                                      ["EFFICIENT_ATTENTION", "CUDNN_ATTENTION"], ["FLASH_ATTENTION", "MATH"]])
def test_sdpa_kernel_choice_on_the_cpu_as_torch(backends, ndim):
    """The SDPA tutorial's sdpa_kernel(EFFICIENT_ATTENTION) prints 'EfficientAttention is not supported' on a CPU:
    PyTorch has only the math and flash (4-D) kernels there."""
    assert _cpu_kernel_outcome(cr, backends, ndim) == _cpu_kernel_outcome(torch, backends, ndim)


def _causal_bias_run(lib, make, q_len, kv_len):
    """The SDPA tutorial's causal_upper_left/causal_lower_right: the bias's printout and attributes, and
    attention through it, in float64 on fixed inputs."""
    from importlib import import_module
    bias = getattr(import_module(f"{lib.__name__}.nn.attention.bias"), make)(q_len, kv_len)
    rng = np.random.default_rng(1)
    q = lib.tensor(rng.standard_normal((2, 3, q_len, 4)))
    kv = lib.tensor(rng.standard_normal((2, 3, kv_len, 4)))
    out = _sdpa(lib)(q, kv, kv, attn_mask=bias)
    with pytest.raises(ValueError, match="CausalBias should not be used with causal=True"):
        _sdpa(lib)(q, kv, kv, attn_mask=bias, is_causal=True)
    return (type(bias).__name__, isinstance(bias, lib.Tensor), repr(bias).replace(lib.__name__, "lib"),
            int(bias.variant), bias.seq_len_q, bias.seq_len_kv, out.numpy())


@requires_torch
@pytest.mark.parametrize("make", ["causal_upper_left", "causal_lower_right"])
@pytest.mark.parametrize("q_len, kv_len", [(2, 10), (5, 5)])
def test_causal_bias_masks_as_torch(make, q_len, kv_len):
    ours, theirs = _causal_bias_run(cr, make, q_len, kv_len), _causal_bias_run(torch, make, q_len, kv_len)
    assert ours[:-1] == theirs[:-1]
    np.testing.assert_allclose(ours[-1], theirs[-1], rtol=1e-12)
