"""torch.utils.backcompat: the PyTorch 0.2-era switches for warnings about changed broadcasting and
keepdim behaviour. Old programs (ikostrikov/pytorch-trpo's main.py) turn them on with
`torch.utils.backcompat.broadcast_warning.enabled = True`. PyTorch 2 still stores the flags but no
operation reads them; chainrule stores them the same way."""

__all__ = ["Warning", "broadcast_warning", "keepdim_warning"]


class Warning:
    """A switch with PyTorch's shape: `enabled` reads and writes through getter/setter."""

    def __init__(self, setter, getter):
        self.setter = setter
        self.getter = getter

    def set_enabled(self, value):
        self.setter(value)

    def get_enabled(self):
        return self.getter()

    enabled = property(get_enabled, set_enabled)


def _flag(default=False):
    """A (setter, getter) pair over one stored bool."""
    state = [default]

    def setter(value):
        state[0] = bool(value)

    return setter, lambda: state[0]


broadcast_warning = Warning(*_flag())
keepdim_warning = Warning(*_flag())
