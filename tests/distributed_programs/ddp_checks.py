"""DistributedDataParallel on N ranks, each with batch B, against one process with batch N*B: the
same parameters after K steps, to float32 round-off (SGD with momentum and Adam; an MLP, and a CNN
with BatchNorm in eval mode whose buffers only rank 0 has right), with gradients copied out of the
buckets and as views of them (gradient_as_bucket_view), plus no_sync, find_unused_parameters,
gradient hooks, autograd.grad, the unfinished-backward error and state_dict keys. Each rank runs the one-process reference itself.
Run under mpirun by tests/test_distributed.py, through main.py."""
import copy

import numpy as np

import chainrule as cr
import chainrule.distributed as dist
import chainrule.nn as nn
from chainrule.nn.parallel import DistributedDataParallel as DDP
from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset

B, STEPS = 4, 4
RTOL, ATOL = 2e-5, 2e-6


def mlp():
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))


class BatchNormCNN(nn.Module):
    """conv-bn-relu, flatten, linear: (N, 1, 6, 6) -> (N, 3); used in eval mode (running statistics)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.head = nn.Linear(4 * 36, 3)

    def forward(self, x):
        return self.head(cr.relu(self.bn(self.conv(x))).flatten(1))


def build(kind, seed):
    cr.manual_seed(seed)
    model = mlp() if kind == "mlp" else BatchNormCNN()
    if kind == "bn":
        model.eval()
        with cr.no_grad():  # running statistics that differ per seed: only rank 0's are right
            model.bn.running_mean.copy_(cr.randn(4) * 0.3)
            model.bn.running_var.copy_(cr.rand(4) + 0.5)
    return model


def batch(kind, step, size):
    cr.manual_seed(1000 + step)
    x = cr.randn(size * B, 6) if kind == "mlp" else cr.randn(size * B, 1, 6, 6)
    return x, cr.randint(0, 3, (size * B,))


def optimizer(name, params):
    return cr.optim.SGD(params, lr=0.1, momentum=0.9) if name == "sgd" else cr.optim.Adam(params, lr=0.01)


def check_close(model, reference, what):
    for (name, got), want in zip(model.state_dict().items(), reference.state_dict().values()):
        if not np.allclose(got.numpy(), want.numpy(), rtol=RTOL, atol=ATOL):
            worst = float(np.abs(got.numpy() - want.numpy()).max())
            raise AssertionError(f"rank {dist.get_rank()}: {what}: {name} differs from one process by {worst}")


def grads_are_bucket_views(ddp):
    reducer = ddp.reducer
    return all(reducer.params[i].grad is not None and reducer.params[i].grad.data_ptr() == view.data_ptr()
               for bucket in reducer.buckets for i, view in zip(bucket.indices, bucket.views))


def check_parity(kind, opt_name, rank, size, as_view=False):
    """K steps of DDP at batch B per rank == K steps of one process at batch size*B. With as_view
    (gradient_as_bucket_view) zero_grad keeps .grad, so later backwards accumulate into the buckets."""
    reference = build(kind, 0)
    model = build(kind, rank)  # rank 0 builds the reference's weights; DDP copies them to the others
    ddp = DDP(model, bucket_cap_mb=0.0005, gradient_as_bucket_view=as_view)  # several buckets for these small models
    if kind == "bn" and rank != 0:
        with cr.no_grad():  # drifted statistics: each forward must bring back rank 0's (broadcast_buffers)
            model.bn.running_mean.add_(1.0)
    ref_opt, opt = optimizer(opt_name, reference.parameters()), optimizer(opt_name, ddp.parameters())
    loss_fn = nn.CrossEntropyLoss()
    for step in range(STEPS):
        x, y = batch(kind, step, size)
        ref_opt.zero_grad()
        loss_fn(reference(x), y).backward()
        ref_opt.step()
        mine = slice(rank * B, (rank + 1) * B)
        opt.zero_grad(set_to_none=not as_view)
        loss_fn(ddp(x[mine]), y[mine]).backward()
        opt.step()
    what = f"{kind} with {opt_name}{', gradient_as_bucket_view' if as_view else ''}"
    check_close(model, reference, f"{what}, {size} ranks x batch {B}")
    check(len(ddp.reducer.buckets) > 1, f"{kind}: several buckets")
    check(grads_are_bucket_views(ddp) == as_view, f"{what}: .grad is a view of its bucket slot")


def check_no_sync(rank, size, as_view=False):
    """Two micro-batches under no_sync (local gradients, as one process on this rank's shards would
    have) and one synchronized: then the gradient of all three full batches. With as_view, a first
    synchronized backward makes .grad the bucket views, which then accumulate in place."""
    reference, local, model = build("mlp", 0), build("mlp", 0), build("mlp", rank)
    ddp = DDP(model, gradient_as_bucket_view=as_view)
    loss_fn = nn.MSELoss()
    if as_view:
        ddp(cr.ones(2, 6)).sum().backward()
        for p in model.parameters():
            p.grad.zero_()
    for step in range(3):
        x, _ = batch("mlp", step, size)
        loss_fn(reference(x), x[:, :3]).backward()
        mine = slice(rank * B, (rank + 1) * B)
        loss_fn(local(x[mine]), x[mine, :3]).backward()
        if step < 2:
            with ddp.no_sync():
                loss_fn(ddp(x[mine]), x[mine, :3]).backward()
            for (name, p), q in zip(model.named_parameters(), local.parameters()):
                check(np.allclose(p.grad.numpy(), q.grad.numpy(), rtol=RTOL, atol=ATOL), f"in no_sync: {name}.grad")
            check(grads_are_bucket_views(ddp) == as_view, "no_sync accumulates into the bucket views")
        else:
            loss_fn(ddp(x[mine]), x[mine, :3]).backward()
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        check(np.allclose(p.grad.numpy(), q.grad.numpy(), rtol=RTOL, atol=ATOL), f"no_sync: {name}.grad")


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.body, self.used_head, self.unused_head = nn.Linear(6, 8), nn.Linear(8, 3), nn.Linear(8, 3)

    def forward(self, x, both=False):
        hidden = cr.relu(self.body(x))
        return self.used_head(hidden) + self.unused_head(hidden) if both else self.used_head(hidden)


def check_unused_parameters(rank, size, as_view=False):
    cr.manual_seed(0)
    reference = TwoHeads()
    ddp = DDP(copy.deepcopy(reference), find_unused_parameters=True, gradient_as_bucket_view=as_view)
    x, _ = batch("mlp", 0, size)
    reference(x).square().mean().backward()
    mine = slice(rank * B, (rank + 1) * B)
    ddp(x[mine]).square().mean().backward()
    check(ddp.module.unused_head.weight.grad is None, "an unused parameter keeps grad None")
    for (name, p), q in zip(ddp.module.named_parameters(), reference.parameters()):
        if q.grad is not None:
            check(np.allclose(p.grad.numpy(), q.grad.numpy(), rtol=RTOL, atol=ATOL), f"find_unused: {name}.grad")
    for step in range(2):  # a head only rank 0 uses: its share averaged with zeros (not last step's slot)
        ddp.module.zero_grad()
        ddp(x[mine], both=rank == 0).sum().backward()
    local = copy.deepcopy(reference)
    local(x[:B], both=True).sum().backward()
    want = local.unused_head.weight.grad.numpy() / size
    check(np.allclose(ddp.module.unused_head.weight.grad.numpy(), want, rtol=RTOL, atol=ATOL), "used on rank 0 only")
    if as_view:  # a .grad that is a bucket view, of a parameter no rank uses, must survive the all-reduce
        ddp(x[mine], both=True).sum().backward()
        check(grads_are_bucket_views(ddp), "every .grad a bucket view once every parameter was used")
        unused = ddp.module.unused_head.weight
        unused.grad.fill_(rank + 1.0)  # in place, so still the view; different on every rank
        ddp(x[mine]).sum().backward()
        check(np.all(unused.grad.numpy() == rank + 1.0), f"unused everywhere keeps its .grad: {unused.grad}")


def check_unfinished_reduction_fails_the_next_forward(rank, size):
    x, _ = batch("mlp", 0, size)
    mine = slice(rank * B, (rank + 1) * B)
    strict = DDP(TwoHeads())
    strict(x[mine]).sum().backward()
    try:
        strict(x[mine])
        check(False, "an unfinished reduction must fail the next forward")
    except RuntimeError as error:
        check("unused_head.weight" in str(error) and "find_unused_parameters" in str(error), f"message: {error}")


def check_state_dict_and_module(rank):
    model = build("mlp", rank)
    with cr.no_grad():  # built where gradients are off, it still reduces them later
        ddp = DDP(model)
    ddp(cr.ones(2, 6)).sum().backward()
    check(not ddp.reducer.active, "the reduction finished in backward")
    check(ddp.module is model, ".module is the wrapped model")
    check(all(key.startswith("module.") for key in ddp.state_dict()), "state_dict keys start with module.")
    check(list(ddp.state_dict())[0] == "module.0.weight", "state_dict key names")


def check_hooks_and_autograd_grad(rank, size):
    """A gradient hook registered after wrapping changes the gradient before it is averaged; autograd.grad
    through a DDP forward runs no DDP hook (it accumulates nothing): this rank's gradients, .grad untouched."""
    reference, model = build("mlp", 0), build("mlp", rank)
    ddp = DDP(model)
    model[0].weight.register_hook(lambda grad: grad * 2)
    x, _ = batch("mlp", 0, size)
    mine = slice(rank * B, (rank + 1) * B)
    reference(x).square().mean().backward()
    ddp(x[mine]).square().mean().backward()
    want = reference[0].weight.grad.numpy() * 2
    check(np.allclose(model[0].weight.grad.numpy(), want, rtol=RTOL, atol=ATOL), "a hook's doubling is averaged")
    local = build("mlp", 0)
    (want_bias,) = cr.autograd.grad(local(x[mine]).sum(), [local[4].bias])
    (got_bias,) = cr.autograd.grad(ddp(x[mine]).sum(), [model[4].bias])
    check(np.allclose(got_bias.numpy(), want_bias.numpy(), rtol=RTOL, atol=ATOL), "autograd.grad: this rank's")
    check(np.allclose(model[4].bias.grad.numpy(), reference[4].bias.grad.numpy(), rtol=RTOL, atol=ATOL),
          "autograd.grad leaves .grad as it was")
    ddp(x[mine]).sum().backward()  # and the next forward and backward reduce as usual


