"""DataParallel(module, device_ids=None, output_device=None, dim=0) and data_parallel(), as in torch.nn.parallel.

What PyTorch does on the devices chainrule runs on: with no GPU, DataParallel holds the module as `self.module`
(state_dict keys prefixed "module.") and calls it unchanged; with one GPU in device_ids, it moves the module there,
moves the inputs there and calls it. Splitting a batch over several GPUs (replicate/scatter/gather) is not
implemented and raises NotImplementedError.
"""
from chainrule import cuda
from chainrule.nn.modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


def _device_index(device):
    """0, "cuda:1", chainrule.device("cuda:1") -> the GPU index."""
    if isinstance(device, int):
        return device
    text = str(device)
    return int(text.split(":")[1]) if ":" in text else 0


def _gpu_ids(device_ids, output_device):
    """The GPU indices a call runs on ([] without GPUs) and the output device's index."""
    if not cuda.is_available():
        return [], None
    ids = list(range(cuda.device_count())) if device_ids is None else [_device_index(d) for d in device_ids]
    if len(ids) > 1:
        raise NotImplementedError(f"DataParallel over several GPUs (device_ids={ids}) is not implemented in chainrule: "
                                  "pass one device id or train on one device")
    output = ids[0] if output_device is None else _device_index(output_device)
    return ids, output


def _to_device(value, device):
    """Tensors inside value (tuples, lists, dicts nested) moved to device, as scatter does for one device."""
    if isinstance(value, (tuple, list)):
        return type(value)(_to_device(v, device) for v in value)
    if isinstance(value, dict):
        return {k: _to_device(v, device) for k, v in value.items()}
    return value.to(device) if hasattr(value, "to") and hasattr(value, "dtype") else value


class DataParallel(Module):
    """Wraps `module` (kept as self.module) and runs it on the batch, as torch.nn.DataParallel."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids, gpu_output = _gpu_ids(device_ids, output_device)
        if not self.device_ids:
            return
        self.dim = dim
        self.output_device = gpu_output
        self.src_device_obj = f"cuda:{self.device_ids[0]}"
        self.module.to(self.src_device_obj)

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        return self.module(*_to_device(inputs, self.src_device_obj), **_to_device(kwargs, self.src_device_obj))


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    """module(*inputs, **module_kwargs) on the one GPU of device_ids (torch.nn.parallel.data_parallel)."""
    if not isinstance(inputs, tuple):
        inputs = (inputs,) if inputs is not None else ()
    ids, _ = _gpu_ids(device_ids, output_device)
    if not ids:
        raise RuntimeError("device type could not be determined")
    device = f"cuda:{ids[0]}"
    return module(*_to_device(inputs, device), **_to_device(module_kwargs or {}, device))
