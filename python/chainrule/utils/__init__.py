"""chainrule.utils: helpers around the core, as torch.utils (data loading lives in chainrule.utils.data)."""
from chainrule.utils import data  # noqa: F401
