"""One row of chainrule.inspect.summary: a module call with its shapes, parameters, multiply-adds and times.

The counting rules are torchinfo 1.8.0's (its LayerInfo), so that the numbers equal torchinfo's on the
same model built in PyTorch:
- parameters: every parameter of the module, its children's included; a pruned parameter
  (`name_orig` with a 0/1 buffer `name_mask`) counts the ones of its mask; lazy ones are skipped;
- output shape: the first tensor of a (nested) tuple/list/dict output, or `.data` of a PackedSequence;
- multiply-adds, for the full batch: a parameter named `weight` or `bias` costs its size times the
  output's batch size, and for a module whose class name contains "Conv" times every output
  position too (N * spatial sizes, not the channels); RNN weights (`weight_ih_l0`, ...) cost their
  size times the output's first two sizes (batch and time).
Measured forward and backward times (seconds) are chainrule's own addition.
"""
import numpy as np

from chainrule._C import Tensor
from chainrule.nn.parameter import is_lazy


def prod(sizes):
    """Product of a (nested) list of sizes; 1 for an empty one."""
    result = 1
    for item in sizes:
        result *= prod(item) if isinstance(item, (list, tuple)) else item
    return result


def nested_list_size(value):
    """(size, bytes per element) of the first tensor found in a nested list/tuple/dict, ([], 0) without one."""
    if hasattr(value, "tensors"):
        return nested_list_size(value.tensors)
    if isinstance(value, Tensor):
        return list(value.shape), value.element_size()
    if isinstance(value, np.ndarray):
        return list(value.shape), value.itemsize
    if not hasattr(value, "__getitem__") or not value:
        return [], 0
    if isinstance(value, dict):
        return nested_list_size(list(value.values()))
    if isinstance(value, (list, tuple)):
        return nested_list_size(value[0])
    return [], 0


def _with_batch_of_one(size, batch_dim):
    return size[:batch_dim] + [1] + size[batch_dim + 1:]


def calculate_size(value, batch_dim):
    """The shape torchinfo reports for a module's inputs or outputs, and the bytes of one element."""
    if value is None:
        return [], 0
    if isinstance(value, (list, tuple)) and value and isinstance(getattr(value[0], "data", None), Tensor):
        # a tuple of tensors (or a PackedSequence, whose data is its first field): its first tensor
        size = list(value[0].data.shape)
        elem_bytes = value[0].data.element_size()
        return (size if batch_dim is None else _with_batch_of_one(size, batch_dim)), elem_bytes
    if isinstance(value, dict):
        size, elem_bytes = nested_list_size(list(value.values())[-1])
        return (size if batch_dim is None else [_with_batch_of_one(size, batch_dim)]), elem_bytes
    if isinstance(value, Tensor):
        return list(value.shape), value.element_size()
    if isinstance(value, np.ndarray):
        return list(value.shape), value.itemsize
    if isinstance(value, (list, tuple)):
        size, elem_bytes = nested_list_size(value)
        if batch_dim is not None and batch_dim < len(size):
            size[batch_dim] = 1
        return size, elem_bytes
    raise TypeError(f"summary: a layer takes or returns a value of an unsupported type {type(value).__name__}: {value!r}")


def _param_count(module, name, param):
    """(count, name): a pruned `name_orig` counts the ones of its `name_mask` buffer, under the name without _orig."""
    if name.endswith("_orig"):
        without_suffix = name[:-len("_orig")]
        mask = _get_nested_attr(module, f"{without_suffix}_mask")
        if mask is not None:
            return int(mask.sum().item()), without_suffix
    return param.numel(), name


def _get_nested_attr(module, dotted):
    for part in dotted.split("."):
        if not hasattr(module, part):
            return None
        module = getattr(module, part)
    return module


def _kernel_size(module):
    k = getattr(module, "kernel_size", None)
    if k is None:
        return None
    return list(k) if isinstance(k, (list, tuple)) else int(k)


