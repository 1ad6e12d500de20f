"""float16 and bfloat16 against PyTorch's CPU: stored in 2 bytes, computed in float32 and rounded once
per op (cpp/ops/float32_staging.h). Conversions are bit-exact; single elementwise ops and data
movement match PyTorch exactly; reductions, products and fused layers match to a few units in the
last place (PyTorch sums in another order, and rounds inside some composite ops)."""
import io

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")

DTYPES = [(cr.float16, torch.float16), (cr.bfloat16, torch.bfloat16)]
IDS = ["float16", "bfloat16"]


def to_torch(t, dtype):
    """A chainrule 16-bit tensor as the PyTorch tensor of the same values (exact through float32)."""
    return torch.from_numpy(t.detach().float().numpy().copy()).to(dtype)


def bits(t):
    """The raw 16 bits of a chainrule or PyTorch 16-bit tensor, as a NumPy int16 array."""
    if isinstance(t, torch.Tensor):
        return t.detach().contiguous().view(torch.int16).numpy()
    return t.detach().contiguous().view(cr.int16).numpy()


def same_values(ours, theirs, ulps=0):
    """Equal dtypes and values; with ulps > 0, within that many units in the 16-bit type's last place."""
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    a, b = ours.detach().float().numpy(), theirs.detach().float().numpy()
    if ulps == 0:
        np.testing.assert_array_equal(a, b)
    else:
        eps = cr.finfo(ours.dtype).eps
        np.testing.assert_allclose(a, b, rtol=ulps * eps, atol=ulps * eps)


SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 6e-8, 3e-8, 2.9e-8, 1e-40,
           3.0e38, 3.4e38, float("inf"), float("-inf"), float("nan"), 1.00390625, 1.01171875, 2049.0, 2051.0]


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_float32_rounds_to_nearest_even_bit_exactly(ours, theirs):
    values = np.concatenate([np.array(SPECIAL, np.float32),
                             np.random.default_rng(0).standard_normal(4000).astype(np.float32) * 10.0 ** np.arange(
                                 -6, 6).repeat(334)[:4000].astype(np.float32),
                             np.random.default_rng(1).integers(0, 2**32, 4000, dtype=np.uint32).view(np.float32)])
    # NaN payloads differ among PyTorch's own paths (scalar or vectorized): only NaN-ness is compared
    nan = np.isnan(values)
    mine, expected = cr.from_numpy(values).to(ours), torch.from_numpy(values).to(theirs)
    np.testing.assert_array_equal(bits(mine)[~nan], bits(expected)[~nan])
    assert np.isnan(mine.float().numpy()[nan]).all()
    # float64 goes through float32 first, as c10's Half(float) does
    with np.errstate(invalid="ignore"):  # the signalling NaNs among the random bit patterns
        doubles = values.astype(np.float64) * (1 + 2.0 ** -30)
    np.testing.assert_array_equal(bits(cr.from_numpy(doubles).to(ours))[~nan],
                                  bits(torch.from_numpy(doubles).to(theirs))[~nan])


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_every_16_bit_pattern_widens_exactly(ours, theirs):
    patterns = np.arange(-2**15, 2**15, dtype=np.int16)
    mine = cr.from_numpy(patterns).view(ours)
    expected = torch.from_numpy(patterns).view(theirs)
    np.testing.assert_array_equal(mine.float().numpy(), expected.float().numpy())
    np.testing.assert_array_equal(mine.double().numpy(), expected.double().numpy())
    for target, torch_target in [(cr.int32, torch.int32), (cr.int64, torch.int64), (cr.uint8, torch.uint8),
                                 (cr.bool, torch.bool)]:
        finite = np.isfinite(expected.float().numpy())  # NaN and inf into integers are undefined in C++
        np.testing.assert_array_equal(mine.to(target).numpy()[finite], expected.to(torch_target).numpy()[finite])


