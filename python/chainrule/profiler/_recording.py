"""What the profiler records: named CPU time ranges, kept while at least one profiler is recording.

Ranges come from record_function (cat "user_annotation"; autograd's backward() and grad() open one
around the engine's pass), from every nn.Module call (named "nn.Module: <class>", through the global
module forward hooks) and from every optimizer step (named "Optimizer.step#<class>.step" as torch
names it, through the global optimizer step hooks). The hooks
are registered only while a profiler records, so programs that do not profile pay nothing. Each
finished range goes to every recording profiler as a RangeRecord; nesting is worked out later from the
times (see _events.py). Per-op timing inside chainrule's C++ core is not recorded.
"""
import contextlib
import threading
import time

from chainrule._C import Tensor

__all__ = ["record_function"]

_state_lock = threading.Lock()
_recording_sessions = []   # objects with .add(record) and .record_shapes
_hook_handles = []
_open_ranges = threading.local()
# perf_counter_ns + this offset = nanoseconds since the epoch, for chrome trace timestamps.
EPOCH_OFFSET_NS = time.time_ns() - time.perf_counter_ns()


class RangeRecord:
    """One finished range: name, category, start/end (perf_counter ns), thread id, input shapes."""
    __slots__ = ("name", "category", "start_ns", "end_ns", "thread", "input_shapes")

    def __init__(self, name, category, start_ns, end_ns, input_shapes):
        self.name, self.category, self.start_ns, self.end_ns = name, category, start_ns, end_ns
        self.thread, self.input_shapes = threading.get_ident(), input_shapes


def is_recording():
    return bool(_recording_sessions)


def _finish(name, category, start_ns, input_shapes=()):
    record = RangeRecord(name, category, start_ns, time.perf_counter_ns(), list(input_shapes))
    for session in list(_recording_sessions):
        session.add(record)


def _shapes_of(args):
    """torch's "Input Shapes": a tensor argument's shape as a list, [] for any other argument."""
    if not any(session.record_shapes for session in _recording_sessions):
        return ()
    return [list(arg.shape) if isinstance(arg, Tensor) else [] for arg in args]


def _stack(kind):
    """This thread's open ranges of one kind (module calls or optimizer steps): [(owner, start_ns, shapes)]."""
    stacks = _open_ranges.__dict__.setdefault("stacks", {})
    return stacks.setdefault(kind, [])


def _open(kind, owner, shapes=()):
    _stack(kind).append((owner, time.perf_counter_ns(), shapes))


def _close(kind, owner, name):
    stack = _stack(kind)
    for index in range(len(stack) - 1, -1, -1):
        if stack[index][0] is owner:
            _, start_ns, shapes = stack.pop(index)
            _finish(name, "python_function", start_ns, shapes)
            return


def _module_pre_hook(module, args):
    _open("module", module, _shapes_of(args))


def _module_hook(module, args, output):
    _close("module", module, f"nn.Module: {type(module).__name__}")


def _optimizer_pre_hook(optimizer, args, kwargs):
    _open("optimizer", optimizer)


def _optimizer_hook(optimizer, args, kwargs):
    _close("optimizer", optimizer, f"Optimizer.step#{type(optimizer).__name__}.step")


def _install_hooks():
    from chainrule.nn.modules.hooks import register_module_forward_pre_hook, register_module_forward_hook
    from chainrule.optim.optimizer import register_optimizer_step_pre_hook, register_optimizer_step_post_hook
    _hook_handles.extend([register_module_forward_pre_hook(_module_pre_hook),
                          register_module_forward_hook(_module_hook, always_call=True),
                          register_optimizer_step_pre_hook(_optimizer_pre_hook),
                          register_optimizer_step_post_hook(_optimizer_hook)])


def start_session(session):
    """Starts sending ranges to `session`; the first session registers the hooks."""
    with _state_lock:
        if not _recording_sessions:
            _install_hooks()
        _recording_sessions.append(session)


def stop_session(session):
    """Stops sending ranges to `session`; the last one removes the hooks and forgets unfinished ranges."""
    with _state_lock:
        if session in _recording_sessions:
            _recording_sessions.remove(session)
        if not _recording_sessions:
            while _hook_handles:
                _hook_handles.pop().remove()
            _open_ranges.__dict__.pop("stacks", None)


class record_function(contextlib.ContextDecorator):
    """torch.profiler.record_function(name, args=None): a named range in the profile, as a context manager
    or a decorator; it costs a flag check when nothing is profiling."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._start_ns = None

    def __enter__(self):
        self._start_ns = time.perf_counter_ns() if _recording_sessions else None
        return self

    def __exit__(self, *exc):
        if self._start_ns is not None and _recording_sessions:
            _finish(self.name, "user_annotation", self._start_ns)
        self._start_ns = None
        return False

    def _recreate_cm(self):
        # Each call of a decorated function gets its own range (recursion and threads included).
        return record_function(self.name, self.args)
