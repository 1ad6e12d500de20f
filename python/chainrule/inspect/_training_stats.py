"""TrainingStats: per-layer activation and gradient statistics recorded by hooks while a model trains.

    from chainrule.inspect import TrainingStats
    with TrainingStats(model) as stats:          # hooks on; removed on leaving, however it is left
        for images, labels in loader:            # the training loop is unchanged: no callbacks
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad(); loss.backward(); optimizer.step()
    print(stats)                                 # the last recorded step, a row per layer and tensor
    stats.plot("stats.png")                      # each statistic over the steps (matplotlib)

A step is one call of the model in training mode (calls in eval mode, e.g. validation, are not
recorded; only_training=False records them too); every=N records every N-th step. Per watched layer
(the leaf modules, or the paths given as `layers`), each recorded step gives, under these names:
  activation.mean, activation.std   the layer's output y (its first tensor)
  activation.dead                   ReLU layers: the fraction of units that are 0 for every example of
                                    the batch (units that pass no gradient: dy/dx = 0 for all of them)
  activation.grad_mean, .grad_std   dL/dy, the gradient the backward pass brings to the output
  <param>.grad_mean, .grad_std      dL/dθ of each of the layer's parameters ("weight.grad_std")
  <param>.update_ratio              ||θ_next - θ|| / ||θ||: how far the optimizer moved the parameter
                                    after this step's backward (read at the next step, or at remove())
What other tools read: steps (the recorded step numbers), calls (the steps seen), layers,
series(layer, name) (a numpy array over the steps, NaN where not recorded), latest() ({layer: {name:
value}} of the last step), step_values(i) (the same of the i-th recorded step) and, with
keep_tensors=True, last_tensors ({(layer, "activation" | "activation.grad" | "<param>.grad"): tensor}
of the last step, detached, for histograms). chainrule.utils.tensorboard.TrainingStatsLogger writes
them to TensorBoard.
"""
import math

import numpy as np

from chainrule import stack
from chainrule.autograd import no_grad
from chainrule.inspect._formatting import text_table
from chainrule.inspect._recording import first_tensor
from chainrule.nn import Module

DEAD_UNIT_LAYERS = ("ReLU", "ReLU6")


def mean_and_std(tensor):
    """(mean, std) of every element of a floating tensor, as floats (std NaN for a single element)."""
    with no_grad():
        values = tensor.detach().double()
        return tuple(stack([values.mean(), values.std()]).tolist()) if values.numel() > 1 else (values.item(), math.nan)


def dead_fraction(output):
    """The fraction of units (positions after the batch dimension) that are 0 for every example."""
    with no_grad():
        alive = (output.detach() != 0).reshape(output.shape[0], -1).any(0)
        return 1.0 - alive.float().mean().item()


