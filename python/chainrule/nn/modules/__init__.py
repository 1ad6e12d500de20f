"""The nn layers, one family per file as in torch.nn.modules; all re-exported by chainrule.nn."""
from chainrule.nn.modules.module import Module  # noqa: F401
from chainrule.nn.modules.container import *  # noqa: F401,F403
from chainrule.nn.modules.linear import *  # noqa: F401,F403
from chainrule.nn.modules.conv import *  # noqa: F401,F403
from chainrule.nn.modules.pooling import *  # noqa: F401,F403
from chainrule.nn.modules.normalization import *  # noqa: F401,F403
from chainrule.nn.modules.dropout import *  # noqa: F401,F403
from chainrule.nn.modules.activation import *  # noqa: F401,F403
from chainrule.nn.modules.loss import *  # noqa: F401,F403
from chainrule.nn.modules.sparse import *  # noqa: F401,F403
from chainrule.nn.modules.flatten import *  # noqa: F401,F403
from chainrule.nn.modules.upsampling import *  # noqa: F401,F403
from chainrule.nn.modules.rnn import *  # noqa: F401,F403
from chainrule.nn.modules.attention import *  # noqa: F401,F403
from chainrule.nn.modules.transformer import *  # noqa: F401,F403
