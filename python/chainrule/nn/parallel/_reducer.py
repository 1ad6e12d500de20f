"""DistributedDataParallel's gradient reducer: buckets, autograd hooks, all-reduce overlapped with backward.

The parameters, in reverse registration order (roughly the order backward reaches them), are split
into buckets of one dtype and at most bucket_cap_mb each (the first 1 MiB, as PyTorch's, so that
communication starts early). Each parameter has a gradient hook (Tensor.register_hook, which runs on
a leaf before its gradient is added to .grad). The hook copies the parameter's new gradient, plus
the .grad it already holds from no_sync() steps, into its slot of the bucket's flat buffer; when a
bucket's last slot is filled its MPI_Iallreduce starts, so communication runs while backward
computes the earlier layers. Buckets start in bucket order on every rank (MPI collectives must be
issued in the same order everywhere), so a bucket filled early waits for the ones before it.

End of backward: chainrule's autograd has no queue_callback, but none is needed. The hook that
starts the last bucket is the last parameter hook of this backward: it waits for every bucket,
divides by the world size and writes the averages into each parameter's .grad. The engine adds that
parameter's own gradient into .grad right after its hook returns, so this one hook returns zeros in
place of it: .grad keeps the average. (The other parameters' engine additions have all happened by
then, and the average overwrites their .grad.)

find_unused_parameters: after forward, the graph is walked from the outputs (grad_fn.next_functions)
to find the parameters it does not reach; their slots are filled (with their .grad or zeros) when
the first gradient hook of the backward runs, as PyTorch does, so a forward that no backward follows
leaves nothing half done. Each parameter's leaf node (AccumulateGrad) is kept alive here, so the walk
recognises it by identity. A parameter unused on every rank keeps its .grad untouched.
"""
import weakref

import numpy as np

import chainrule as cr
from chainrule.distributed.work import wait_all

__all__ = ["Reducer"]

FIRST_BUCKET_BYTES = 1024 * 1024  # PyTorch's dist._DEFAULT_FIRST_BUCKET_BYTES


class _Bucket:
    """A flat buffer holding the gradients of some parameters of one dtype, all-reduced as one message."""

    def __init__(self, indices, params):
        arrays = [p.detach().numpy() for p in params]
        self.indices = indices  # positions in the reducer's parameter list
        self.flat = np.zeros(sum(a.size for a in arrays), arrays[0].dtype)
        self.slots, offset = [], 0
        for a in arrays:
            self.slots.append(self.flat[offset:offset + a.size].reshape(a.shape))
            offset += a.size
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


def _reached_nodes(outputs):
    """The ids of every graph node reachable from the outputs' grad_fns (the wrappers are kept alive
    while walking, so ids are not reused)."""
    alive, seen = [], set()
    stack = [t.grad_fn for t in _tensors_in(outputs) if t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        alive.append(node)
        stack.extend(nxt for nxt, _ in node.next_functions if nxt is not None)
    return seen


class Reducer:
    """Averages the gradients of params across the ranks of world during each backward (module doc)."""

    def __init__(self, world, named_params, bucket_cap_bytes, find_unused_parameters):
        self.world = world
        self.names = [name for name, _ in named_params]
        self.params = [p for _, p in named_params]
        self.find_unused_parameters = find_unused_parameters
        self.buckets = [_Bucket(indices, [self.params[i] for i in indices])
                        for indices in assign_buckets(self.params, bucket_cap_bytes)]
        self.slot_of = {}
        for bucket in self.buckets:
            for position, index in enumerate(bucket.indices):
                self.slot_of[index] = (bucket, position)
        # Each leaf's AccumulateGrad node, held so that walking a graph meets these same objects.
        with cr.enable_grad():  # a DDP built under no_grad() still needs the graph edge to each leaf
            self.accumulators = [p.expand_as(p).grad_fn.next_functions[0][0] for p in self.params]
        for i, p in enumerate(self.params):
            p.register_hook(self._hook(i))
        self.active = False
        self.ready = [False] * len(self.params)
        self.used = np.zeros(len(self.params), np.int32)
        self.next_bucket = 0
        self.unused = []  # parameters the last forward did not reach (find_unused_parameters)

    def _hook(self, index):
        reducer = weakref.ref(self)  # no cycle through the C++ hook list: a dropped DDP leaves a no-op hook

        def on_gradient(grad):
            owner = reducer()
            return None if owner is None or not owner.active else owner._on_gradient(index, grad)

        return on_gradient

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
            reached = _reached_nodes(outputs)
            output_ids = {id(t) for t in _tensors_in(outputs)}
            self.unused = [i for i, (p, node) in enumerate(zip(self.params, self.accumulators))
                           if id(node) not in reached and id(p) not in output_ids]

    def skip_backward(self):
        """Called after a forward in no_sync() or without grad: the next backward only accumulates."""
        self.check_previous_backward_finished()
        self.active = False

    def _on_gradient(self, index, grad):
        if self.ready[index]:
            raise RuntimeError(f"DistributedDataParallel: parameter {self.names[index]} got a gradient twice in one "
                               "backward; call the DDP module's forward before each backward (or use no_sync())")
        self.used[index] = 1
        for unused in self.unused:
            self._mark_ready(unused, None)
        self.unused = []
        finished = self._mark_ready(index, grad)
        # The engine adds what this returns to .grad, which holds the average now: add nothing. A
        # broadcast zero (stride 0) costs no allocation; the engine only reads it.
        return cr.zeros((), dtype=grad.dtype).expand(grad.shape) if finished else None

    def _mark_ready(self, index, grad):
        """Fills a parameter's slot; True when that made this the last one and the averages are in .grad."""
        bucket, position = self.slot_of[index]
        slot, current = bucket.slots[position], self.params[index].grad
        if grad is None:
            slot[...] = 0 if current is None else current.detach().numpy()
        elif current is None:
            np.copyto(slot, grad.detach().numpy())
        else:
            np.add(current.detach().numpy(), grad.detach().numpy(), out=slot)
        self.ready[index] = True
        bucket.pending -= 1
        self._start_ready_buckets()
        if self.next_bucket < len(self.buckets):
            return False
        self._finish()
        return True

    def _start_ready_buckets(self):
        MPI, comm = self.world.MPI, self.world.comm
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            bucket = self.buckets[self.next_bucket]
            bucket.request = comm.Iallreduce(MPI.IN_PLACE, bucket.flat, op=MPI.SUM)
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
            for index, slot in zip(bucket.indices, bucket.slots):
                if not used_anywhere[index]:
                    continue
                param = self.params[index]
                if param.grad is None:  # the average in one pass over the sum
                    param.grad = cr.from_numpy(slot / world.size)
                else:
                    np.divide(slot, world.size, out=param.grad.detach().numpy())
        self.active = False