def test_integers_and_between_the_two_16_bit_floats():
    ints = np.array([0, 1, -7, 2049, 65519, 70000, 2**40 + 1], np.int64)
    for ours, theirs in DTYPES:
        np.testing.assert_array_equal(bits(cr.from_numpy(ints).to(ours)), bits(torch.from_numpy(ints).to(theirs)))
    h = cr.tensor([1.0009765625, 3e-5, 65504.0], dtype=cr.float16)
    np.testing.assert_array_equal(bits(h.bfloat16()), bits(to_torch(h, torch.float16).bfloat16()))


PROMOTION_DTYPES = [(cr.float16, torch.float16), (cr.bfloat16, torch.bfloat16), (cr.float32, torch.float32),
                    (cr.float64, torch.float64), (cr.int64, torch.int64), (cr.int16, torch.int16),
                    (cr.uint8, torch.uint8), (cr.bool, torch.bool)]


@pytest.mark.parametrize("a", PROMOTION_DTYPES, ids=lambda d: str(d[0]))
def test_promotion_follows_pytorch(a):
    for b in PROMOTION_DTYPES:
        expected = str(torch.promote_types(a[1], b[1])).split(".")[-1]
        assert str(cr.promote_types(a[0], b[0])).split(".")[-1] == expected
        x, y = cr.ones(2, dtype=a[0]), cr.ones(2, dtype=b[0])
        tx, ty = torch.ones(2, dtype=a[1]), torch.ones(2, dtype=b[1])
        if a[0] != cr.bool or b[0] != cr.bool:
            assert str((x + y).dtype).split(".")[-1] == str((tx + ty).dtype).split(".")[-1]
        # a 0-d tensor or a number of the same category does not widen a 16-bit tensor
        assert str((x * cr.tensor(2.0, dtype=b[0])).dtype).split(".")[-1] == \
            str((tx * torch.tensor(2.0, dtype=b[1])).dtype).split(".")[-1]
    assert (cr.ones(2, dtype=a[0]) * 2.5).dtype == (a[0] if a[0].is_floating_point else cr.float32)


