"""ModelStatistics: what chainrule.inspect.summary returns; its totals, and the table when printed.

The totals are torchinfo 1.8.0's, computed the same way from the rows: total_params and
trainable_params count each parameter once (leaf rows, plus what containers hold themselves,
recursive calls skipped), total_mult_adds sums the leaf rows, total_output_bytes is twice (forward
and backward) the outputs of leaf rows that have parameters, total_param_bytes the parameters of
leaf rows. chainrule adds the measured forward and backward time of the whole model and the memory
training needs for its weights: parameters + gradients (one per trainable parameter) + the state
of an optimizer, when summary was given one.
"""
from chainrule.inspect._formatting import readable_bytes


def _megabytes(n):
    return f"{n / 1e6:0.2f}"


def _with_units(n, auto):
    """torchinfo's number format: millions/billions/trillions for mult-adds ('auto'), plain for parameters."""
    units, value = "", n
    if auto:
        units, value = next((u, n / f) for u, f in (("T", 1e12), ("G", 1e9), ("M", 1e6)) if n >= f or u == "M")
    if float(value).is_integer():
        text = f"{int(value):,d}"
    else:
        text = f"{value:,.2f}"
    return f"{f' ({units})' if units else ''}: {text}"


class ModelStatistics:
    """torchinfo's ModelStatistics, with times and training memory."""

    def __init__(self, summary_list, input_size, total_input_size, formatting, model, optimizer_memory=None):
        self.summary_list = summary_list
        self.input_size = input_size
        self.formatting = formatting
        self.total_input = total_input_size
        self.total_mult_adds = 0
        self.total_params = self.trainable_params = 0
        self.total_param_bytes = self.total_output_bytes = 0
        for row in summary_list:
            if row.is_leaf_layer:
                self.total_mult_adds += row.macs
                if row.num_params > 0:
                    self.total_output_bytes += row.output_bytes * 2
                if row.is_recursive:
                    continue
                self.total_params += max(row.num_params, 0)
                self.total_param_bytes += row.param_bytes
                self.trainable_params += max(row.trainable_params, 0)
            elif not row.is_recursive:
                self.total_params += max(row.leftover_params(), 0)
                self.trainable_params += max(row.leftover_trainable_params(), 0)
        root = next((row for row in summary_list if row.depth == 0), None)
        self.forward_time = root.forward_time if root is not None else None
        self.backward_time = root.backward_time if root is not None else None
        params = list(model.parameters())
        self.parameter_bytes = sum(p.nbytes for p in params)
        self.gradient_bytes = sum(p.nbytes for p in params if p.requires_grad)
        self.optimizer_name, self.optimizer_state_bytes = optimizer_memory or (None, 0)
        self.training_memory_bytes = self.parameter_bytes + self.gradient_bytes + self.optimizer_state_bytes

    def _training_memory_line(self):
        parts = [f"parameters {readable_bytes(self.parameter_bytes)}", f"gradients {readable_bytes(self.gradient_bytes)}"]
        if self.optimizer_name is not None:
            ratio = self.optimizer_state_bytes / self.gradient_bytes if self.gradient_bytes else 0.0
            parts.append(f"{self.optimizer_name} state {readable_bytes(self.optimizer_state_bytes)} "
                         f"({ratio:.2f}x the trainable parameters)")
        return f"Training memory: {' + '.join(parts)} = {readable_bytes(self.training_memory_bytes)}"

    def __repr__(self):
        table, width = self.formatting.table(self.summary_list, self.total_params)
        divider = "=" * width
        lines = [table,
                 f"Total params{_with_units(self.total_params, auto=False)}",
                 f"Trainable params{_with_units(self.trainable_params, auto=False)}",
                 f"Non-trainable params{_with_units(self.total_params - self.trainable_params, auto=False)}"]
        if self.input_size:
            lines += [f"Total mult-adds{_with_units(self.total_mult_adds, auto=True)}", divider,
                      f"Input size (MB): {_megabytes(self.total_input)}",
                      f"Forward/backward pass size (MB): {_megabytes(self.total_output_bytes)}",
                      f"Params size (MB): {_megabytes(self.total_param_bytes)}",
                      "Estimated Total Size (MB): "
                      f"{_megabytes(self.total_input + self.total_output_bytes + self.total_param_bytes)}",
                      divider]
            if self.forward_time is not None:
                backward = "--" if self.backward_time is None else f"{self.backward_time * 1e3:.3f}"
                lines.append(f"Measured time (ms): forward {self.forward_time * 1e3:.3f}, backward {backward}")
        lines += [self._training_memory_line(), divider]
        return "\n".join(lines)

    __str__ = __repr__
