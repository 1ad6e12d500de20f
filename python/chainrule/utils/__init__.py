"""chainrule.utils: helpers around the core, as torch.utils (data loading lives in chainrule.utils.data)."""
from chainrule.utils import data  # noqa: F401
from chainrule.utils import backcompat  # noqa: F401  (old programs set backcompat.broadcast_warning.enabled)

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.utils")
