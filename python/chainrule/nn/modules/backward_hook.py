"""BackwardHook: runs a module's full backward hooks and backward pre-hooks during backward
(register_full_backward_hook / register_full_backward_pre_hook and their global forms).

As in PyTorch, the module's tensor inputs and outputs pass through identity autograd Functions: the
one on the outputs records grad_output and calls each pre-hook(module, grad_output), which may replace
grad_output; the one on the inputs receives grad_input, calls each hook(module, grad_input, grad_output)
and lets a hook replace grad_input by returning a new tuple. grad_input has one entry per positional
argument, None for those that are not tensors needing a gradient. The deprecated non-full hooks
(register_backward_hook) run through a second BackwardHook with full=False.
"""
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd.function import Function


def _needs_grad(value):
    return isinstance(value, Tensor) and value.requires_grad


def _replacement(result, current, mismatch_message):
    """What a hook's return value replaces `current` by: current itself for None, else a tuple of the same length."""
    if result is None:
        return current
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(current):
        raise RuntimeError(f"{mismatch_message}, got {len(result)}, but expected {len(current)}")
    return result


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks=(), full=True):
        self.module = module
        self.full = full  # False: the deprecated register_backward_hook kind, which fires without a warning
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.inputs_need_grad = False

    def _call_hooks(self, grad_input):
        for hook in self.hooks:
            grad_input = _replacement(hook(self.module, grad_input, self.grad_outputs), grad_input,
                                      "Backward hook returned an invalid number of grad_input")
        return grad_input

    def _call_pre_hooks(self, grad_output):
        for hook in self.pre_hooks:
            grad_output = _replacement(hook(self.module, grad_output), grad_output,
                                       "Backward pre hook returned an invalid number of grad_output")
        return grad_output

    def _call_hooks_without_grad_input(self):
        """No input needs a gradient: the hooks run when grad_output exists, with None grad_input, as torch."""
        grad_input = (None,) * self.n_inputs
        if not self.full:
            for hook in self.hooks:
                hook(self.module, grad_input, self.grad_outputs)
            return
        warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                      "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                      "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                      stacklevel=2)
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None and not (isinstance(result, tuple) and all(g is None for g in result)):
                raise RuntimeError("Backward hook for Modules where no input requires gradient should always "
                                   "return None or None for all gradients.")

    def _identity(self, tensors, on_backward):
        """tensors passed through one identity Function whose backward calls on_backward(grads)."""

        class BackwardHookFunction(Function):
            @staticmethod
            def forward(ctx, *values):
                return values

            @staticmethod
            def backward(ctx, *grads):
                return tuple(on_backward(grads))

        return BackwardHookFunction.apply(*tensors)

    def setup_input_hook(self, args):
        """args with the tensors needing grad wrapped so that backward reaches the hooks with grad_input."""
        self.n_inputs = len(args)
        wrapped = [i for i, a in enumerate(args) if _needs_grad(a)]
        self.inputs_need_grad = bool(wrapped) and _C.is_grad_enabled()
        if not self.inputs_need_grad:
            return args

        # torch hands hooks zeros for the tensor arguments that need no gradient (its identity Function
        # wraps every tensor argument and materializes their missing gradients)
        zero_grads = {i: (a.shape, a.dtype, a.device) for i, a in enumerate(args)
                      if isinstance(a, Tensor) and i not in wrapped}

        def on_backward(grads):
            grad_input = [None] * len(args)
            for i, (shape, dtype, device) in zero_grads.items():
                grad_input[i] = _C.zeros(shape, dtype=dtype, device=device)
            for i, g in zip(wrapped, grads):
                grad_input[i] = g
            grad_input = self._call_hooks(tuple(grad_input))
            return [grad_input[i] for i in wrapped]

        new_values = self._identity([args[i] for i in wrapped], on_backward)
        args = list(args)
        for i, value in zip(wrapped, new_values):
            args[i] = value
        return tuple(args)

    def setup_output_hook(self, result):
        """result with its tensors wrapped so that backward records grad_output first."""
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple) or not any(_needs_grad(o) for o in outputs):
            return result
        wrapped = [i for i, o in enumerate(outputs) if _needs_grad(o)]

        def on_backward(grads):
            grad_output = [None] * len(outputs)
            for i, g in zip(wrapped, grads):
                grad_output[i] = g
            self.grad_outputs = self._call_pre_hooks(tuple(grad_output))
            if not self.inputs_need_grad:
                self._call_hooks_without_grad_input()
            return [self.grad_outputs[i] for i in wrapped]

        new_values = self._identity([outputs[i] for i in wrapped], on_backward)
        outputs = list(outputs)
        for i, value in zip(wrapped, new_values):
            outputs[i] = value
        return outputs[0] if single else tuple(outputs)
