"""Child side of the fuzz suite: a persistent worker process that runs fuzz cases in one library
(chainrule or PyTorch) and sends back what each returned or raised.

A case is plain data, so that the parent, the chainrule worker and the PyTorch worker all read it the
same way: `Case(call, name, args, kwargs, then)` calls `name` (on the module, on
`module.nn.functional`, as a method of args[0], or as getitem/setitem), with `T` placeholders turned
into tensors of the worker's library and `D` placeholders into its dtypes, then applies the
`then` steps (method name, args) to the result. The worker runs under an address-space limit
(RLIMIT_AS, a little above what the imported library uses) so that a giant allocation fails at
once instead of swapping the machine; a crash (segfault, abort, SIGFPE) ends only this worker.

Protocol: the parent writes length-prefixed pickles of cases on stdin; the worker answers each
with a length-prefixed pickle of its outcome on its original stdout (fd 1 is pointed at stderr so
that nothing printed by the library can corrupt the stream).
"""
import os
import pickle
import resource
import struct
import sys
import warnings
from collections import namedtuple

import numpy as np

T = namedtuple("T", "array layout")  # a tensor: values (NumPy) and layout: contiguous/transposed/strided
D = namedtuple("D", "name")  # a dtype of the library: "float32", "int64", ...
Case = namedtuple("Case", "call name args kwargs then", defaults=((), {}, ()))
# A `then` step that ends a case with a backward pass: the result is the gradients of
# sum(out * weights) (fixed weights) with respect to every float input, as fresh leaves.
BACKWARD = ("backward with fixed weights", ())

BIG_RESULT = 2**22  # elements; a larger result is compared by shape and dtype only, never copied
# GiB of address space the worker may add to what its library uses after warm-up; 0 lifts the cap
# (for sanitizer builds, whose shadow memory does not fit such a limit).
HEADROOM_GIB = float(os.environ.get("CHAINRULE_FUZZ_HEADROOM_GIB", "1"))


def make_tensor(m, spec, leaves=None):
    """The tensor of `spec` in module m, contiguous or the same values through a strided view. With
    `leaves` (a list), a float tensor's storage is a leaf that requires grad, appended to it."""
    a = spec.array
    if spec.layout == "transposed" and a.ndim >= 2:
        base, view = np.ascontiguousarray(np.swapaxes(a, -1, -2)), lambda t: t.transpose(-1, -2)
    elif spec.layout == "strided" and a.ndim >= 1:
        base, view = np.repeat(a, 2, axis=0), lambda t: t[::2]  # every other row: the original rows
    else:
        base, view = a, lambda t: t
    differentiable = leaves is not None and a.dtype.kind == "f"
    leaf = m.tensor(base, requires_grad=differentiable)
    if differentiable:
        leaves.append(leaf)
    return view(leaf)


def materialize(m, x, leaves=None):
    """x with T and D placeholders (at any depth in lists, tuples, slices) made real in module m."""
    if isinstance(x, T):
        return make_tensor(m, x, leaves)
    if isinstance(x, D):
        return getattr(m, x.name)
    if isinstance(x, list):
        return [materialize(m, v, leaves) for v in x]
    if isinstance(x, tuple):
        return tuple(materialize(m, v, leaves) for v in x)
    if isinstance(x, slice):
        return slice(materialize(m, x.start), materialize(m, x.stop), materialize(m, x.step))
    if isinstance(x, dict):
        return {k: materialize(m, v) for k, v in x.items()}
    return x


def gradients(m, out, leaves):
    """The gradients of sum(out * weights) for each leaf (zeros where it has none)."""
    out = out[0] if isinstance(out, (tuple, list)) else out  # values of (values, indices)
    weights = np.cos(np.arange(int(np.prod(tuple(out.shape), dtype=np.int64)))).reshape(tuple(out.shape))
    (out * m.tensor(weights, dtype=out.dtype)).sum().backward()
    return tuple(leaf.grad if leaf.grad is not None else m.zeros_like(leaf) for leaf in leaves)


def call(m, case):
    """Runs the case in module m and returns what it returned (setitem: the written tensor)."""
    leaves = [] if BACKWARD in case.then else None
    args, kwargs = materialize(m, case.args, leaves), materialize(m, case.kwargs)
    if case.call == "fn":
        out = getattr(m, case.name)(*args, **kwargs)
    elif case.call == "F":
        out = getattr(m.nn.functional, case.name)(*args, **kwargs)
    elif case.call == "method":
        out = getattr(args[0], case.name)(*args[1:], **kwargs)
    elif case.call == "getitem":
        out = args[0][args[1]]
    elif case.call == "setitem":
        args[0][args[1]] = args[2]
        out = args[0]
    else:
        raise AssertionError(f"unknown call kind {case.call!r}")
    for step in case.then:
        out = gradients(m, out, leaves) if step == BACKWARD else getattr(out, step[0])(*materialize(m, step[1]))
    return out


def normalize(m, out):
    """A picklable, library-free form of a result: tensors become (dtype name, shape, values)."""
    if isinstance(out, m.Tensor):
        dtype, shape = str(out.dtype).split(".")[-1], tuple(out.shape)
        if int(np.prod(shape, dtype=object)) > BIG_RESULT:
            return ("big tensor", dtype, shape)
        return ("tensor", dtype, shape, np.array(out.detach().numpy(), copy=True))
    if type(out).__name__ == "Size":
        return ("value", tuple(int(d) for d in out))
    if isinstance(out, (tuple, list)):
        return ("seq", [normalize(m, o) for o in out])
    if isinstance(out, (bool, int, float, np.generic)) or out is None:
        return ("value", out)
    return ("other", type(out).__name__)


def outcome(m, case):
    """("value", normalized result) or ("error", exception type name, message)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ("value", normalize(m, call(m, case)))
    except Exception as e:  # noqa: BLE001 - every Python exception is an answer to report
        return ("error", type(e).__name__, str(e)[:400])


def _warm_up(m):
    """Starts the library's thread pools and allocator before the address space is capped."""
    a = m.ones(256, 256)
    (a @ a).sum()
    m.ones(1 << 20).sum()


def _limit_address_space():
    with open("/proc/self/status") as status:
        used_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize"))
    limit = used_kb * 1024 + int(HEADROOM_GIB * (1 << 30))
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_exactly(stream, n):
    data = stream.read(n)
    return data if len(data) == n else None


def serve(library):
    """The worker's loop: reads cases until stdin closes."""
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if library == "torch":
        import torch as m
        m.set_num_threads(1)
    else:
        import chainrule as m
    _warm_up(m)
    if HEADROOM_GIB > 0:
        _limit_address_space()
    requests = sys.stdin.buffer

    def send(obj):
        data = pickle.dumps(obj)
        reply.write(struct.pack("<Q", len(data)) + data)
        reply.flush()

    send("ready")
    while (header := _read_exactly(requests, 8)) is not None:
        case = pickle.loads(_read_exactly(requests, struct.unpack("<Q", header)[0]))
        send(outcome(m, case))