UNARY = ["neg", "abs", "sign", "relu", "square", "floor", "ceil", "round", "trunc", "exp", "log", "log2", "log1p",
         "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tanh", "sigmoid", "erf", "atan", "sinh"]


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_elementwise_ops_round_once_as_pytorch(ours, theirs):
    x = cr.randn(257, generator=cr.Generator().manual_seed(3)).mul(3).to(ours)
    y = cr.rand(257, generator=cr.Generator().manual_seed(4)).add(0.5).to(ours)
    tx, ty = to_torch(x, theirs), to_torch(y, theirs)
    for name in UNARY:
        arg, targ = (y, ty) if name in ("log", "log2", "log1p", "sqrt", "rsqrt") else (x, tx)
        # transcendental functions: float32's libm and PyTorch's vectorized ones may differ by a float32
        # ulp, which rounding to 16 bits hides nearly always
        same_values(getattr(arg, name)(), getattr(targ, name)(), ulps=0 if name in UNARY[:9] else 1)
    for op in ["add", "sub", "mul", "div", "maximum", "minimum", "atan2", "pow"]:
        same_values(getattr(x, op)(y), getattr(tx, op)(ty), ulps=0 if op != "atan2" and op != "pow" else 1)
    same_values(x * 0.1 + 3, tx * 0.1 + 3)  # the number is taken in float32, not rounded to 16 bits first
    same_values(x / 3, tx / 3)
    same_values(x.clamp(-1.5, 0.7), tx.clamp(-1.5, 0.7))
    same_values(cr.where(x > 0, x, y), torch.where(tx > 0, tx, ty))
    same_values(x.lerp(y, 0.3), tx.lerp(ty, 0.3), ulps=1)
    assert ((x > y).numpy() == (tx > ty).numpy()).all()
    same_values(cr.nn.functional.gelu(x), torch.nn.functional.gelu(tx), ulps=1)
    same_values(cr.nn.functional.silu(x), torch.nn.functional.silu(tx), ulps=1)
    same_values(cr.nn.functional.leaky_relu(x, 0.2), torch.nn.functional.leaky_relu(tx, 0.2))
    same_values(cr.nn.functional.softplus(x), torch.nn.functional.softplus(tx), ulps=1)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_elementwise_rows_of_every_layout_round_once(ours, theirs):
    """The loops that read and write 16-bit elements directly (cpu/elementwise.h), over rows longer
    than float16's conversion blocks, transposed, broadcast, 0-d and mixed with float32 operands."""
    gen = cr.Generator().manual_seed(5)
    x = cr.randn(3, 1100, generator=gen).to(ours)
    y = cr.randn(1100, 3, generator=gen).to(ours).t()  # strided
    row, scalar, wide = cr.randn(1100, generator=gen).to(ours), cr.tensor(1.25).to(ours), cr.randn(3, 1100, generator=gen)
    tx, ty, trow, tscalar = (to_torch(t, theirs) for t in (x, y, row, scalar))
    twide = torch.from_numpy(wide.numpy())
    for op in ["add", "sub", "mul", "div", "maximum"]:
        for a, b, ta, tb in [(x, y, tx, ty), (y, row, ty, trow), (row, x, trow, tx), (x, scalar, tx, tscalar)]:
            same_values(getattr(a, op)(b), getattr(ta, op)(tb))
    same_values(y.exp(), ty.exp(), ulps=1)
    same_values(wide + y, twide + ty)  # float32 with a 16-bit operand: float32, the 16-bit one widened exactly
    same_values(y * wide, ty * twide)
    same_values(x * 0.1, tx * 0.1)
    assert ((y > x).numpy() == (ty > tx).numpy()).all()
    z, tz = y.clone().requires_grad_(), ty.clone().requires_grad_()
    cr.nn.functional.gelu(z).backward(x)
    torch.nn.functional.gelu(tz).backward(tx)
    same_values(z.grad, tz.grad, ulps=1)
    v, tv = x.clone(), tx.clone()
    v.t().mul_(y.t()).add_(scalar)  # in place through a transposed view
    tv.t().mul_(ty.t()).add_(tscalar)
    same_values(v, tv)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_in_place_ops_write_16_bit_values(ours, theirs):
    x = cr.linspace(-3, 3, 50).to(ours)
    tx = to_torch(x, theirs)
    x.mul_(1.7).add_(0.3).clamp_(-2, 2).relu_()
    tx.mul_(1.7).add_(0.3).clamp_(-2, 2).relu_()
    same_values(x, tx)
    v = x[::3]
    v += 1
    tv = tx[::3]
    tv += 1
    same_values(x, tx)
    x.masked_fill_(x > 1.5, -7.25)
    tx.masked_fill_(tx > 1.5, -7.25)
    same_values(x, tx)
    x.fill_(2.5)
    tx.fill_(2.5)
    same_values(x, tx)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_reductions_accumulate_in_float32(ours, theirs):
    x = cr.rand(64, 300, generator=cr.Generator().manual_seed(5)).to(ours)
    tx = to_torch(x, theirs)
    for name in ["sum", "mean"]:
        same_values(getattr(x, name)(), getattr(tx, name)(), ulps=2)
        same_values(getattr(x, name)(1), getattr(tx, name)(1), ulps=2)
    assert x.sum(dtype=cr.float32).dtype == cr.float32
    np.testing.assert_allclose(x.sum(dtype=cr.float32).item(), x.float().sum().item(), rtol=1e-6)
    same_values(x.amax(0), tx.amax(0))
    values, indices = x.max(1)
    tvalues, tindices = tx.max(1)
    same_values(values, tvalues)
    np.testing.assert_array_equal(indices.numpy(), tindices.numpy())
    same_values(x.cumsum(1), tx.cumsum(1), ulps=4)
    same_values(x.var(1), tx.var(1), ulps=8)
    same_values(x.norm(dim=1), tx.norm(dim=1), ulps=4)
    same_values(x.softmax(1), tx.softmax(1), ulps=2)
    same_values(x.log_softmax(1), tx.log_softmax(1), ulps=2)
    same_values(x.logsumexp(1), tx.logsumexp(1), ulps=4)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_data_movement_is_exact(ours, theirs):
    x = cr.randn(6, 5).to(ours)
    tx = to_torch(x, theirs)
    idx = cr.tensor([4, 0, 2, 2])
    tidx = torch.tensor([4, 0, 2, 2])
    same_values(x[idx], tx[tidx])
    same_values(x[:, 1:4].t().contiguous(), tx[:, 1:4].t().contiguous())
    same_values(cr.cat([x, x * 2]), torch.cat([tx, tx * 2]))
    same_values(cr.stack([x, x], 1), torch.stack([tx, tx], 1))
    same_values(x.gather(1, cr.tensor([[0, 4]] * 6)), tx.gather(1, torch.tensor([[0, 4]] * 6)))
    same_values(x.flip(0).roll(2, 1), tx.flip(0).roll(2, 1))
    same_values(x.sort(1).values, tx.sort(1).values)
    np.testing.assert_array_equal(x.argsort(1).numpy(), tx.argsort(1).numpy())
    same_values(x.topk(2, 1).values, tx.topk(2, 1).values)
    same_values(x.repeat(2, 1), tx.repeat(2, 1))
    same_values(cr.nn.functional.pad(x, (1, 2)), torch.nn.functional.pad(tx, (1, 2)))
    y, ty = x.clone(), tx.clone()
    y[idx] = 1.5
    ty[tidx] = 1.5
    same_values(y, ty)
    # accumulating writes add in float32 and round once per element
    same_values(cr.zeros(6, dtype=ours).index_add(0, cr.tensor([0, 0, 5]), cr.tensor([0.1, 0.2, 1e-3]).to(ours)),
                torch.zeros(6, dtype=theirs).index_add(0, torch.tensor([0, 0, 5]),
                                                       torch.tensor([0.1, 0.2, 1e-3]).to(theirs)), ulps=1)
    same_values(cr.zeros(2, 5, dtype=ours).scatter_add(1, cr.tensor([[0, 0, 1]] * 2), x[:2, :3]),
                torch.zeros(2, 5, dtype=theirs).scatter_add(1, torch.tensor([[0, 0, 1]] * 2), tx[:2, :3]), ulps=1)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_products_and_layers_match_pytorch(ours, theirs):
    g = cr.Generator().manual_seed(6)
    a, b = cr.randn(17, 40, generator=g).to(ours), cr.randn(40, 9, generator=g).to(ours)
    ta, tb = to_torch(a, theirs), to_torch(b, theirs)
    same_values(a @ b, ta @ tb, ulps=2)
    same_values(cr.bmm(a.expand(3, 17, 40), b.expand(3, 40, 9)), torch.bmm(ta.expand(3, 17, 40), tb.expand(3, 40, 9)),
                ulps=2)
    w, bias = cr.randn(7, 40, generator=g).to(ours), cr.randn(7, generator=g).to(ours)
    same_values(cr.nn.functional.linear(a, w, bias),
                torch.nn.functional.linear(ta, to_torch(w, theirs), to_torch(bias, theirs)), ulps=2)
    img, k = cr.randn(2, 3, 9, 9, generator=g).to(ours), cr.randn(4, 3, 3, 3, generator=g).to(ours)
    timg, tk = to_torch(img, theirs), to_torch(k, theirs)
    same_values(cr.nn.functional.conv2d(img, k, padding=1), torch.nn.functional.conv2d(timg, tk, padding=1), ulps=4)
    same_values(cr.nn.functional.max_pool2d(img, 2), torch.nn.functional.max_pool2d(timg, 2))
    same_values(cr.nn.functional.avg_pool2d(img, 3), torch.nn.functional.avg_pool2d(timg, 3), ulps=2)
    same_values(cr.nn.functional.interpolate(img, scale_factor=2), torch.nn.functional.interpolate(timg, scale_factor=2))
    same_values(cr.nn.functional.layer_norm(img, (9,)), torch.nn.functional.layer_norm(timg, (9,)), ulps=4)
    same_values(cr.nn.functional.group_norm(img, 3), torch.nn.functional.group_norm(timg, 3), ulps=4)
    same_values(cr.nn.functional.batch_norm(img, None, None, training=True),
                torch.nn.functional.batch_norm(timg, None, None, training=True), ulps=4)
    logits, target = a[:, :5], cr.tensor([0, 1, 2, 3, 4] * 3 + [1, 1])
    same_values(cr.nn.functional.cross_entropy(logits, target),
                torch.nn.functional.cross_entropy(ta[:, :5], torch.tensor([0, 1, 2, 3, 4] * 3 + [1, 1])), ulps=4)
    same_values(cr.nn.functional.mse_loss(a, a * 0.5), torch.nn.functional.mse_loss(ta, ta * 0.5), ulps=2)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_gradients_are_16_bit_and_match_pytorch(ours, theirs):
    cr.manual_seed(0)
    model = cr.nn.Sequential(cr.nn.Linear(8, 16), cr.nn.Tanh(), cr.nn.Linear(16, 3)).to(ours)
    reference = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)).to(theirs)
    with torch.no_grad():
        for p, tp in zip(model.parameters(), reference.parameters()):
            tp.copy_(to_torch(p, theirs))
    x = cr.randn(5, 8).to(ours)
    loss = cr.nn.functional.cross_entropy(model(x), cr.tensor([0, 1, 2, 0, 1]))
    tloss = torch.nn.functional.cross_entropy(reference(to_torch(x, theirs)), torch.tensor([0, 1, 2, 0, 1]))
    loss.backward()
    tloss.backward()
    same_values(loss, tloss, ulps=4)
    for p, tp in zip(model.parameters(), reference.parameters()):
        assert p.grad.dtype == ours
        np.testing.assert_allclose(p.grad.float().numpy(), tp.grad.float().numpy(), atol=8 * cr.finfo(ours).eps,
                                   rtol=8 * cr.finfo(ours).eps)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_convolution_and_pooling_gradients(ours, theirs):
    g = cr.Generator().manual_seed(10)
    img, k = cr.randn(2, 3, 8, 8, generator=g).to(ours), cr.randn(4, 3, 3, 3, generator=g).to(ours)
    timg, tk = to_torch(img, theirs).requires_grad_(), to_torch(k, theirs).requires_grad_()
    img.requires_grad_(), k.requires_grad_()
    for m, (x, w) in ((cr, (img, k)), (torch, (timg, tk))):
        y = m.nn.functional.max_pool2d(m.nn.functional.conv2d(x, w, padding=1), 2)
        (y.float() * m.linspace(-1, 1, y.numel()).reshape(y.shape)).sum().backward()
    for ours_grad, theirs_grad in ((img.grad, timg.grad), (k.grad, tk.grad)):
        assert ours_grad.dtype == ours
        scale = float(theirs_grad.abs().max())
        np.testing.assert_allclose(ours_grad.float().numpy(), theirs_grad.float().numpy(),
                                   atol=8 * cr.finfo(ours).eps * scale)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_optimizers_step_16_bit_parameters(ours, theirs, optimizer):
    p = cr.nn.Parameter(cr.linspace(-1, 1, 20).to(ours))
    tp = torch.nn.Parameter(to_torch(p, theirs))
    opt = getattr(cr.optim, optimizer)([p], lr=0.01)
    topt = getattr(torch.optim, optimizer)([tp], lr=0.01, foreach=False)
    for _ in range(3):
        for param, o in ((p, opt), (tp, topt)):
            o.zero_grad()
            (param * param).sum().backward()
            o.step()
    assert p.dtype == ours
    # PyTorch rounds each step's intermediate to 16 bits; chainrule's fused step rounds the result once
    np.testing.assert_allclose(p.detach().float().numpy(), tp.detach().float().numpy(), atol=4 * cr.finfo(ours).eps)


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_factories_and_modules(ours, theirs):
    for make in [lambda m, d: m.zeros(2, 3, dtype=d), lambda m, d: m.full((3,), 0.1, dtype=d),
                 lambda m, d: m.arange(0, 3, 0.25, dtype=d), lambda m, d: m.linspace(-1, 1, 7, dtype=d),
                 lambda m, d: m.eye(3, dtype=d), lambda m, d: m.tensor([[1.1, 2.2]], dtype=d)]:
        same_values(make(cr, ours), make(torch, theirs))
    assert cr.randn(4, dtype=ours).dtype == ours and cr.rand(4, dtype=ours).dtype == ours
    assert cr.empty(3, dtype=ours).element_size() == 2
    with pytest.raises(RuntimeError, match="without overflow"):
        cr.full((2,), 1e39 if ours == cr.bfloat16 else 1e6, dtype=ours)
    model = cr.nn.Conv2d(3, 4, 3).to(ours)
    assert {p.dtype for p in model.parameters()} == {ours}
    bn = cr.nn.BatchNorm1d(4).to(ours)
    out = bn(cr.randn(8, 4).to(ours))
    assert out.dtype == ours and bn.running_mean.dtype == ours and bn.num_batches_tracked.dtype == cr.int64
    assert cr.nn.Linear(2, 2).half().weight.dtype == cr.float16
    assert cr.nn.Linear(2, 2).bfloat16().weight.dtype == cr.bfloat16
    # layer norms take float32 parameters beside a 16-bit input (mixed precision), as PyTorch's CPU
    ln = cr.nn.LayerNorm(9)
    assert ln(cr.randn(2, 9).to(ours)).dtype == ours