class TrainingStats:
    """Hooks on a model that record per-layer statistics of each training step; remove() (or leaving the
    `with` block) takes every hook off."""

    def __init__(self, model, layers=None, every=1, only_training=True, keep_tensors=False):
        if not isinstance(model, Module):
            raise TypeError(f"TrainingStats: model must be a chainrule.nn.Module, got {type(model).__name__}")
        if not (isinstance(every, int) and every >= 1):
            raise ValueError(f"TrainingStats: every must be a positive int, got {every!r}")
        modules = dict(model.named_modules())
        if layers is None:
            layers = [path for path, m in modules.items() if path and not m._modules] or [""]
        unknown = [path for path in layers if path not in modules]
        if unknown:
            raise ValueError(f"TrainingStats: the model {type(model).__name__} has no layer named {unknown[0]!r}; its "
                             f"layers are: {', '.join(repr(p) for p in modules if p)}")
        self.model, self.layers = model, list(layers)
        self.layer_types = {path: type(modules[path]).__name__ for path in self.layers}
        self.every, self.only_training, self.keep_tensors = every, only_training, keep_tensors
        self.steps, self.last_tensors = [], {}
        self._records = []            # one {(layer, name): value} per recorded step
        self._calls = 0               # steps seen, recorded or not
        self._snapshot = None         # {id(param): (layer, name, param, value before the update)}
        self._step_handles = []       # hooks on this step's output tensors
        self._handles = [model.register_forward_pre_hook(self._start_step)]
        self._parameters = [(path, name, p) for path in self.layers
                            for name, p in modules[path].named_parameters(recurse=False) if p.requires_grad]
        for path in self.layers:
            self._handles.append(modules[path].register_forward_hook(self._layer_hook(path)))
        for path, name, p in self._parameters:
            self._handles.append(p.register_hook(self._gradient_hook(path, name)))

    # ---- recording ----------------------------------------------------------------------------------

    def _recording(self):
        return bool(self.steps) and self._calls == self.steps[-1]

    def _record(self, layer, name, value):
        self._records[-1][(layer, name)] = value

    def _keep(self, layer, what, tensor):
        if self.keep_tensors:
            self.last_tensors[(layer, what)] = tensor.detach()

    def _start_step(self, module, args):
        if self.only_training and not module.training:
            return
        self._read_updates()
        for handle in self._step_handles:
            handle.remove()
        self._step_handles.clear()
        self._calls += 1
        if self._calls % self.every == 0:
            self.steps.append(self._calls)
            self._records.append({})
            self.last_tensors.clear()
            with no_grad():
                self._snapshot = {id(p): (path, name, p, p.detach().clone()) for path, name, p in self._parameters}

    def _read_updates(self):
        """Each parameter's update since the snapshot of the last recorded step, relative to its size."""
        if self._snapshot is None:
            return
        with no_grad():
            for path, name, p, before in self._snapshot.values():
                size = before.norm().item()
                update = (p.detach() - before).norm().item()
                self._record(path, f"{name}.update_ratio", update / size if size else math.nan)
        self._snapshot = None

    def _layer_hook(self, path):
        def hook(module, args, output):
            output = first_tensor(output)
            if output is None or not output.is_floating_point() or not self._recording():
                return
            mean, std = mean_and_std(output)
            self._record(path, "activation.mean", mean)
            self._record(path, "activation.std", std)
            if self.layer_types[path] in DEAD_UNIT_LAYERS and output.dim() > 0:
                self._record(path, "activation.dead", dead_fraction(output))
            self._keep(path, "activation", output)
            if output.requires_grad:
                self._step_handles.append(output.register_hook(self._gradient_hook(path, "activation")))
        return hook

    def _gradient_hook(self, path, what):
        def hook(grad):
            if self._recording():
                mean, std = mean_and_std(grad)
                self._record(path, f"{what}.grad_mean", mean)
                self._record(path, f"{what}.grad_std", std)
                self._keep(path, f"{what}.grad", grad)
        return hook

    def remove(self):
        """Takes every hook off (and reads the update of the last recorded step); safe to call twice."""
        self._read_updates()
        for handle in self._handles + self._step_handles:
            handle.remove()
        self._handles.clear()
        self._step_handles.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()

    # ---- reading ------------------------------------------------------------------------------------

    def series(self, layer, name):
        """The statistic `name` of `layer` over the recorded steps, NaN where it was not recorded."""
        return np.array([record.get((layer, name), math.nan) for record in self._records])

    def names(self, layer):
        """The statistics recorded for `layer`, in the order they were first recorded."""
        return list(dict.fromkeys(name for record in self._records for (path, name) in record if path == layer))

    @property
    def calls(self):
        """The training calls of the model seen so far, recorded or not (stats.steps holds the recorded ones)."""
        return self._calls

    def step_values(self, index):
        """{layer: {name: value}} of the recorded step stats.steps[index] (-1: the last one)."""
        values = {}
        for (layer, name), value in self._records[index].items():
            values.setdefault(layer, {})[name] = value
        return values

    def latest(self):
        """{layer: {name: value}} of the last recorded step ({} before the first)."""
        return self.step_values(-1) if self._records else {}

    def _table_lines(self, layer, values):
        """(tensor label, [mean, std, dead, update ratio]) of one layer's last step, NaN where not recorded."""
        keys = [("output y", "activation.mean", "activation.std", "activation.dead", None),
                ("dL/d output", "activation.grad_mean", "activation.grad_std", None, None)]
        keys += [(f"dL/d {name}", f"{name}.grad_mean", f"{name}.grad_std", None, f"{name}.update_ratio")
                 for owner, name, _ in self._parameters if owner == layer]
        for label, *names in keys:
            cells = [values.get(name, math.nan) if name else math.nan for name in names]
            if not all(math.isnan(c) for c in cells):
                yield label, cells

    def __str__(self):
        if not self._records:
            return f"TrainingStats: no step recorded yet ({len(self.layers)} layers watched)"
        latest, rows = self.latest(), []
        for layer in self.layers:
            for i, (label, (mean, std, dead, update)) in enumerate(self._table_lines(layer, latest.get(layer, {}))):
                rows.append([f"{layer} ({self.layer_types[layer]})" if i == 0 else "", label, _number(mean),
                             _number(std), "--" if math.isnan(dead) else f"{dead:.1%}", _number(update)])
        title = f"TrainingStats: step {self.steps[-1]} ({len(self.steps)} recorded)"
        return "\n".join([title, text_table(["Layer (type)", "Tensor", "Mean", "Std", "Dead", "Update/weight"], rows)])

    __repr__ = __str__

    def plot(self, path):
        """Writes a PNG of the statistics over the steps; see chainrule.inspect._training_plot."""
        from chainrule.inspect._training_plot import plot_training_stats
        plot_training_stats(self, path)


def _number(value):
    return "--" if math.isnan(value) else f"{value:.3g}"
