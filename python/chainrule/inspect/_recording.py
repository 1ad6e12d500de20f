"""The recording pass of chainrule.inspect.summary: hooks on every module, one forward, one backward.

Rows come out as torchinfo 1.8.0 makes them: every module of the tree gets a forward pre-hook and a
forward hook (a module listed twice keeps the hooks of its last place in the tree); each call adds
a row in call order, containers that were never called (a ModuleList) are put back above their
children, and a module called again is marked recursive. Unlike torchinfo the forward runs with
autograd on, so that a backward from the outputs can be timed as well:
- forward time of a call: from its pre-hook to its forward hook (its children's time included);
- backward time of a call: from the moment the gradient reaches its output (a hook on each output
  tensor) to the moment the gradients of its inputs and of its parameters are ready (hooks on the
  input tensors and on the parameters); None when no gradient reaches its output (a layer that
  only the input data feeds, with nothing trainable before it).
Every hook, on modules and on tensors, is removed when the pass ends, however it ends.
"""
import time
from contextlib import contextmanager

from chainrule import autograd
from chainrule._C import Tensor, ones_like
from chainrule.autograd import enable_grad, no_grad
from chainrule.inspect._layer_info import LayerInfo, calculate_size, children_rows, prod


def tensors_in(value):
    """Every tensor in a (nested) tuple, list or dict, in order."""
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in tensors_in(item)]
    return []


def first_tensor(value):
    """The tensor of a module's input or output: itself, or the first item of a tuple or list (an LSTM's
    output, not its (h, c)); None when there is none."""
    if isinstance(value, (tuple, list)) and value:
        value = value[0]
    return value if isinstance(value, Tensor) else None


class Recording:
    """The rows of one summary and the hooks that fill them."""

    def __init__(self, model, model_name, batch_dim):
        self.model = model
        self.model_name = model_name
        self.batch_dim = batch_dim
        self.rows = []
        self.layer_ids = set()
        self.call_stack = []          # (row, start time) of the calls under way
        self.module_handles = {}      # id(module) -> (pre-hook handle, hook handle)
        self.tensor_handles = []
        self.gradient_times = {}      # id(row) -> ([output gradient times], [input gradient times])
        self.param_gradient_times = {}  # id(parameter) -> time its gradient was ready

    # ---- the rows ---------------------------------------------------------------------------------

    def _make_pre_hook(self, var_name, depth, parent_info):
        def pre_hook(module, args):
            row = LayerInfo(var_name, module, depth, parent_info)
            row.calculate_num_params()
            row.check_recursive(self.layer_ids)
            self.rows.append(row)
            self.layer_ids.add(row.layer_id)
            if args is not None:
                row.input_size, _ = calculate_size(args, self.batch_dim)
                self.call_stack.append((row, time.perf_counter()))
        return pre_hook

    def _hook(self, module, args, output):
        end = time.perf_counter()
        row, start = self.call_stack.pop()
        row.forward_time = end - start
        if row.contains_lazy_param:
            row.calculate_num_params()
        row.output_size, elem_bytes = calculate_size(output, self.batch_dim)
        row.output_bytes = elem_bytes * prod(row.output_size)
        row.executed = True
        row.calculate_macs()
        self._watch_gradients(row, args, output)

    def _watch_gradients(self, row, args, output):
        outputs_times, inputs_times = self.gradient_times[id(row)] = ([], [])
        for times, tensors in ((outputs_times, tensors_in(output)), (inputs_times, tensors_in(args))):
            for t in tensors:
                if t.requires_grad:
                    self.tensor_handles.append(t.register_hook(lambda grad, times=times: times.append(time.perf_counter())))

    def walk_modules(self, run_pre_hooks_now):
        """Puts hooks on every module of the tree (or, without input, adds each module's row at once)."""
        stack = [(self.model_name, self.model, 0, None)]
        while stack:
            var_name, module, depth, parent_info = stack.pop()
            tree_row = LayerInfo(var_name, module, depth, parent_info)  # the parent of its children's rows
            pre_hook = self._make_pre_hook(var_name, depth, parent_info)
            if run_pre_hooks_now:
                pre_hook(module, None)
            else:
                for handle in self.module_handles.pop(id(module), ()):
                    handle.remove()
                self.module_handles[id(module)] = (module.register_forward_pre_hook(pre_hook),
                                                   module.register_forward_hook(self._hook))
            stack += [(name, child, depth + 1, tree_row)
                      for name, child in reversed(module._modules.items()) if child is not None]

    def watch_parameters(self):
        for p in self.model.parameters():
            if p.requires_grad:
                self.tensor_handles.append(p.register_hook(
                    lambda grad, key=id(p): self.param_gradient_times.__setitem__(key, time.perf_counter())))

    def remove_hooks(self):
        for handles in self.module_handles.values():
            for handle in handles:
                handle.remove()
        for handle in self.tensor_handles:
            handle.remove()
        self.module_handles.clear()
        self.tensor_handles.clear()

    # ---- after the pass ---------------------------------------------------------------------------

    def set_backward_times(self):
        for row in self.rows:
            output_times, input_times = self.gradient_times.get(id(row), ([], []))
            if not output_times:
                continue
            ends = input_times + [self.param_gradient_times[id(p)] for p in row.module.parameters()
                                  if id(p) in self.param_gradient_times]
            row.backward_time = max(0.0, max(ends) - min(output_times)) if ends else 0.0

    def failed_call_message(self, error):
        """Names the innermost call under way when `error` was raised, with the shapes it was given."""
        if not self.call_stack:
            return f"summary: the forward pass failed: {type(error).__name__}: {error}"
        row = self.call_stack[-1][0]
        paths = {id(m): name for name, m in self.model.named_modules()}
        where = paths.get(row.layer_id) or self.model_name
        place = "the model itself" if row.module is self.model else f"layer '{where}'"
        ran = sum(r.executed for r in self.rows)
        return (f"summary: the forward pass failed in {place} ({row.class_name}), called with input of shape "
                f"{row.input_size}, after {ran} layer call(s) had run: {type(error).__name__}: {error}")