def test_default_dtype_may_be_16_bit():
    try:
        cr.set_default_dtype(cr.float16)
        assert cr.zeros(2).dtype == cr.float16 and cr.tensor([1.5]).dtype == cr.float16
        assert cr.arange(0.0, 2).dtype == cr.float16
    finally:
        cr.set_default_dtype(cr.float32)


def test_numpy_interop():
    a = np.arange(6, dtype=np.float16).reshape(2, 3)
    t = cr.from_numpy(a)
    assert t.dtype == cr.float16
    t[0, 0] = 7
    assert a[0, 0] == 7  # shares memory, as PyTorch's
    assert cr.tensor(a).dtype == cr.float16 and cr.as_tensor(a).dtype == cr.float16
    assert t.numpy().dtype == np.float16
    with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
        cr.ones(2, dtype=cr.bfloat16).numpy()


def test_view_as_other_dtypes_and_frombuffer():
    b = cr.tensor([1.0, -2.0, 0.5], dtype=cr.bfloat16)
    tb = torch.tensor([1.0, -2.0, 0.5], dtype=torch.bfloat16)
    np.testing.assert_array_equal(b.view(cr.int16).numpy(), tb.view(torch.int16).numpy())
    np.testing.assert_array_equal(b[:2].view(cr.int32).numpy(), tb[:2].view(torch.int32).numpy())
    np.testing.assert_array_equal(b.view(cr.uint8).numpy(), tb.view(torch.uint8).numpy())
    h = cr.tensor([1.0, 65504.0], dtype=cr.float16)
    np.testing.assert_array_equal(h.view(cr.bfloat16).float().numpy(),
                                  torch.tensor([1.0, 65504.0], dtype=torch.float16).view(torch.bfloat16).float().numpy())
    raw = tb.view(torch.int16).numpy().tobytes()
    same_values(cr.frombuffer(bytearray(raw), dtype=cr.bfloat16), tb)
    # llm.c's bfloat16 checkpoint writer: two bytes per value
    assert len(cr.ones(256).to(cr.bfloat16).view(cr.int16).numpy().tobytes()) == 512


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_checkpoints_both_ways(ours, theirs, tmp_path):
    model = cr.nn.Linear(3, 2).to(ours)
    cr.save(model.state_dict(), tmp_path / "ours.pt")
    loaded = torch.load(tmp_path / "ours.pt")
    assert loaded["weight"].dtype == theirs
    np.testing.assert_array_equal(bits(loaded["weight"]), bits(model.weight))
    reference = torch.nn.Linear(3, 2).to(theirs)
    torch.save(reference.state_dict(), tmp_path / "theirs.pt")
    back = cr.load(tmp_path / "theirs.pt")
    assert back["weight"].dtype == ours
    np.testing.assert_array_equal(bits(back["weight"]), bits(reference.weight))


