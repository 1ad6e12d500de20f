"""chainrule.nn.functional: the stateless neural-network ops, named and ordered as in torch.nn.functional.

Each family lives in its own file of this package (conv, pooling, normalization, activation, loss,
...) and is re-exported here, so `import chainrule.nn.functional as F` gives them all.
"""
from chainrule.nn.functional.linear import *  # noqa: F401,F403
from chainrule.nn.functional.embedding import *  # noqa: F401,F403
from chainrule.nn.functional.normalization import *  # noqa: F401,F403
from chainrule.nn.functional.dropout import *  # noqa: F401,F403
from chainrule.nn.functional.pool import *  # noqa: F401,F403
from chainrule.nn.functional.pad_interpolate import *  # noqa: F401,F403
from chainrule.nn.functional.conv import *  # noqa: F401,F403
from chainrule.nn.functional.activation import *  # noqa: F401,F403
from chainrule.nn.functional.loss import *  # noqa: F401,F403
from chainrule.nn.functional.activation_composite import *  # noqa: F401,F403
from chainrule.nn.functional.attention import *  # noqa: F401,F403
from chainrule.nn.functional.distance import *  # noqa: F401,F403
from chainrule.nn.functional.vision import *  # noqa: F401,F403
from chainrule.nn.functional.loss_composite import *  # noqa: F401,F403
from chainrule.nn.functional.grid_sample import *  # noqa: F401,F403
from chainrule.nn.functional.ctc import *  # noqa: F401,F403
from chainrule.nn.functional.volumetric import *  # noqa: F401,F403
from chainrule.nn.functional.fractional import *  # noqa: F401,F403

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.nn.functional")
