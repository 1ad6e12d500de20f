"""TrainingStats.plot: four panels over the recorded steps, a line per layer.

  activation std       the spread of each parameterized layer's output y (exploding or collapsing
                       activations show here first)
  dL/d output std      the spread of the gradient reaching each such layer, log scale: vanishing
                       gradients are lines falling towards the input layers
  dead ReLU units      the fraction of each ReLU's units that are 0 for the whole batch
  update / weight      ||Δθ|| / ||θ|| of each layer's first parameter (its weight), log scale, with
                       the rule-of-thumb 1e-3 drawn dashed: much lower learns slowly, much higher is
                       unstable
"""
import numpy as np

from chainrule.inspect._training_stats import DEAD_UNIT_LAYERS

PANELS = [("activation std", "activation.std", "linear"), ("dL/d output std", "activation.grad_std", "log"),
          ("dead ReLU units (fraction)", "activation.dead", "linear"),
          ("update / weight: ||Δθ|| / ||θ||", "update_ratio", "log")]


def _lines(stats, statistic):
    """(label, values) of each layer that has the statistic; for update_ratio, each layer's first parameter."""
    lines = []
    for layer in stats.layers:
        names = stats.names(layer)
        if statistic == "update_ratio":
            name = next((n for n in names if n.endswith(".update_ratio")), None)
        elif statistic == "activation.dead":
            name = statistic if stats.layer_types[layer] in DEAD_UNIT_LAYERS else None
        else:
            has_parameters = any(n.endswith(".grad_std") and not n.startswith("activation") for n in names)
            name = statistic if has_parameters or len(stats.layers) == 1 else None
        values = stats.series(layer, name) if name in names else None
        if values is not None and not np.isnan(values).all():
            label = f"{layer or '(model)'} ({stats.layer_types[layer]})"
            lines.append((label + (f" {name.split('.')[0]}" if statistic == "update_ratio" else ""), values))
    return lines


def plot_training_stats(stats, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise RuntimeError("TrainingStats.plot needs matplotlib (pip install matplotlib)") from error
    if not stats.steps:
        raise ValueError("TrainingStats.plot: no step was recorded; run the model in training mode first")
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for ax, (title, statistic, scale) in zip(axes.flat, PANELS):
        lines = _lines(stats, statistic)
        for label, values in lines:
            ax.plot(stats.steps, values, label=label, linewidth=1.2)
        if statistic == "update_ratio":
            ax.axhline(1e-3, color="grey", linestyle="--", linewidth=1, label="1e-3")
        if lines and scale == "log" and np.nanmin([np.nanmin(v) for _, v in lines]) > 0:
            ax.set_yscale("log")
        ax.set(title=title, xlabel="training step")
        if lines:
            ax.legend(fontsize=7, loc="best")
        else:
            ax.text(0.5, 0.5, "nothing recorded", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