def test_safetensors_holds_float16_and_refuses_bfloat16(tmp_path):
    cr.save({"h": cr.ones(3, dtype=cr.float16)}, tmp_path / "a.safetensors")
    assert cr.load(tmp_path / "a.safetensors")["h"].dtype == cr.float16
    with pytest.raises(TypeError, match="bfloat16"):
        cr.save({"b": cr.ones(3, dtype=cr.bfloat16)}, tmp_path / "b.safetensors")


def test_info_printing_and_items():
    assert repr(cr.finfo(cr.float16)) == repr(torch.finfo(torch.float16))
    assert repr(cr.finfo(cr.bfloat16)) == repr(torch.finfo(torch.bfloat16))
    for ours, theirs in DTYPES:
        x = cr.tensor([[0.1, -2.5, 1000.0], [3.14159, 1e-3, 7.0]], dtype=ours)
        tx = torch.tensor([[0.1, -2.5, 1000.0], [3.14159, 1e-3, 7.0]], dtype=theirs)
        assert repr(x).replace("chainrule", "torch") == repr(tx)
        assert x.tolist() == tx.tolist() and x[0, 0].item() == tx[0, 0].item()
        assert x.is_floating_point() and ours.is_floating_point and ours.itemsize == 2
    assert cr.HalfTensor([1, 2]).dtype == cr.float16 and cr.BFloat16Tensor(2).dtype == cr.bfloat16


