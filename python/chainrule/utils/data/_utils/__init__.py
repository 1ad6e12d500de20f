"""torch.utils.data._utils's import path, which programs written before default_collate was public
(PyTorch 1.11) import it from: `from torch.utils.data._utils.collate import default_collate`."""
from chainrule.utils.data._utils import collate  # noqa: F401
