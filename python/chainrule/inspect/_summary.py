"""chainrule.inspect.summary: torchinfo's summary() for chainrule models, with times and training memory.

    from chainrule.inspect import summary
    stats = summary(model, input_size=(32, 1, 8, 8), optimizer=chainrule.optim.Adam)
    stats.total_params, stats.trainable_params, stats.total_mult_adds, stats.summary_list

The signature, the defaults and the numbers are torchinfo 1.8.0's (see _layer_info.py for its
counting rules). What differs: the forward runs with autograd on and is followed by one backward,
both timed per layer; the default columns add multiply-adds, activation memory and the two times;
columns fit their contents unless col_width is given; the model moves only when `device` is given
(torchinfo also moves it to CUDA when CUDA is there), input_size's tensors are made on the device
of its first parameter; the model is left as it
was (every module's mode, every buffer, every parameter's .grad); cache_forward_pass is refused,
since the times need a fresh pass.
"""
import sys

from chainrule._C import device as Device
from chainrule.inspect._formatting import FormattingOptions
from chainrule.inspect._inputs import check_arguments, default_device, make_inputs, total_bytes
from chainrule.inspect._optimizer_memory import optimizer_state_bytes
from chainrule.inspect._recording import record
from chainrule.inspect._statistics import ModelStatistics

DEFAULT_COLUMNS = ("output_size", "num_params", "mult_adds", "output_bytes", "forward_time", "backward_time")


def summary(model, input_size=None, input_data=None, batch_dim=None, cache_forward_pass=None, col_names=None,
            col_width=None, depth=3, device=None, dtypes=None, mode=None, row_settings=None, verbose=None,
            optimizer=None, **kwargs):
    """Summarizes `model`: a row per module call with its output shape, parameters, multiply-adds,
    activation memory and measured forward/backward time, and the totals.

    model: a chainrule.nn.Module. input_size: the input's shape(s) with the batch dimension (random
    inputs of `dtypes`, float32 by default). input_data: the forward's argument(s) instead (a tensor,
    a list of them, or a dict of keyword arguments). Without either, only parameters are counted.
    batch_dim: where the batch dimension is to be inserted into input_size (and shown as 1).
    col_names: which columns, from "input_size", "output_size", "num_params", "params_percent",
    "kernel_size", "mult_adds", "trainable", "output_bytes", "forward_time", "backward_time".
    col_width: a fixed width for every column. depth: the deepest level of nested modules shown.
    device: moves the model and inputs there. mode: "eval" (default) or "train" for the pass.
    row_settings: any of "depth", "var_names", "ascii_only", "hide_recursive_layers".
    verbose: 0 prints nothing, 1 the table, 2 with a line per parameter tensor.
    optimizer: an optimizer class or instance whose state memory the totals add.
    kwargs: further keyword arguments of model.forward.
    Returns a ModelStatistics (print it for the table).
    """
    if cache_forward_pass:
        raise ValueError("summary: cache_forward_pass is not supported: chainrule measures each layer's time, "
                         "which needs a fresh forward pass every time")
    has_input = input_data is not None or input_size is not None
    columns = tuple(col_names) if col_names is not None else (DEFAULT_COLUMNS if has_input else ("num_params",))
    rows_shown = set(row_settings) if row_settings is not None else {"depth"}
    mode = mode or "eval"
    if mode not in ("train", "eval"):
        raise ValueError(f"summary: mode must be 'train' or 'eval', got {mode!r}")
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1
    formatting = FormattingOptions(depth, verbose, columns, col_width, rows_shown)
    check_arguments(input_data, input_size, columns, col_width, verbose, dtypes)
    if device is not None:
        device = Device(device) if isinstance(device, str) else device
        model.to(device)
    inputs, shown_sizes = make_inputs(input_data, input_size, batch_dim, device or default_device(model, input_data),
                                      dtypes)
    optimizer_memory = optimizer_state_bytes(optimizer, model) if optimizer is not None else None
    rows = record(model, type(model).__name__, inputs, kwargs, batch_dim, training=(mode == "train"))
    results = ModelStatistics(rows, shown_sizes, total_bytes(inputs), formatting, model, optimizer_memory)
    if verbose > 0:
        print(results)
    return results
