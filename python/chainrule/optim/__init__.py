"""chainrule.optim: optimizers (torch.optim's API and update formulas, each group's update one fused
C++ call; Rprop and Adafactor in Python over tensor ops), learning-rate schedulers
(chainrule.optim.lr_scheduler) and weight averaging (chainrule.optim.swa_utils)."""
from chainrule.optim.optimizer import Optimizer
from chainrule.optim.sgd import SGD
from chainrule.optim.adam import Adam
from chainrule.optim.adamw import AdamW
from chainrule.optim.rmsprop import RMSprop
from chainrule.optim.adagrad import Adagrad
from chainrule.optim.adadelta import Adadelta
from chainrule.optim.adamax import Adamax
from chainrule.optim.nadam import NAdam
from chainrule.optim.radam import RAdam
from chainrule.optim.asgd import ASGD
from chainrule.optim.lbfgs import LBFGS
from chainrule.optim.rprop import Rprop
from chainrule.optim.adafactor import Adafactor
from chainrule.optim.sparse_adam import SparseAdam
from chainrule.optim.muon import Muon
from chainrule.optim import lr_scheduler
from chainrule.optim import swa_utils

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD",
           "LBFGS", "Rprop", "Adafactor", "SparseAdam", "Muon", "lr_scheduler", "swa_utils"]

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.optim")
