"""chainrule.nn.utils: gradient clipping, parameters <-> one vector, and L1/L2 penalty helpers."""
from chainrule.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_  # noqa: F401
from chainrule.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from chainrule.nn.utils.regularization import l1_penalty, l2_penalty  # noqa: F401
from chainrule.nn.utils import rnn  # noqa: F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.nn.utils")