def test_dropout_keeps_the_dtype():
    x = cr.ones(1000, dtype=cr.float16)
    y = cr.nn.functional.dropout(x, 0.5)
    assert y.dtype == cr.float16
    assert set(np.unique(y.float().numpy())) <= {0.0, 2.0}


def test_buffer_of_checkpoint_bytes_round_trips():
    buffer = io.BytesIO()
    t = cr.randn(10).to(cr.bfloat16)
    cr.save(t, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(bits(cr.load(buffer)), bits(t))


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_ops_computed_with_numpy_keep_the_dtype(ours, theirs):
    # NumPy has no bfloat16 and rounds float16 at every step: these ops widen to float32 on the host
    x = (cr.randn(4, 6, generator=cr.Generator().manual_seed(8)) * 2).round().to(ours)
    tx = to_torch(x, theirs)
    same_values(x.unique(), tx.unique())
    same_values(x.cumprod(1), tx.cumprod(1), ulps=2)
    same_values(x.mode(1).values, tx.mode(1).values)
    index = cr.tensor([[0, 1, 0, 1, 0, 1]] * 4)
    same_values(cr.zeros(4, 2, dtype=ours).scatter_reduce(1, index, x, "amax", include_self=False),
                torch.zeros(4, 2, dtype=theirs).scatter_reduce(1, torch.tensor([[0, 1, 0, 1, 0, 1]] * 4), tx, "amax",
                                                                include_self=False))
    same_values(x.histc(5, -3, 3), tx.histc(5, -3, 3))


@pytest.mark.parametrize("ours,theirs", DTYPES, ids=IDS)
def test_fused_products_round_once(ours, theirs):
    g = cr.Generator().manual_seed(9)
    c, a, b = (cr.randn(*s, generator=g).to(ours) for s in [(5, 4), (5, 7), (7, 4)])
    same_values(cr.addmm(c, a, b, beta=-4.775, alpha=2.0315), torch.addmm(
        to_torch(c, theirs), to_torch(a, theirs), to_torch(b, theirs), beta=-4.775, alpha=2.0315), ulps=1)
    batched = cr.baddbmm(c.expand(2, 5, 4), a.expand(2, 5, 7), b.expand(2, 7, 4), beta=0.5)
    same_values(batched, torch.baddbmm(to_torch(c, theirs).expand(2, 5, 4), to_torch(a, theirs).expand(2, 5, 7),
                                       to_torch(b, theirs).expand(2, 7, 4), beta=0.5), ulps=1)


def test_float16_models_export_to_onnx():
    ort = pytest.importorskip("onnxruntime")
    model = cr.nn.Sequential(cr.nn.Linear(4, 3), cr.nn.ReLU()).half()
    x = cr.randn(2, 4).half()
    buffer = io.BytesIO()
    cr.onnx.export(model, (x,), buffer)
    session = ort.InferenceSession(buffer.getvalue())
    out = session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]
    assert out.dtype == np.float16
    np.testing.assert_allclose(out.astype(np.float32), model(x).detach().float().numpy(), atol=2e-3)
