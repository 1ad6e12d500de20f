"""DistributedDataParallel's gradient reducer: buckets, autograd hooks, all-reduce overlapped with backward.

The parameters, in reverse registration order (roughly the order backward reaches them), are split
into buckets of one dtype and at most bucket_cap_mb each (the first 1 MiB, as PyTorch's, so that
communication starts early). Each parameter has a post-accumulate-grad hook, PyTorch DDP's hook on
the gradient accumulation: it runs once backward has added the parameter's gradient into .grad,
and copies .grad (which holds any no_sync() sums too) into the parameter's slot of the bucket's
flat buffer. When a bucket's last slot is filled its MPI_Iallreduce starts, so communication runs
while backward computes the earlier layers. Buckets start in bucket order on every rank (MPI
collectives must be issued in the same order everywhere), so a bucket filled early waits for the
ones before it.

End of backward: chainrule's autograd has no queue_callback, and none is needed. The hook that
starts the last bucket runs after every parameter's gradient has been accumulated: it waits for
every bucket, divides by the world size and writes the averages into each .grad.

gradient_as_bucket_view=True: each .grad is made a view of its bucket slot, so the engine
accumulates the next backward's gradient straight into the bucket (no copy, no second copy of the
gradients in memory); the average is a division of the bucket in place. A .grad that was replaced
(zero_grad() sets it to None) is copied in once and pointed back at the slot.

find_unused_parameters: after forward, the graph is walked from the outputs (grad_fn.next_functions)
to the leaves its AccumulateGrad nodes write (.variable), and the parameters not among them are
marked ready, their slots filled with their .grad or zeros, when the first hook of the backward
runs, as PyTorch does, so a forward that no backward follows leaves nothing half done. A parameter
unused on every rank keeps its .grad untouched.
"""
import weakref

import numpy as np

import chainrule as cr
from chainrule._C import AccumulateGrad
from chainrule.distributed.work import wait_all

__all__ = ["Reducer"]

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    """A flat buffer holding the gradients of some parameters of one dtype, all-reduced as one message."""

    def __init__(self, indices, params):
        self.indices = indices  # positions in the reducer's parameter list
        self.flat = cr.zeros(sum(p.numel() for p in params), dtype=params[0].dtype)  # a .grad can view it
        self.buffer = self.flat.numpy()  # the same memory, as MPI takes it
        self.views, offset = [], 0  # each parameter's slot, shaped as the parameter
        for p in params:
            self.views.append(self.flat[offset:offset + p.numel()].view(p.shape))
            offset += p.numel()
        self.pending = len(indices)
        self.request = None


def assign_buckets(params, cap_bytes, first_cap_bytes=FIRST_BUCKET_BYTES):
    """Lists of parameter indices, in reverse registration order, per bucket: one dtype per bucket, a
    bucket closed once it reaches its cap (the first bucket of each dtype first_cap_bytes)."""
    open_buckets, caps, closed = {}, {}, []
    for index in reversed(range(len(params))):
        dtype = params[index].dtype
        bucket = open_buckets.setdefault(dtype, [[], 0])
        bucket[0].append(index)
        bucket[1] += params[index].numel() * params[index].element_size()
        if bucket[1] >= caps.setdefault(dtype, min(first_cap_bytes, cap_bytes)):
            closed.append(bucket[0])
            open_buckets[dtype], caps[dtype] = [[], 0], cap_bytes
    closed += [indices for indices, _ in open_buckets.values() if indices]
    return sorted(closed, key=lambda indices: -indices[0])


