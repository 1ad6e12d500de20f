"""ModelStatsLogger: what the training is doing to each layer, in TensorBoard, with one call per step.

    stats = ModelStatsLogger(writer, model, every=50)
    for step, (x, y) in enumerate(loader):
        ...; loss.backward(); optimizer.step()
        stats.log(step)          # after optimizer.step(), before the next zero_grad()

Every `every` steps (step % every == 0) it writes, for each parameter (by its name in the model, after
`prefix`, which tells models apart when several log to one writer):
  weights/<prefix><name>       a histogram of the values,
  gradients/<prefix><name>     a histogram of the gradient (when it has one),
  update_ratio/<prefix><name>  the size of the last step's update against the weights, ||w - w_before|| / ||w_before||.
The ratio needs the weights from before the step: at the step just before a logging step the logger
keeps a copy of them (which is why it is called every step); a healthy ratio is often around 1e-3,
much larger means the learning rate is too high for that layer, much smaller that it barely learns.
A gradient with no finite value (a run that diverged) gets a RuntimeWarning instead of a histogram.
"""
import warnings

import numpy as np

from chainrule.utils.tensorboard._convert import to_numpy


def _norm(array):
    """The 2-norm of all elements; np.linalg.norm goes through NumPy's BLAS dot, slow while chainrule's threads run."""
    return float(np.sqrt(np.square(array).sum()))


def add_finite_histogram(writer, tag, values, step, caller, what):
    """writer.add_histogram(tag, values, step), or a RuntimeWarning instead when no value is finite (a diverged
    run: a logger must not be what stops it); an empty tensor has no histogram. Called from a logger's log()."""
    values = to_numpy(values, caller)
    if values.size == 0:
        return
    if not np.isfinite(values).any():
        warnings.warn(f"{caller}: step {step}: every value of {what} is NaN or infinite; no histogram written",
                      RuntimeWarning, stacklevel=4)
        return
    writer.add_histogram(tag, values, step)


class ModelStatsLogger:
    def __init__(self, writer, model, every=100, prefix=""):
        if every < 1:
            raise ValueError(f"ModelStatsLogger: every should be a number of steps >= 1, got {every}")
        self.writer, self.model, self.every, self.prefix = writer, model, every, prefix
        self._before, self._before_step = {}, None   # weights copied at step _before_step

    def _weights(self):
        return {name: to_numpy(p, "ModelStatsLogger").astype(np.float64) for name, p in self.model.named_parameters()}

    def _histogram(self, kind, name, values, step):
        add_finite_histogram(self.writer, f"{kind}/{self.prefix}{name}", values, step, "ModelStatsLogger",
                             f"{kind} {name!r}")

    def log(self, step):
        """Call once per step after optimizer.step(): logs on every `every`-th step, and copies the weights on the
        step before one."""
        if step % self.every == 0:
            weights = self._weights()
            for name, p in self.model.named_parameters():
                self._histogram("weights", name, weights[name], step)
                if p.grad is not None:
                    self._histogram("gradients", name, p.grad, step)
                if self._before_step == step - 1 and name in self._before:
                    size = _norm(self._before[name])
                    ratio = _norm(weights[name] - self._before[name]) / size if size > 0 else float("inf")
                    self.writer.add_scalar(f"update_ratio/{self.prefix}{name}", ratio, step)
        if (step + 1) % self.every == 0:
            self._before, self._before_step = self._weights(), step
