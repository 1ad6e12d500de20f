"""The inputs of chainrule.inspect.summary: checking the arguments and making the forward's arguments.

input_size follows torchinfo 1.8.0: a list or tuple of sizes that includes the batch dimension
((N, C, H, W), or [(N, T, F), (N, H)] for a forward of several arguments), filled with uniform
random numbers (torch.rand) of `dtypes` (float32 by default; an integer dtype gives zeros, valid
indices for an Embedding); with batch_dim the sizes leave it out and a dimension of 1 is inserted
there. input_data is the forward's argument(s) as given: a tensor, a list/tuple of positional
arguments, or a dict of keyword arguments; NumPy arrays in it become tensors.
"""
from chainrule import _nested as nested, float32, rand
from chainrule._C import Tensor, device as Device

COLUMNS_NEEDING_INPUT = {"input_size", "output_size", "mult_adds", "output_bytes", "forward_time", "backward_time"}


def map_tensors(data, action):
    """`data` with action(tensor) applied to each tensor (and NumPy array) of its nested containers."""
    return nested.map_tensors(data, action, arrays=True)


def _flatten(sizes):
    for item in sizes:
        if isinstance(item, (list, tuple)):
            yield from _flatten(item)
        else:
            yield item


def input_sizes(input_size):
    """torchinfo's reading of input_size: a list with one size per argument of the forward."""
    if not isinstance(input_size, (list, tuple)):
        raise TypeError(f"summary: input_size must be a list or tuple of sizes, e.g. (32, 1, 8, 8) or "
                        f"[(32, 8, 8), (32, 64)] for two inputs, got {type(input_size).__name__}: {input_size!r}")
    if not input_size:
        raise ValueError("summary: input_size is empty; give the input's shape with its batch dimension, e.g. (32, 1, 8, 8)")
    bad = [size for size in _flatten(input_size) if not isinstance(size, int) or size <= 0]
    if bad:
        raise ValueError(f"summary: every size in input_size must be a positive int, got {bad[0]!r} in {input_size!r}")
    if isinstance(input_size, list) and isinstance(input_size[0], int):
        return [tuple(input_size)]
    if isinstance(input_size, list):
        return input_size
    if isinstance(input_size[0], (list, tuple)):
        return list(input_size)
    return [input_size]


def default_device(model, input_data):
    """input_data's own device(s) when given; else the device of the model's first parameter (or the CPU)."""
    if input_data is not None:
        return None
    first = next(iter(model.parameters()), None)
    return first.device if first is not None else Device("cpu")


def check_arguments(input_data, input_size, columns, col_width, verbose, dtypes):
    if col_width is not None and col_width <= 0:
        raise ValueError(f"summary: col_width must be greater than 0, got {col_width}")
    if verbose not in (0, 1, 2):
        raise ValueError(f"summary: verbose must be 0 (quiet), 1 (default) or 2 (parameter rows too), got {verbose!r}")
    if input_data is not None and input_size is not None:
        raise RuntimeError("summary: give only one of input_data and input_size")
    needing_input = [c for c in columns if c in COLUMNS_NEEDING_INPUT]
    if input_data is None and input_size is None and needing_input:
        raise ValueError(f"summary: the columns {needing_input} need a forward pass: pass input_data or input_size")
    if dtypes is not None and input_size is not None and len(dtypes) != len(input_sizes(input_size)):
        raise ValueError(f"summary: {len(dtypes)} dtypes for {len(input_sizes(input_size))} input sizes; "
                         "give one dtype per input")


def make_inputs(input_data, input_size, batch_dim, device, dtypes):
    """(the forward's arguments: a list of positional ones or a dict of keyword ones, the sizes shown)."""
    if input_data is not None:
        sizes = map_tensors(input_data, lambda t: list(t.shape))
        moved = map_tensors(input_data, lambda t: t if device is None else t.to(device))
        return ([moved] if isinstance(moved, Tensor) else moved), sizes
    if input_size is not None:
        sizes = input_sizes(input_size)
        dtypes = dtypes or [float32] * len(sizes)
        inputs = []
        for size, dtype in zip(sizes, dtypes):
            x = rand(size)
            if batch_dim is not None:
                x = x.unsqueeze(batch_dim)
            inputs.append(x.to(device).to(dtype))
        return inputs, sizes
    return None, []


def total_bytes(data):
    """Bytes of every tensor in the forward's arguments."""
    found = []
    map_tensors(data, found.append)
    return sum(t.nbytes for t in found)