def _tensors_in(value):
    if isinstance(value, cr.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _reached_leaves(outputs):
    """The ids of the leaf tensors that the outputs depend on through autograd: the outputs that are
    leaves themselves, and the .variable of every AccumulateGrad node reachable from their grad_fns."""
    tensors = list(_tensors_in(outputs))
    leaves = {id(t) for t in tensors if t.grad_fn is None}
    alive, seen = [], set()  # the walked nodes' Python objects are kept, so their ids are not reused
    stack = [t.grad_fn for t in tensors if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        alive.append(node)
        if isinstance(node, AccumulateGrad):
            leaves.add(id(node.variable))
        stack.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
    return leaves


def _is_view(grad, view):
    """Whether grad is the bucket slot view (the same memory, laid out alike)."""
    return grad is not None and grad.data_ptr() == view.data_ptr() and grad.stride() == view.stride()


class Reducer:
    """Averages the gradients of params across the ranks of world during each backward (module doc)."""

    def __init__(self, world, named_params, bucket_cap_bytes, find_unused_parameters, gradient_as_bucket_view=False):
        self.world = world
        self.names = [name for name, _ in named_params]
        self.params = [p for _, p in named_params]
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.buckets = [_Bucket(indices, [self.params[i] for i in indices])
                        for indices in assign_buckets(self.params, bucket_cap_bytes)]
        self.slot_of = {}
        for bucket in self.buckets:
            for position, index in enumerate(bucket.indices):
                self.slot_of[index] = (bucket, position)
        for i, p in enumerate(self.params):
            p.register_post_accumulate_grad_hook(self._hook(i))
        self.active = False
        self.ready = [False] * len(self.params)
        self.used = np.zeros(len(self.params), np.int32)
        self.next_bucket = 0
        self.unused = []  # parameters the last forward did not reach (find_unused_parameters)

    def _hook(self, index):
        reducer = weakref.ref(self)  # no cycle through the C++ hook list: a dropped DDP leaves a no-op hook

        def on_accumulated(param):
            owner = reducer()
            if owner is not None and owner.active:
                owner._on_accumulated(index)

        return on_accumulated

    def check_previous_backward_finished(self):
        if self.active and any(self.ready):
            # Every rank started the same buckets: let them finish, so no request is left dangling.
            started = [b.request for b in self.buckets[:self.next_bucket]]
            wait_all(self.world, started, self.world.timeout_s, "DistributedDataParallel")
            self.active = False
            missing = [self.names[i] for i, ready in enumerate(self.ready) if not ready]
            raise RuntimeError("DistributedDataParallel: the previous backward did not produce gradients for every "
                               f"parameter, so its reduction never finished; parameters that got none: {missing}. "
                               "Pass find_unused_parameters=True if the forward does not use every parameter, and "
                               "make sure every output that backward goes through is part of the loss")

    def prepare_for_backward(self, outputs):
        """Called after each forward that will be followed by a synchronized backward."""
        self.check_previous_backward_finished()
        for bucket in self.buckets:
            bucket.pending, bucket.request = len(bucket.indices), None
        self.ready = [False] * len(self.params)
        self.used[:] = 0
        self.next_bucket = 0
        self.active = True
        self.unused = []
        if self.find_unused_parameters:
            reached = _reached_leaves(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    def skip_backward(self):
        """Called after a forward in no_sync() or without grad: the next backward only accumulates."""
        self.check_previous_backward_finished()
        self.active = False

    def _on_accumulated(self, index):
        if self.ready[index]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names[index]} got a gradient twice in one "
                               "backward; call the DDP module's forward before each backward (or use no_sync())")
        self.used[index] = 1
        for unused in self.unused:
            self._mark_ready(unused)
        self.unused = []
        self._mark_ready(index)

    def _mark_ready(self, index):
        """Puts this rank's share of a parameter's gradient in its slot; starts the buckets that are full,
        and finishes the reduction once all are started."""
        bucket, position = self.slot_of[index]
        self._fill_slot(index, bucket.views[position])
        self.ready[index] = True
        bucket.pending -= 1
        self._start_ready_buckets()
        if self.next_bucket == len(self.buckets):
            self._finish()

    def _fill_slot(self, index, view):
        """The slot gets .grad (or zeros without one), unless .grad is the slot already (bucket views)."""
        param = self.params[index]
        if param.grad is None:
            view.numpy()[...] = 0
        elif not _is_view(param.grad, view):
            np.copyto(view.numpy(), param.grad.detach().numpy())
        elif not self.used[index]:
            # Unused here, so possibly on every rank: such a .grad must come out of the all-reduce untouched.
            param.grad = param.grad.clone()

    def _start_ready_buckets(self):
        MPI, comm = self.world.MPI, self.world.comm
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.request = comm.Iallreduce(MPI.IN_PLACE, bucket.buffer, op=MPI.SUM)
            self.next_bucket += 1
        started = [b.request for b in self.buckets[:self.next_bucket]]
        MPI.Request.Testall(started)  # lets MPI move the messages along while backward goes on

    def _finish(self):
        world = self.world
        wait_all(world, [b.request for b in self.buckets], world.timeout_s, "DistributedDataParallel backward")
        used_anywhere = np.ones_like(self.used)
        if self.find_unused_parameters:
            world.comm.Allreduce(self.used, used_anywhere, op=world.MPI.MAX)
        for bucket in self.buckets:
            if self.gradient_as_bucket_view:
                bucket.buffer /= world.size
            for index, view in zip(bucket.indices, bucket.views):
                if used_anywhere[index]:
                    self._write_average(self.params[index], view)
        self.active = False

    def _write_average(self, param, view):
        """param.grad = the summed slot / world size (with bucket views: the slot, divided already)."""
        if self.gradient_as_bucket_view:
            if not _is_view(param.grad, view):
                param.grad = view
        elif param.grad is None:  # the average in one pass over the sum
            param.grad = cr.from_numpy(view.numpy() / self.world.size)
        else:
            np.divide(view.numpy(), self.world.size, out=param.grad.detach().numpy())
