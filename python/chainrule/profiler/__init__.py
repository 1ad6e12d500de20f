"""chainrule.profiler: torch.profiler for finding where a program's CPU time goes.

Recorded: record_function ranges, every nn.Module call ("nn.Module: Linear"), every optimizer step
("Optimizer.step#SGD.step"), every backward pass ("autograd.backward" for backward(), "autograd.grad"
for autograd.grad) and each profiler step ("ProfilerStep#3"), with input shapes of module calls when
record_shapes=True. key_averages() groups them by name (count, self and total CPU time) and
table() prints torch's columns; export_chrome_trace writes Chrome trace JSON; schedule /
on_trace_ready / tensorboard_trace_handler work as torch's.

Not recorded: the ops inside chainrule's C++ core one by one (torch's aten:: rows, and the backward
pass node by node: it is one range), device (CUDA) time, memory, stacks and flops; the options asking
for them are accepted and add nothing.
"""
from chainrule._missing import missing_attribute_hook as _missing_attribute_hook
from chainrule.profiler._recording import record_function  # noqa: F401
from chainrule.profiler._profile import (  # noqa: F401
    profile, schedule, ProfilerActivity, ProfilerAction, supported_activities, tensorboard_trace_handler)

__all__ = ["profile", "record_function", "schedule", "ProfilerActivity", "ProfilerAction", "supported_activities",
           "tensorboard_trace_handler"]
__getattr__ = _missing_attribute_hook(__name__, "torch.profiler")
