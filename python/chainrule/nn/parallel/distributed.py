"""DistributedDataParallel: the same model on every rank, gradients averaged across ranks in backward.

As torch.nn.parallel.DistributedDataParallel, on chainrule.distributed (MPI or TCP):
- construction checks that every rank built the same parameters and copies rank 0's parameters and
  buffers to all ranks;
- each forward first copies rank 0's buffers (BatchNorm running statistics) to all ranks when
  broadcast_buffers=True and the previous forward was a synchronized one (PyTorch's rule);
- backward averages the gradients through buckets all-reduced while backward runs (_reducer.py),
  so after backward every rank holds the same .grad and the optimizer steps stay identical;
- gradient_as_bucket_view=True makes each .grad a view of its bucket, so backward accumulates into
  the buffer that is all-reduced (no copy; the gradients held once, not twice), as in PyTorch;
- no_sync() skips the averaging: gradients accumulate locally until the next synchronized backward,
  which averages the accumulated sums;
- the wrapped model is self.module, so state_dict keys start with "module.".
The averaging finishes inside backward itself (the hook that starts the last bucket waits for all
of them), so the gradients are ready when backward returns, as in PyTorch.
"""
import contextlib

import chainrule as cr
from chainrule.distributed.process_group import resolve_group
from chainrule.nn.modules.module import Module
from chainrule.nn.parallel._module_sync import broadcast_coalesced, verify_same_parameters
from chainrule.nn.parallel._reducer import Reducer

__all__ = ["DistributedDataParallel"]

_DEFAULT_BUCKET_CAP_MB = 25


def _check_devices(device_ids, output_device):
    """PyTorch's rule for a CPU module: device_ids names GPUs, so it must be left out (output_device is ignored)."""
    if device_ids:
        raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                         "single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                         f"{list(device_ids)}, output_device {output_device}, and module parameters "
                         "{device(type='cpu')}.")


class DistributedDataParallel(Module):
    """Data-parallel training of `module` across the ranks of the default process group (module doc)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        world = resolve_group(process_group, "DistributedDataParallel")
        named_params = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named_params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        elsewhere = [(name, p.device) for name, p in named_params if p.device.type != "cpu"]
        if elsewhere:
            raise NotImplementedError(f"DistributedDataParallel: parameter {elsewhere[0][0]} is on {elsewhere[0][1]}; "
                                      "the MPI backend trains CPU modules (docs/distributed.md, GPU plan)")
        _check_devices(device_ids, output_device)
        self.module = module
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        # static_graph: PyTorch learns in the first iteration which parameters the graph leaves out; finding
        # them every iteration gives the same gradients
        find_unused_parameters = find_unused_parameters or static_graph
        self.find_unused_parameters, self.static_graph = find_unused_parameters, static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self._world = world
        verify_same_parameters(world, named_params)
        if init_sync:
            broadcast_coalesced(world, [p for _, p in module.named_parameters()] + list(module.buffers()))
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.reducer = Reducer(world, named_params, int(cap_mb * 1024 * 1024), find_unused_parameters,
                               gradient_as_bucket_view)

    def forward(self, *inputs, **kwargs):
        buffers = list(self.module.buffers())
        if self.broadcast_buffers and self.require_forward_param_sync and buffers:
            broadcast_coalesced(self._world, buffers)
        outputs = self.module(*inputs, **kwargs)
        if cr.is_grad_enabled() and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(outputs)
        else:
            self.require_forward_param_sync = False
            self.reducer.skip_backward()
        return outputs

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside this block accumulate .grad locally, unaveraged; the first
        synchronized backward after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous
