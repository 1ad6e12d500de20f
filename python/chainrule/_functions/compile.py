"""chainrule.compile: torch.compile's signature, returning the model or function unchanged.

chainrule has no graph compiler: its ops already run as bound C++ calls. A program that calls
torch.compile(model) therefore runs the model as is, with the same results. `mode` is checked
against PyTorch's modes; fullgraph, dynamic, backend, options and disable have nothing to steer.
Used as a decorator (@compile or @compile(mode=...)) it works the same way.
"""

_MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None, options=None,
            disable=False):
    """Returns `model` unchanged (chainrule does not compile); without a model, a decorator that does so."""
    if mode not in _MODES:
        raise RuntimeError(f"compile: unrecognized mode={mode!r}, should be one of: "
                           f"{', '.join(m for m in _MODES if m)}")
    if mode is not None and options is not None:
        raise RuntimeError("compile: either mode or options can be specified, but both can't be specified at "
                           "the same time.")
    if model is None:
        return lambda fn: fn
    if not callable(model):
        raise RuntimeError(f"compile: the model or function to compile must be callable, got "
                           f"{type(model).__name__}")
    return model