def check_checkpoint(rank, folder):
    """save_checkpoint writes rank 0's weights once; load_checkpoint gives them to every rank."""
    path = f"{folder}/ddp.pt"
    ddp = DDP(build("mlp", rank))
    dist.save_checkpoint({"model": ddp.state_dict(), "epoch": 3}, path)
    fresh = DDP(build("mlp", 7), init_sync=False)
    state = dist.load_checkpoint(path)
    fresh.load_state_dict(state["model"])
    check(state["epoch"] == 3, "checkpoint epoch")
    check_close(fresh, ddp, "a model resumed from the checkpoint")
    try:
        dist.load_checkpoint(f"{folder}/missing.pt")
        check(False, "a missing checkpoint must raise")
    except FileNotFoundError:
        pass
    try:
        dist.save_checkpoint({"epoch": 1}, f"{folder}/no/such/folder/ddp.pt")
        check(False, "a save that fails on rank 0 must raise on every rank")
    except RuntimeError as error:
        check("rank 0 could not save" in str(error), f"message: {error}")


def check_sampler_with_worker_processes(rank, size):
    """DistributedSampler shares feed DataLoader worker processes, forked after MPI started (multiprocessing
    ends them with os._exit, so they run neither MPI_Finalize nor the ranks' exit barrier); together the
    ranks see every sample."""
    data = TensorDataset(cr.arange(40.).reshape(20, 2), cr.arange(20))
    loader = DataLoader(data, batch_size=4, sampler=DistributedSampler(data, shuffle=False), num_workers=2)
    seen = cr.zeros(20, dtype=cr.int64)
    for _, labels in loader:
        seen[labels] += 1
    dist.all_reduce(seen)
    check(seen.min().item() >= 1, f"every sample seen: {seen.tolist()}")


def check(condition, what):
    if not condition:
        raise AssertionError(f"rank {dist.get_rank()}: {what}")


def run_all(folder):
    rank, size = dist.get_rank(), dist.get_world_size()
    for kind in ("mlp", "bn"):
        for opt_name in ("sgd", "adam"):
            check_parity(kind, opt_name, rank, size)
    check_parity("mlp", "sgd", rank, size, as_view=True)
    check_parity("bn", "adam", rank, size, as_view=True)
    for as_view in (False, True):
        check_no_sync(rank, size, as_view)
        check_unused_parameters(rank, size, as_view)
    check_unfinished_reduction_fails_the_next_forward(rank, size)
    check_hooks_and_autograd_grad(rank, size)
    check_state_dict_and_module(rank)
    check_checkpoint(rank, folder)
    check_sampler_with_worker_processes(rank, size)
    return "ddp"