class LayerInfo:
    """A module call: identity, place in the module tree, and what summary measured about it."""

    def __init__(self, var_name, module, depth, parent_info=None):
        self.layer_id = id(module)
        self.module = module
        self.class_name = type(module).__name__
        self.var_name = var_name
        self.depth = depth
        self.depth_index = None      # its number among the rows of its depth, set once all rows exist
        self.children = []           # the rows below it, set once all rows exist
        self.parent_info = parent_info
        self.executed = False
        self.is_leaf_layer = not any(module.children())
        self.is_recursive = False
        self.contains_lazy_param = False
        self.inner_layers = {}       # parameter name -> {"kernel_size": ..., "num_params": ...}, for verbose=2
        self.input_size = []
        self.output_size = []
        self.kernel_size = _kernel_size(module)
        self.num_params = 0
        self.trainable_params = 0
        self.param_bytes = 0
        self.output_bytes = 0
        self.macs = 0
        self.forward_time = None     # seconds from the call to its return (children included)
        self.backward_time = None    # seconds from the gradient reaching its output to its inputs' and parameters'

    def __repr__(self):
        return f"{self.class_name}: {self.depth}"

    @property
    def trainable(self):
        """"True", "False", "Partial" (some parameters frozen) or "--" (no parameters), as torchinfo says it."""
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.num_params == self.trainable_params else "Partial"

    def get_layer_name(self, show_var_name, show_depth):
        name = self.class_name
        if show_var_name and self.var_name:
            name += f" ({self.var_name})"
        if show_depth and self.depth > 0:
            name += f": {self.depth}"
            if self.depth_index is not None:
                name += f"-{self.depth_index}"
        return name

    def calculate_num_params(self):
        """Counts the module's parameters (its children's included), trainable ones and their bytes."""
        self.num_params = self.trainable_params = self.param_bytes = 0
        self.inner_layers = {}
        for name, param in self.module.named_parameters():
            if is_lazy(param):
                self.contains_lazy_param = True
                continue
            count, name = _param_count(self.module, name, param)
            self.param_bytes += param.element_size() * count
            self.num_params += count
            if param.requires_grad:
                self.trainable_params += count
            shape = list(param.shape)
            if name == "weight" and len(shape) > 1:
                shape[0], shape[1] = shape[1], shape[0]   # shown as [in, out, kernel...]
            if self.parent_info is not None or "." not in name:
                self.inner_layers[name] = {"kernel_size": str(shape), "num_params": count}

    def calculate_macs(self):
        """Multiply-adds of this call for the whole batch, from the parameters and the output shape."""
        for name, param in self.module.named_parameters():
            count, name = _param_count(self.module, name, param)
            if name in ("weight", "bias"):
                if "Conv" in self.class_name:
                    self.macs += int(count * prod(self.output_size[:1] + self.output_size[2:]))
                else:
                    self.macs += self.output_size[0] * count
            elif "weight" in name or "bias" in name:
                self.macs += prod(self.output_size[:2]) * count

    def check_recursive(self, layer_ids):
        """A module already listed is called again: its parameters are not counted twice."""
        if self.layer_id in layer_ids:
            self.is_recursive = True

    def leftover_params(self):
        """Parameters of this row that none of its (non-recursive) child rows counts."""
        return self.num_params - sum(child.num_params if child.is_leaf_layer else child.leftover_params()
                                     for child in self.children if not child.is_recursive)

    def leftover_trainable_params(self):
        return self.trainable_params - sum(
            child.trainable_params if child.is_leaf_layer else child.leftover_trainable_params()
            for child in self.children if not child.is_recursive)


def children_rows(rows, index):
    """The rows after rows[index] that are deeper than it, up to the next one that is not."""
    end = index + 1
    while end < len(rows) and rows[end].depth > rows[index].depth:
        end += 1
    return rows[index + 1:end]
