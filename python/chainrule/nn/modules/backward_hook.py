"""BackwardHook: runs a module's full backward hooks (register_full_backward_hook) during backward.

As in PyTorch, the module's tensor inputs and outputs pass through identity autograd Functions: the
one on the outputs records grad_output, the one on the inputs receives grad_input, calls each
hook(module, grad_input, grad_output) and lets a hook replace grad_input by returning a new tuple.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd.function import Function


def _needs_grad(value):
    return isinstance(value, Tensor) and value.requires_grad


class BackwardHook:
    def __init__(self, module, hooks):
        self.module = module
        self.hooks = hooks
        self.grad_outputs = None
        self.n_tensor_inputs = 0
        self.inputs_need_grad = False

    def _call_hooks(self, grad_input):
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None:
                result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
                if len(result) != len(grad_input):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(result)}, "
                                       f"but expected {len(grad_input)}")
                grad_input = result
        return grad_input

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
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_tensor_inputs = len(positions)
        wrapped = [i for i in positions if _needs_grad(args[i])]
        self.inputs_need_grad = bool(wrapped) and _C.is_grad_enabled()
        if not self.inputs_need_grad:
            return args

        def on_backward(grads):
            grad_input = [None] * len(positions)
            for i, g in zip(wrapped, grads):
                grad_input[positions.index(i)] = g
            grad_input = self._call_hooks(tuple(grad_input))
            return [grad_input[positions.index(i)] for i in wrapped]

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
            self.grad_outputs = tuple(grad_output)
            if not self.inputs_need_grad:  # no input gets a gradient: hooks run now, with None grad_input
                self._call_hooks((None,) * max(self.n_tensor_inputs, 1))
            return grads

        new_values = self._identity([outputs[i] for i in wrapped], on_backward)
        outputs = list(outputs)
        for i, value in zip(wrapped, new_values):
            outputs[i] = value
        return outputs[0] if single else tuple(outputs)
