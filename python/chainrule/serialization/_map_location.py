"""load's map_location, as PyTorch's: where each loaded storage goes, given the location it was saved
from ("cpu", "cuda:0"). None keeps the saved location; a device or device string sends everything
there; a dict maps saved locations to new ones; a callable (storage, location) returns the storage
moved (or None to keep the saved location)."""
from chainrule import _C
from chainrule import cuda

__all__ = ["check_map_location", "relocate"]


def check_map_location(map_location):
    if map_location is None or callable(map_location) or isinstance(map_location, (str, _C.device, dict)):
        return
    raise TypeError(f"load: map_location must be None, a device, a device string, a dict or a callable, got "
                    f"{type(map_location).__name__}")


def _to(tensor, location):
    device = _C.device(location) if isinstance(location, str) else location
    if device.type == "cuda" and not cuda.is_available():
        raise RuntimeError(f"load: attempting to deserialize a tensor on device '{device}' but "
                           "chainrule.cuda.is_available() is False. If you are running on a CPU-only "
                           "machine, please use chainrule.load with map_location='cpu' to map your "
                           "storages to the CPU.")
    return tensor if tensor.device == device else tensor.to(device)


def relocate(storage, location, map_location):
    """storage (a 1-d CPU tensor holding a saved storage's elements) on the device map_location picks."""
    if callable(map_location):
        moved = map_location(storage, location)
        if moved is not None:
            return moved
    elif isinstance(map_location, dict):
        location = map_location.get(location, location)
    elif map_location is not None:
        location = map_location
    return _to(storage, location)
