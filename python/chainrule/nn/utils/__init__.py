"""chainrule.nn.utils: gradient clipping, parameters <-> one vector, L1/L2 penalty helpers, and
reparametrizations: parametrize (with parametrizations.weight_norm/spectral_norm) and the older
hook-based weight_norm and spectral_norm; stateless.functional_call; fusion (conv/linear + BatchNorm),
skip_init; prune (imported on use)."""
from chainrule.nn.utils.clip_grad import (  # noqa: F401
    clip_grad_norm_, clip_grad_norm, clip_grad_value_, get_total_norm, clip_grads_with_norm_)
from chainrule.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from chainrule.nn.utils.regularization import l1_penalty, l2_penalty  # noqa: F401
from chainrule.nn.utils import rnn  # noqa: F401
from chainrule.nn.utils import parametrize, parametrizations  # noqa: F401
from chainrule.nn.utils import stateless  # noqa: F401
from chainrule.nn.utils import fusion  # noqa: F401
from chainrule.nn.utils.init import skip_init  # noqa: F401
from chainrule.nn.utils.weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from chainrule.nn.utils.spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.nn.utils")