def add_missing_container_layers(rows):
    """Inserts, above a row, the containers of its tree path that no row shows (never-called ModuleLists).

    As torchinfo does, the loop goes on over the list it inserts into: an inserted row is visited too."""
    layer_ids = {row.layer_id for row in rows}
    current = {}   # depth -> the row now open at that depth
    for index, row in enumerate(rows):
        path = {}
        parent = row.parent_info
        while parent is not None and parent.depth > 0:
            path[parent.depth] = parent
            parent = parent.parent_info
        inserted = 0
        for d in range(1, row.depth):
            if ((d not in current or current[d].module is not path[d].module)
                    and path[d] is not rows[index + inserted - 1]):
                path[d].calculate_num_params()
                path[d].check_recursive(layer_ids)
                rows.insert(index + inserted, path[d])
                layer_ids.add(path[d].layer_id)
                current[d] = path[d]
                inserted += 1
        current[row.depth] = row
        deeper = row.depth + 1
        while deeper in current:
            current.pop(deeper)
            deeper += 1


def set_children_layers(rows):
    """Numbers the rows within their depth and gives each the rows below it."""
    counts = {}
    for i, row in enumerate(rows):
        counts[row.depth] = counts.get(row.depth, 0) + 1
        row.depth_index = counts[row.depth]
        row.children = children_rows(rows, i)


@contextmanager
def model_kept_as_it_was(model, training, arguments):
    """Sets the model's mode for the pass (training None: leaves it); afterwards every module's mode and
    buffer is as before, and the .grad of every parameter and of every leaf tensor among the forward's
    `arguments`."""
    modes = [(m, m.training) for m in model.modules()]
    buffers = [(b, b.clone()) for b in model.buffers()]
    leaves = list(model.parameters()) + [t for t in tensors_in(arguments) if t.is_leaf and t.requires_grad]
    grads = [(t, t.grad) for t in leaves]
    try:
        if training is not None:
            model.train(training)
        for p, _ in grads:
            p.grad = None   # the pass's gradients go to fresh tensors, not into the user's
        yield
    finally:
        for m, mode in modes:
            m.training = mode
        with no_grad():
            for b, saved in buffers:
                b.copy_(saved)
        for p, grad in grads:
            p.grad = grad


def record(model, model_name, inputs, kwargs, batch_dim, training):
    """The rows of `model` called on `inputs` (a list of positional arguments or a dict), or without a
    forward pass when `inputs` is None. Raises RuntimeError naming the layer whose call failed."""
    recording = Recording(model, model_name, batch_dim)
    if inputs is None:
        recording.walk_modules(run_pre_hooks_now=True)
        set_children_layers(recording.rows)
        return recording.rows
    try:
        recording.walk_modules(run_pre_hooks_now=False)
        recording.watch_parameters()
        with model_kept_as_it_was(model, training, [inputs, kwargs]), enable_grad():
            try:
                output = model(**inputs, **kwargs) if isinstance(inputs, dict) else model(*inputs, **kwargs)
            except Exception as error:
                raise RuntimeError(recording.failed_call_message(error)) from error
            roots = [t for t in tensors_in(output) if t.requires_grad]
            if roots:
                try:
                    autograd.backward(roots, [ones_like(t) for t in roots])
                except Exception as error:
                    raise RuntimeError(f"summary: the backward pass failed: {type(error).__name__}: {error}") from error
    finally:
        recording.remove_hooks()
    recording.set_backward_times()
    add_missing_container_layers(recording.rows)
    set_children_layers(recording.rows)
    return recording.rows
