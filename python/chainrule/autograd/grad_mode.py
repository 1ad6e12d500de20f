"""Grad-mode switches (no_grad, enable_grad, set_grad_enabled, inference_mode), usable as context
managers and as function decorators (like PyTorch's)."""
import functools

from chainrule import _C


class _GradModeContext:
    """Sets grad mode to `self.mode` inside a `with` block or a decorated function."""

    mode = True

    def __enter__(self):
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(self.mode)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradModeContext):
    """Ops inside record no graph: for evaluation, and for updating parameters in place."""

    mode = False


class enable_grad(_GradModeContext):
    """Turns recording back on inside a no_grad() block."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """set_grad_enabled(False) works like no_grad(); as a plain call it switches mode for good."""

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _C.is_grad_enabled()
        _C._set_grad_enabled(self.mode)

    def __enter__(self):
        pass

    def __call__(self, fn):
        _C._set_grad_enabled(self._previous)
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper


_inference_mode = [False]  # whether an inference_mode(True) block is active


def is_inference_mode_enabled():
    return _inference_mode[0]


class inference_mode(_GradModeContext):
    """inference_mode(): like no_grad() (chainrule has no faster inference-only tensors, so results
    are the same); is_inference_mode_enabled() reports it. inference_mode(False) leaves grad mode
    as it is. Also a decorator, with or without parentheses (`@inference_mode`)."""

    def __new__(cls, mode=True):
        if callable(mode) and not isinstance(mode, bool):  # @inference_mode on a function
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def __enter__(self):
        self._previous = (_C.is_grad_enabled(), _inference_mode[0])
        _inference_mode[0] = self.mode
        if self.mode:
            _C._set_grad_enabled(False)

    def __exit__(self, *exc):
        _C._set_grad_enabled(self._previous[0])
        _inference_mode[0] = self._previous[1]
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)
        return wrapper

    def clone(self):
        return inference_mode(self.mode)
