"""chainrule.nn: layers, losses and initialization for building models, as in torch.nn."""
from chainrule.nn import functional  # noqa: F401
