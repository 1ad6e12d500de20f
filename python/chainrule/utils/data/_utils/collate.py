"""torch.utils.data._utils.collate's import path for default_collate and default_convert (defined in
chainrule/utils/data/collate.py)."""
from chainrule.utils.data.collate import default_collate, default_convert  # noqa: F401
