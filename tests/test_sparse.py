"""Sparse COO tensors (chainrule.sparse) against PyTorch: construction, coalescing, conversion, printing,
sparse x dense products with their gradients (to the dense operand and to the values), arithmetic,
errors, saving, and the graph-network programs that use them (a pygcn-style GCN trained under both)."""
import io
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, gradcheck
from conftest import assert_close, assert_same_error, requires_torch, torch
from cuda_support import check_on_gpu, requires_gpu

pytestmark = [requires_torch, pytest.mark.filterwarnings("ignore:Sparse invariant checks")]

INDICES = [[0, 1, 1, 0, 2], [2, 0, 2, 2, 1]]  # (0, 2) twice: an uncoalesced tensor
VALUES = [3.0, 4.0, 5.0, 6.0, -1.0]
SIZE = (3, 4)


def both(indices=INDICES, values=VALUES, size=SIZE, **kwargs):
    return (cr.sparse_coo_tensor(indices, values, size, **kwargs),
            torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), size, **kwargs))


def assert_sparse_matches(ours, theirs):
    """Same layout, shape, nnz, coalesced flag, stored indices and values."""
    assert isinstance(ours, cr.sparse.SparseTensor) and theirs.is_sparse
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours._nnz() == theirs._nnz() and ours.is_coalesced() == theirs.is_coalesced()
    assert_close(ours._indices(), theirs._indices().numpy())
    assert_close(ours._values().detach(), theirs._values().detach().numpy())


def repr_as_torch(s):
    return repr(s).replace("chainrule.", "torch.")


# ------------------------------------------------------------------------------------ construction

def test_construction_matches_torch():
    ours, theirs = both()
    assert_sparse_matches(ours, theirs)
    assert ours.layout is cr.sparse_coo and str(ours.layout) == str(theirs.layout) == "torch.sparse_coo"
    assert ours.is_sparse and not cr.ones(1).is_sparse and cr.ones(1).layout is cr.strided
    facts = (ours.dim(), ours.sparse_dim(), ours.dense_dim(), ours.dtype, ours.device.type)
    assert facts == (2, 2, 0, cr.float32, "cpu")
    assert ours.size() == cr.Size(SIZE) and ours.size(-1) == 4 and len(ours) == 3
    assert_close(ours.to_dense(), theirs.to_dense().numpy())


def test_construction_from_numpy_infers_size_and_casts_dtype():
    edges = np.array([[0, 2], [1, 0], [3, 1]], dtype=np.int32)  # pytorch/examples gcn: edges.T, int32
    ours = cr.sparse_coo_tensor(edges.T, cr.ones(3), dtype=cr.int64)
    theirs = torch.sparse_coo_tensor(edges.T, torch.ones(3), dtype=torch.int64)
    assert_sparse_matches(ours, theirs)
    assert ours.dtype == cr.int64 and tuple(ours.shape) == (4, 3)
    assert (cr.eye(4, 3) + ours).dtype == cr.float32  # dense + sparse promotes as dense + dense
    assert_close(cr.eye(4, 3) + ours, (torch.eye(4, 3) + theirs).numpy())


def test_empty_and_hybrid_tensors():
    assert_sparse_matches(cr.sparse_coo_tensor(size=(2, 3)), torch.sparse_coo_tensor(size=(2, 3)))
    dense = np.zeros((3, 2, 2), dtype=np.float32)
    dense[1, 0, 1] = 5.0
    ours, theirs = cr.tensor(dense).to_sparse(1), torch.tensor(dense).to_sparse(1)
    assert_sparse_matches(ours, theirs)
    assert (ours.sparse_dim(), ours.dense_dim()) == (1, 2)
    assert_close(ours.to_dense(), dense)
    assert repr_as_torch(cr.zeros(2, 3, 2).to_sparse(1)) == repr(torch.zeros(2, 3, 2).to_sparse(1))


