"""Calling an nn.Module (a mixin of Module): __call__ and the forward / backward hooks it runs.

register_forward_pre_hook, register_forward_hook, register_full_backward_pre_hook,
register_full_backward_hook and the deprecated register_backward_hook keep their hooks in ordered dicts keyed by the RemovableHandle id; __call__
(torch's _call_impl) runs the global hooks (hooks.py) first, then the module's own,
and wraps inputs/outputs for the backward hooks (backward_hook.py).
"""
import warnings

from chainrule.nn.modules import hooks as _hooks
from chainrule.nn.modules.hooks import add_hook


class _HookedCall:
    """One module call with hooks: its (hook-replaced) arguments and result, and the always_call forward hooks
    that already ran, which an error part-way needs."""

    __slots__ = ("args", "kwargs", "result", "always_called")

    def __init__(self, args, kwargs):
        self.args, self.kwargs, self.result, self.always_called = args, kwargs, None, set()


class ModuleCalls:
    """Module's __call__ and hook registration."""

    _compiled_call_impl = None  # set by Module.compile(); _wrapped_call_impl then runs it

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args.

        with_kwargs=True: hook(module, args, kwargs) -> None or (new_args, new_kwargs).
        """
        return add_hook(self._forward_pre_hooks, hook, prepend, [(self._forward_pre_hooks_with_kwargs, with_kwargs)])

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) -> None or a new output (with_kwargs: hook(module, args, kwargs, output))."""
        return add_hook(self._forward_hooks, hook, prepend, [(self._forward_hooks_with_kwargs, with_kwargs),
                                                             (self._forward_hooks_always_called, always_call)])

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) -> None or a new grad_output, when the output gradients exist."""
        return add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) -> None or new grad_input, after the input gradients exist."""
        self._set_backward_hook_kind(full=True)
        return add_hook(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        """The deprecated (non-full) backward hook: hook(module, grad_input, grad_output) -> None or a new
        grad_input. torch hands it the gradients of the inputs of the autograd node that made the output;
        chainrule hands it those of the module's tensor arguments (the same for one-node modules such as ReLU;
        Conv2d/Linear give torch's grad_input[0] but not its weight and bias entries)."""
        self._set_backward_hook_kind(full=False)
        return add_hook(self._backward_hooks, hook)

    def _set_backward_hook_kind(self, full):
        if self._is_full_backward_hook is (not full):
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a "
                               "single Module. Please use only one of them.")
        self._is_full_backward_hook = full

    def _get_backward_hooks(self):
        """(full backward hooks, non-full backward hooks) to run, the global ones first."""
        own = list(self._backward_hooks.values())
        if self._is_full_backward_hook is False:
            return list(_hooks._global_backward_hooks.values()), own
        return [*_hooks._global_backward_hooks.values(), *own], []

    def _get_backward_pre_hooks(self):
        return [*_hooks._global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]

    def _run_forward_pre_hooks(self, call):
        """Runs the forward pre-hooks, each able to replace call.args (and call.kwargs with with_kwargs)."""
        for hook_id, hook in [*_hooks._global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()]:
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, call.args, call.kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    call.args, call.kwargs = result
            else:
                result = hook(self, call.args)
                if result is not None:
                    call.args = result if isinstance(result, tuple) else (result,)

    def _run_forward_hooks(self, call):
        """Runs the forward hooks on call.result, noting in call.always_called the always_call ones reached."""
        for hook_id, hook in [*_hooks._global_forward_hooks.items(), *self._forward_hooks.items()]:
            if hook_id in self._forward_hooks_always_called or hook_id in _hooks._global_forward_hooks_always_called:
                call.always_called.add(hook_id)
            if hook_id in self._forward_hooks_with_kwargs or hook_id in _hooks._global_forward_hooks_with_kwargs:
                hook_result = hook(self, call.args, call.kwargs, call.result)
            else:
                hook_result = hook(self, call.args, call.result)
            if hook_result is not None:
                call.result = hook_result

    def _run_always_called_hooks_after_error(self, call):
        """After an error anywhere in the call, the always_call forward hooks not reached yet run, as in torch:
        the global ones with (module, args, result), errors they raise turned into warnings."""
        hook_sets = [(_hooks._global_forward_hooks, _hooks._global_forward_hooks_always_called, {}, "global module"),
                     (self._forward_hooks, self._forward_hooks_always_called, self._forward_hooks_with_kwargs, "module")]
        for hooks, always_called, with_kwargs, kind in hook_sets:
            for hook_id, hook in list(hooks.items()):
                if hook_id not in always_called or hook_id in call.always_called:
                    continue
                try:
                    if hook_id in with_kwargs:
                        hook_result = hook(self, call.args, call.kwargs, call.result)
                    else:
                        hook_result = hook(self, call.args, call.result)
                    if hook_result is not None:
                        call.result = hook_result
                except Exception as error:
                    warnings.warn(f"{kind} forward hook with ``always_call=True`` raised an exception that was "
                                  f"silenced as another error was raised in forward: {error}", stacklevel=2)

    def compile(self, *args, **kwargs):
        """As torch, keeps compile(self._call_impl, ...) (its arguments checked) as _compiled_call_impl; in
        chainrule that is _call_impl itself, so the module runs as before."""
        from chainrule._functions.compile import compile as compile_function
        self._compiled_call_impl = compile_function(self._call_impl, *args, **kwargs)

    def _slow_forward(self, *args, **kwargs):
        """torch's forward under JIT tracing; chainrule's tracers record calls themselves, so plain forward."""
        return self.forward(*args, **kwargs)

    def _wrapped_call_impl(self, *args, **kwargs):
        if self._compiled_call_impl is not None:
            return self._compiled_call_impl(*args, **kwargs)
        return self._call_impl(*args, **kwargs)

    def _call_impl(self, *args, **kwargs):
        if not (self._forward_pre_hooks or self._forward_hooks or self._backward_hooks or self._backward_pre_hooks
                or _hooks._global_forward_pre_hooks or _hooks._global_forward_hooks
                or _hooks._global_backward_hooks or _hooks._global_backward_pre_hooks):
            return self.forward(*args, **kwargs)
        call = _HookedCall(args, kwargs)
        try:
            self._run_forward_pre_hooks(call)
            backward_hooks = []
            if (self._backward_hooks or self._backward_pre_hooks or _hooks._global_backward_hooks
                    or _hooks._global_backward_pre_hooks):
                from chainrule.nn.modules.backward_hook import BackwardHook
                full_hooks, non_full_hooks = self._get_backward_hooks()
                pre_hooks = self._get_backward_pre_hooks()
                if full_hooks or pre_hooks:
                    backward_hooks.append(BackwardHook(self, full_hooks, pre_hooks))
                if non_full_hooks:
                    backward_hooks.append(BackwardHook(self, non_full_hooks, full=False))
                for backward_hook in backward_hooks:
                    call.args = backward_hook.setup_input_hook(call.args)
            call.result = self.forward(*call.args, **call.kwargs)
            self._run_forward_hooks(call)
            for backward_hook in reversed(backward_hooks):
                call.result = backward_hook.setup_output_hook(call.result)
            return call.result
        except Exception:
            self._run_always_called_hooks_after_error(call)
            raise

    # torch's __call__ is _wrapped_call_impl, which runs _compiled_call_impl when compile() set it. In chainrule
    # that is always _call_impl itself (chainrule.compile returns what it is given), so __call__ goes straight
    # there: the same calls, one Python frame fewer on every module call.
    __call__ = _call_impl
