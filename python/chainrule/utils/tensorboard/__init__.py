"""chainrule.utils.tensorboard: TensorBoard logging, as torch.utils.tensorboard (docs/tensorboard.md).

    from chainrule.utils.tensorboard import SummaryWriter
    with SummaryWriter("runs/exp1") as writer:
        writer.add_scalar("loss", loss, step)

Then `tensorboard --logdir runs` opens the dashboard. Needs the tensorboard package
(pip install "chainrule[tensorboard]"); chainrule writes its event files with tensorboard's own
writer and protocol buffers. ModelStatsLogger adds per-layer weight and gradient histograms and
update-to-weight ratios every N steps; TrainingStatsLogger writes what chainrule.inspect.TrainingStats
records (activation and gradient statistics per layer).
"""
try:
    import tensorboard  # noqa: F401
except ImportError as error:
    raise ImportError("chainrule.utils.tensorboard needs the tensorboard package: "
                      'pip install tensorboard (or pip install "chainrule[tensorboard]")') from error

from chainrule.utils.tensorboard._file_writer import FileWriter
from chainrule.utils.tensorboard._model_stats import ModelStatsLogger
from chainrule.utils.tensorboard._training_stats import TrainingStatsLogger
from chainrule.utils.tensorboard.writer import SummaryWriter

__all__ = ["FileWriter", "ModelStatsLogger", "SummaryWriter", "TrainingStatsLogger"]
