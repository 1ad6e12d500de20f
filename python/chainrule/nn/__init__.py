"""chainrule.nn: layers, losses and initialization for building models, as in torch.nn.

    import chainrule.nn as nn
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))

See docs/nn.md for what is supported and how it differs from torch.nn.
"""
from chainrule.nn import functional  # noqa: F401
from chainrule.nn.parameter import Buffer, Parameter, UninitializedBuffer, UninitializedParameter  # noqa: F401
from chainrule.nn.modules import *  # noqa: F401,F403
from chainrule.nn.modules import Module  # noqa: F401
from chainrule.nn import init, utils  # noqa: F401,E402
utils = __import__("importlib").import_module("chainrule.nn.utils")  # nn.modules.utils (star-imported above) shadowed it
attention = __import__("importlib").import_module("chainrule.nn.attention")  # and nn.modules.attention this
from chainrule.nn import parallel  # noqa: F401,E402
from chainrule.nn.parallel import DataParallel  # noqa: F401,E402

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.nn")