def test_coalesce_sums_duplicates_and_sorts():
    ours, theirs = both()
    assert_sparse_matches(ours.coalesce(), theirs.coalesce())
    coalesced = ours.coalesce()
    assert coalesced.is_coalesced() and coalesced.coalesce() is coalesced
    assert_close(ours.coalesce().indices(), theirs.coalesce().indices().numpy())
    assert_close(ours.coalesce().values(), theirs.coalesce().values().numpy())
    assert cr.sparse_coo_tensor(INDICES, VALUES, SIZE, is_coalesced=True).is_coalesced()


def test_indices_and_values_of_an_uncoalesced_tensor_raise():
    ours, theirs = both()
    assert_same_error(ours.indices, theirs.indices)
    assert_same_error(ours.values, theirs.values)


def test_dense_to_sparse_is_coalesced_and_differentiable():
    dense = np.array([[0.0, 2.0, 0.0], [1.5, 0.0, -3.0]], dtype=np.float32)
    x, tx = cr.tensor(dense, requires_grad=True), torch.tensor(dense, requires_grad=True)
    ours, theirs = x.to_sparse(), tx.to_sparse()
    assert_sparse_matches(ours, theirs)
    assert x.to_sparse_coo().is_coalesced() and x.to_dense() is x
    (ours.to_dense() * cr.arange(6.0).view(2, 3)).sum().backward()
    (theirs.to_dense() * torch.arange(6.0).view(2, 3)).sum().backward()
    assert_close(x.grad, tx.grad.numpy())


def test_repr_matches_torch():
    ours, theirs = both()
    assert repr_as_torch(ours) == repr(theirs)
    assert repr_as_torch(ours.t()) == repr(theirs.t())
    assert repr_as_torch(cr.sparse_coo_tensor(size=(2, 3))) == repr(torch.sparse_coo_tensor(size=(2, 3)))
    ours = cr.sparse_coo_tensor(INDICES, VALUES, SIZE, dtype=cr.float64).coalesce().requires_grad_()
    theirs = torch.sparse_coo_tensor(INDICES, VALUES, SIZE, dtype=torch.float64).coalesce().requires_grad_()
    assert repr_as_torch(ours) == repr(theirs)


