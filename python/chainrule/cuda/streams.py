"""chainrule.cuda's streams and events, as PyTorch spells them.

chainrule queues every kernel and copy of a GPU on one stream, in program order. A Stream object
stands for that stream: `torch.cuda.Stream()`, `with torch.cuda.stream(s):`, `wait_stream` and
`wait_event` are accepted and keep their meaning (work runs after what it waits for) because
everything already runs in order; what side streams would add in PyTorch, overlap, does not happen.
Tensor.record_stream is accepted likewise.
Events are real CUDA events on that stream, so the usual timing code works:

    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record(); model(x); end.record(); torch.cuda.synchronize()
    print(start.elapsed_time(end))  # milliseconds

Without a usable GPU, making a Stream or an Event raises the core's RuntimeError, as PyTorch's do
on a machine without CUDA.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule.cuda.devices import _available

__all__ = ["Event", "Stream", "StreamContext", "current_stream", "default_stream", "stream"]


class Event:
    """A CUDA event: record() marks the work queued so far, query()/synchronize() ask or wait for it,
    elapsed_time(end) gives the milliseconds between two events made with enable_timing=True."""

    def __init__(self, enable_timing=False, blocking=False, interprocess=False):
        if interprocess:
            raise NotImplementedError("chainrule.cuda.Event: interprocess events (IPC handles) are not supported")
        _C._check_device_available(_C.device("cuda"), "chainrule.cuda.Event")
        self.enable_timing, self.blocking = bool(enable_timing), bool(blocking)
        self._event, self.device = None, None

    def _made(self, device):
        if self._event is None:  # made at the first record, on that stream's device, as PyTorch's
            self.device = _available(device, "Event")
            self._event = _C._CudaEvent(self.device, self.enable_timing, self.blocking)
        return self._event

    def record(self, stream=None):
        """Marks the point after everything queued so far on the device's stream."""
        self._made(None if stream is None else stream.device).record()

    def wait(self, stream=None):
        """Makes later work wait for this event: on chainrule's one stream, it already does."""
        self._made(None if stream is None else stream.device)

    def query(self):
        """Whether the work before the event has finished (True for an event never recorded)."""
        return True if self._event is None else self._event.query()

    def synchronize(self):
        """Waits until the work before the event has finished."""
        if self._event is not None:
            self._event.synchronize()

    def elapsed_time(self, end_event):
        """Milliseconds from this event to end_event, both recorded, with enable_timing=True."""
        if not (self.enable_timing and end_event.enable_timing):
            raise RuntimeError("chainrule.cuda.Event.elapsed_time: both events must be created with "
                               "enable_timing=True")
        if self._event is None or end_event._event is None:
            raise RuntimeError("chainrule.cuda.Event.elapsed_time: both events must be recorded first")
        return self._event.elapsed_time(end_event._event)

    def __repr__(self):
        return f"<chainrule.cuda.Event {'timing' if self.enable_timing else 'untimed'} on {self.device}>"


class Stream:
    """The stream every chainrule kernel and copy of a device runs on (see the module's note)."""

    def __init__(self, device=None, priority=0, **kwargs):
        self.device = _available(device, "Stream")
        self.priority = priority

    def query(self):
        """Whether all work queued on the device has finished."""
        event = Event()
        event.record(self)
        return event.query()

    def synchronize(self):
        """Waits until all work queued on the device has finished."""
        _C._cuda_synchronize(self.device)

    def wait_event(self, event):
        """Later work on this stream waits for event: already so, on chainrule's one stream."""

    def wait_stream(self, stream):
        """Later work on this stream waits for the other's queued work: already so."""

    def record_event(self, event=None):
        """Records event (a new one if None) on this stream and returns it."""
        event = Event() if event is None else event
        event.record(self)
        return event

    def __eq__(self, other):
        return isinstance(other, Stream) and other.device == self.device

    def __hash__(self):
        return hash(("chainrule.cuda.Stream", str(self.device)))

    def __repr__(self):
        return f"<chainrule.cuda.Stream device={self.device}>"


def current_stream(device=None):
    """The stream work on `device` (default: the current GPU) is queued on."""
    return Stream(device)


def default_stream(device=None):
    """The device's default stream: chainrule's one stream."""
    return Stream(device)


class StreamContext:
    """`with chainrule.cuda.stream(s):` queues the block's work on s: on chainrule's one stream, as
    everything is. A None stream is accepted and does nothing, as in PyTorch."""

    def __init__(self, stream):
        if stream is not None and not isinstance(stream, Stream):
            raise TypeError(f"chainrule.cuda.stream: expected a chainrule.cuda.Stream or None, got "
                            f"{type(stream).__name__}")
        self.stream = stream

    def __enter__(self):
        return self.stream

    def __exit__(self, *exc):
        return False


def stream(stream):
    return StreamContext(stream)


def record_stream(self, stream):
    """Tensor.record_stream: marks the tensor as used by work on `stream`, so that its memory is not
    reused before that work is done. On chainrule's one stream memory is reused in queue order
    already: nothing to record."""
    if not isinstance(stream, Stream):
        raise TypeError(f"record_stream(): argument 'stream' must be a chainrule.cuda.Stream, not "
                        f"{type(stream).__name__}")
    if self.device != stream.device:
        raise RuntimeError(f"record_stream: the tensor is on {self.device}, the stream on {stream.device}")


Tensor.record_stream = record_stream
