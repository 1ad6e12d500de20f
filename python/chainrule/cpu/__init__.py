"""chainrule.cpu (torch.cpu): the CPU as a device module, for device-agnostic code such as
`getattr(torch, device.type).synchronize()`, and the deprecated `torch.cpu.amp` spellings.

The CPU runs every op to completion before returning, so synchronize() has nothing to wait for, and
there is one stream, one device and events that are always complete, as in PyTorch.
"""
from contextlib import AbstractContextManager

from chainrule.cpu import amp  # noqa: F401

__all__ = ["Event", "Stream", "StreamContext", "current_device", "current_stream", "device_count", "is_available",
           "is_initialized", "set_device", "stream", "synchronize"]


def is_available():
    return True


def is_initialized():
    return True


def device_count():
    return 1


def current_device():
    return "cpu"


def set_device(device):
    """Ignored: there is one CPU device."""


def synchronize(device=None):
    """Returns at once: every CPU op has finished when it returns."""


class Stream:
    """The CPU's one stream; waiting on it or recording on it does nothing."""

    def __init__(self, priority=-1):
        self.priority = priority

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    """An event that is always complete."""

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_stream = Stream()
_current = _default_stream


def current_stream(device=None):
    return _current


class StreamContext(AbstractContextManager):
    """Selects a stream for a with-block (it changes only what current_stream() returns)."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_stream

    def __enter__(self):
        global _current
        if self.stream is not None:
            self.prev_stream, _current = _current, self.stream

    def __exit__(self, *exc):
        global _current
        if self.stream is not None:
            _current = self.prev_stream


def stream(stream):
    return StreamContext(stream)