def test_to_detach_transpose_and_flags():
    ours, theirs = both()
    assert ours.cpu() is ours and ours.to("cpu") is ours and ours.to(cr.float32) is ours
    assert_sparse_matches(ours.to(cr.float64), theirs.to(torch.float64))
    assert ours.double().dtype == cr.float64 and ours.to(cr.zeros(1, dtype=cr.float64)).dtype == cr.float64
    assert_sparse_matches(ours.t(), theirs.t())
    assert_sparse_matches(ours.transpose(1, 0), theirs.transpose(1, 0))
    leaf = cr.sparse_coo_tensor(INDICES, VALUES, SIZE, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and not leaf.detach().requires_grad


def test_legacy_constructor_warns():
    indices, values = torch.tensor(INDICES), torch.tensor(VALUES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = cr.sparse.FloatTensor(cr.tensor(INDICES), cr.tensor(VALUES), cr.Size(SIZE))
        theirs = torch.sparse.FloatTensor(indices, values, torch.Size(SIZE))
    assert_sparse_matches(ours, theirs)
    messages = [str(w.message) for w in caught if "deprecated" in str(w.message)]
    assert len(messages) == 2 and messages[1].startswith(messages[0][:60])


# ------------------------------------------------------------------------------------ products

@pytest.mark.parametrize("op", ["sparse.mm", "mm", "spmm", "matmul", "@"])
def test_sparse_times_dense_and_its_gradients(op):
    rng = np.random.default_rng(0)
    dense = rng.standard_normal((4, 2)).astype(np.float32)
    grad = rng.standard_normal((3, 2)).astype(np.float32)
    results = []
    for lib in (cr, torch):
        values = lib.tensor(VALUES, requires_grad=True)
        d = lib.tensor(dense, requires_grad=True)
        s = lib.sparse_coo_tensor(lib.tensor(INDICES), values, SIZE)
        product = {"sparse.mm": lambda: lib.sparse.mm(s, d), "mm": lambda: lib.mm(s, d),
                   "spmm": lambda: lib.spmm(s, d), "matmul": lambda: lib.matmul(s, d), "@": lambda: s @ d}[op]()
        product.backward(lib.tensor(grad))
        results.append([product.detach().numpy(), values.grad.numpy(), d.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def test_dense_times_sparse_and_sparse_times_vector():
    (ours, theirs), rng = both(), np.random.default_rng(1)
    left, vector = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    assert_close(cr.tensor(left) @ ours, (torch.tensor(left) @ theirs).numpy(), rtol=1e-5, atol=1e-5)
    assert_close(cr.mm(cr.tensor(left), ours), torch.mm(torch.tensor(left), theirs).numpy(), rtol=1e-5, atol=1e-5)
    assert_close(cr.matmul(ours, cr.tensor(vector)), torch.matmul(theirs, torch.tensor(vector)).numpy(),
                 rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("coalesced", [True, False])
def test_gradient_of_a_sparse_leaf_is_sparse_with_its_pattern(coalesced):
    rng = np.random.default_rng(2)
    dense = rng.standard_normal((4, 2)).astype(np.float32)
    ours = cr.sparse_coo_tensor(INDICES, VALUES, SIZE)
    theirs = torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES), SIZE)
    ours, theirs = (ours.coalesce(), theirs.coalesce()) if coalesced else (ours, theirs)
    ours.requires_grad_(), theirs.requires_grad_()
    cr.sparse.mm(ours, cr.tensor(dense)).sum().backward()
    torch.sparse.mm(theirs, torch.tensor(dense)).sum().backward()
    assert_sparse_matches(ours.grad.coalesce(), theirs.grad.coalesce())
    ours.grad = None
    assert ours.grad is None


def test_gradcheck_of_sparse_mm_in_values_and_dense():
    indices = cr.tensor(INDICES)
    values = cr.tensor(VALUES, dtype=cr.float64, requires_grad=True)
    dense = cr.randn(4, 3, dtype=cr.float64, requires_grad=True)
    assert gradcheck(lambda v, d: cr.sparse.mm(cr.sparse_coo_tensor(indices, v, SIZE), d), (values, dense))
    assert gradcheck(lambda v, d: d.t() @ cr.sparse_coo_tensor(indices, v, SIZE).coalesce().to_dense(),
                     (values, dense[:3].detach().requires_grad_()))


def test_product_errors_match_torch():
    ours, theirs = both()
    assert_same_error(lambda: cr.sparse.mm(ours, cr.ones(3, 2)), lambda: torch.sparse.mm(theirs, torch.ones(3, 2)))
    assert_same_error(lambda: cr.mm(ours, cr.ones(4)), lambda: torch.mm(theirs, torch.ones(4)))
    assert_same_error(lambda: cr.spmm(ours, cr.ones(4, 2, dtype=cr.float64)),
                      lambda: torch.spmm(theirs, torch.ones(4, 2, dtype=torch.float64)))
    with pytest.raises(RuntimeError):
        cr.ones(2, 2) @ ours
    with pytest.raises(TypeError):
        cr.relu(ours)  # dense ops reject a sparse tensor instead of computing on the wrong data


@requires_gpu
def test_sparse_products_on_the_gpu():
    def sparse_ops(lib, values, dense):
        s = lib.sparse_coo_tensor(lib.tensor(INDICES, device=values.device), values, SIZE)
        return lib.sparse.mm(s, dense) + s.coalesce().to_dense().sum() + dense.to_sparse().to_dense()[:3]

    check_on_gpu(sparse_ops, [(5,), (4, 2)])


# ------------------------------------------------------------------------------------ arithmetic

def test_arithmetic_matches_torch():
    (ours, theirs), dense = both(), np.arange(12, dtype=np.float32).reshape(3, 4)
    d, td = cr.tensor(dense), torch.tensor(dense)
    pairs = [(ours * 2, theirs * 2), (2 * ours, 2 * theirs), (ours / 4, theirs / 4), (-ours, -theirs),
             (ours * d, theirs * td), (d * ours, td * theirs), (ours + ours, theirs + theirs),
             (ours - ours.coalesce(), theirs - theirs.coalesce()),
             (cr.sparse.sum(ours, 1), torch.sparse.sum(theirs, 1)),
             (ours.coalesce() + ours.coalesce(), theirs.coalesce() + theirs.coalesce())]
    for got, want in pairs:
        assert isinstance(got, cr.sparse.SparseTensor) and want.is_sparse
        assert_close(got.to_dense(), want.to_dense().numpy())
    assert (ours.coalesce() + ours.coalesce()).is_coalesced()
    assert_close(d + ours, (td + theirs).numpy())
    assert_close(d - ours, (td - theirs).numpy())
    assert_close(cr.sparse.sum(ours), torch.sparse.sum(theirs).numpy())
    assert_close(ours.sum(), theirs.sum().numpy())
    assert_same_error(lambda: ours + d, lambda: theirs + td)
    assert_same_error(lambda: cr.ones(3, 3) + ours, lambda: torch.ones(3, 3) + theirs)
    other = both(size=(3, 5))
    assert_same_error(lambda: ours + other[0], lambda: theirs + other[1])


# ------------------------------------------------------------------------------------ construction errors

def test_construction_errors_match_torch():
    indices, values = torch.tensor(INDICES), torch.tensor(VALUES)
    assert_same_error(lambda: cr.sparse_coo_tensor(INDICES, VALUES[:3], SIZE),
                      lambda: torch.sparse_coo_tensor(indices, values[:3], SIZE))
    assert_same_error(lambda: cr.sparse_coo_tensor(INDICES, VALUES, (3, 4, 2)),
                      lambda: torch.sparse_coo_tensor(indices, values, (3, 4, 2)))
    for bad in ([[0, -1, 0, 0, 0], [0, 0, 0, 0, 0]], [[0, 0, 0, 0, 0], [0, 0, 9, 0, 0]]):
        assert_same_error(lambda: cr.sparse_coo_tensor(bad, VALUES, SIZE, check_invariants=True),
                          lambda: torch.sparse_coo_tensor(torch.tensor(bad), values, SIZE, check_invariants=True))


# ------------------------------------------------------------------------------------ saving

def _saved(save, obj):
    buffer = io.BytesIO()
    save(obj, buffer)
    return io.BytesIO(buffer.getvalue())


def test_save_and_load_in_torch_format_both_ways():
    ours, theirs = both()
    assert_sparse_matches(cr.load(_saved(cr.save, {"adj": ours}))["adj"], theirs)
    assert_sparse_matches(cr.load(_saved(torch.save, {"adj": theirs.coalesce()}))["adj"], theirs.coalesce())
    from_ours = torch.load(_saved(cr.save, [ours.coalesce(), cr.ones(2)]))  # torch reads chainrule's file
    assert from_ours[0].is_sparse and from_ours[0].is_coalesced()
    assert_close(from_ours[0].to_dense().numpy(), theirs.to_dense().numpy())


def test_copies_and_what_a_sparse_tensor_is_not():
    import copy
    import pickle
    ours, theirs = both()
    assert_sparse_matches(copy.deepcopy(ours), theirs)
    assert_sparse_matches(pickle.loads(pickle.dumps(ours)), theirs)
    # Not a chainrule.Tensor (docs/sparse.md): modules keep it as a plain attribute, not a buffer.
    assert not isinstance(ours, cr.Tensor) and not cr.is_tensor(ours)
    module = cr.nn.Module()
    with pytest.raises(TypeError, match="buffer"):
        module.register_buffer("adj", ours)
    with pytest.raises(AttributeError, match="docs/sparse.md"):
        ours.crow_indices()
    assert_close(cr.sparse.addmm(cr.ones(3, 2), ours, cr.ones(4, 2), alpha=2.0),
                 torch.sparse.addmm(torch.ones(3, 2), theirs, torch.ones(4, 2), alpha=2.0).numpy())


# ------------------------------------------------------------------------------------ programs

class SpecialSpmmFunction:
    """pyGAT's sparse attention product (layers.py): builds a sparse tensor inside an autograd.Function
    and saves it for backward, reading a._indices() and a.t() there."""

    @staticmethod
    def forward(ctx, indices, values, shape, b):
        a = ctx.lib.sparse_coo_tensor(indices, values, shape)
        ctx.save_for_backward(a, b)
        ctx.N = shape[0]
        return ctx.lib.matmul(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a_dense = grad_output.matmul(b.t())
        edge_idx = a._indices()[0, :] * ctx.N + a._indices()[1, :]
        grad_values = grad_a_dense.view(-1)[edge_idx]
        grad_b = a.t().matmul(grad_output)
        return None, grad_values, None, grad_b


def _special_spmm(lib):
    base = Function if lib is cr else torch.autograd.Function

    def forward(ctx, *args):
        ctx.lib = lib
        return SpecialSpmmFunction.forward(ctx, *args)

    return type("SpecialSpmmFunction", (base,), {"forward": staticmethod(forward),
                                                 "backward": staticmethod(SpecialSpmmFunction.backward)})


def test_pygat_sparse_function_matches_torch():
    rng = np.random.default_rng(3)
    edge_values, b = rng.random(5).astype(np.float32), rng.standard_normal((4, 2)).astype(np.float32)
    results = []
    for lib in (cr, torch):
        values, dense = lib.tensor(edge_values, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = _special_spmm(lib).apply(lib.tensor([[0, 1, 2, 3, 3], [1, 0, 3, 2, 3]]), values, lib.Size([4, 4]), dense)
        (out * out).sum().backward()
        results.append([out.detach().numpy(), values.grad.numpy(), dense.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)


def _graph(nodes=12, features=6, classes=3, seed=0):
    """A small random undirected graph with self loops: (edges (2, E) int32, features, labels)."""
    rng = np.random.default_rng(seed)
    edges = np.array([(i, j) for i in range(nodes) for j in range(nodes) if i < j and rng.random() < 0.3]).T
    edges = np.concatenate([edges, edges[::-1]], axis=1).astype(np.int32)
    x = (rng.random((nodes, features)) < 0.4).astype(np.float32)
    return edges, x, rng.integers(0, classes, nodes)


def _train_gcn(lib, edges, x, labels, weights, steps=5):
    """pygcn / pytorch-examples GCN: normalized adjacency built with sparse ops, two graph convolutions
    (torch.mm with sparse features, torch.spmm with the adjacency), Adam; the loss of every step."""
    nn, F = lib.nn, lib.nn.functional
    nodes = x.shape[0]
    adj = lib.sparse_coo_tensor(edges, lib.ones(edges.shape[1]), (nodes, nodes), dtype=lib.int64)
    adj = lib.eye(nodes) + adj
    degree = lib.diag(lib.sqrt(1 / lib.sum(adj, dim=1))).to_sparse()
    adj = (degree @ adj @ degree).to_sparse().to("cpu")
    features = lib.tensor(x).to_sparse()

    class GraphConvolution(nn.Module):
        def __init__(self, weight, bias):
            super().__init__()
            self.weight, self.bias = nn.Parameter(lib.tensor(weight)), nn.Parameter(lib.tensor(bias))

        def forward(self, input, adj):
            support = lib.mm(input, self.weight)
            return lib.spmm(adj, support) + self.bias

    gc1, gc2 = GraphConvolution(*weights[:2]), GraphConvolution(*weights[2:])
    model = nn.ModuleList([gc1, gc2])
    optimizer = lib.optim.Adam(model.parameters(), lr=0.05, weight_decay=5e-4)
    target, losses = lib.tensor(labels), []
    for _ in range(steps):
        optimizer.zero_grad()
        output = F.log_softmax(gc2(F.relu(gc1(features, adj)), adj), dim=1)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_gcn_trains_as_in_torch():
    edges, x, labels = _graph()
    torch.manual_seed(0)
    weights = [torch.randn(6, 8).numpy(), torch.zeros(8).numpy(), torch.randn(8, 3).numpy(), torch.zeros(3).numpy()]
    ours = _train_gcn(cr, edges, x, labels, weights)
    theirs = _train_gcn(torch, edges, x, labels, weights)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5)
    assert theirs[-1] < theirs[0]
