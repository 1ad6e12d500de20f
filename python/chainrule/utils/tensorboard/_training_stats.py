"""TrainingStatsLogger: chainrule.inspect.TrainingStats in TensorBoard, one log() call per training step.

    stats = TrainingStats(model, keep_tensors=True)      # keep_tensors: histograms too
    logger = TrainingStatsLogger(writer, stats)
    for step, (x, y) in enumerate(loader):
        ...; loss.backward(); optimizer.step()
        logger.log(step)

Each statistic of each recorded step becomes a scalar `<prefix><layer>/<name>` ('2/activation.dead',
'1/weight.update_ratio'; a model without submodules is the layer 'model'), written once, at that step.
The update ratio of a step is measured when the next step starts, so it is written one log() later
than the rest of its step, at its own step. With keep_tensors=True, the tensors of the last recorded
step become histograms `<prefix><layer>/<what>` ('2/activation', '1/weight.grad'), as
ModelStatsLogger's, with a RuntimeWarning instead of a histogram when no value is finite.

Steps: log(step) numbers the training step just done `step` (the training loop's counter) and the
recorded steps by counting back from it; log() uses TrainingStats's own numbers (stats.steps: the
training calls of the model, counted from 1).
"""
from chainrule.utils.tensorboard._model_stats import add_finite_histogram


class TrainingStatsLogger:
    def __init__(self, writer, stats, prefix=""):
        self.writer, self.stats, self.prefix = writer, stats, prefix
        self._written = {}          # stats step -> {(layer, name)} already written, for the last two steps
        self._histogram_step = None  # stats step whose tensors were written

    def _tag(self, layer, name):
        return f"{self.prefix}{layer or 'model'}/{name}"

    def log(self, step=None):
        """Writes what the stats recorded since the last call: call it after each training step."""
        steps = self.stats.steps
        if not steps:
            return
        offset = 0 if step is None else step - self.stats.calls
        recent = range(max(len(steps) - 2, 0), len(steps))   # only the last two steps still get values
        self._written = {steps[i]: self._written.get(steps[i], set()) for i in recent}
        for i in recent:
            written = self._written[steps[i]]
            for layer, values in self.stats.step_values(i).items():
                for name, value in values.items():
                    if (layer, name) not in written:
                        self.writer.add_scalar(self._tag(layer, name), value, steps[i] + offset)
                        written.add((layer, name))
        if self.stats.last_tensors and self._histogram_step != steps[-1]:
            self._histograms(steps[-1] + offset)
            self._histogram_step = steps[-1]

    def _histograms(self, step):
        for (layer, what), tensor in self.stats.last_tensors.items():
            add_finite_histogram(self.writer, self._tag(layer, what), tensor, step, "TrainingStatsLogger",
                                 f"{self._tag(layer, what)!r}")
