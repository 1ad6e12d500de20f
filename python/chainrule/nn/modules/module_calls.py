"""Calling an nn.Module (a mixin of Module): __call__ and the forward / backward hooks it runs.

register_forward_pre_hook, register_forward_hook, register_full_backward_pre_hook and
register_full_backward_hook keep their hooks in ordered dicts keyed by the RemovableHandle id; __call__
(torch's _call_impl) runs the global hooks (hooks.py) first, then the module's own,
and wraps inputs/outputs for the backward hooks (backward_hook.py).
"""
from chainrule.nn.modules import hooks as _hooks
from chainrule.nn.modules.hooks import RemovableHandle, add_hook


class ModuleCalls:
    """Module's __call__ and hook registration."""

    _compiled_call_impl = None  # set by Module.compile(); _wrapped_call_impl then runs it

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """hook(module, args) -> None or new args.

        with_kwargs=True: hook(module, args, kwargs) -> None or (new_args, new_kwargs).
        """
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """hook(module, args, output) -> None or a new output (with_kwargs: hook(module, args, kwargs, output))."""
        handle = RemovableHandle(self._forward_hooks, extra_dict=[self._forward_hooks_with_kwargs,
                                                                  self._forward_hooks_always_called])
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """hook(module, grad_output) -> None or a new grad_output, when the output gradients exist."""
        return add_hook(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        """hook(module, grad_input, grad_output) -> None or new grad_input, after the input gradients exist."""
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a single Module. "
                               "Please use only one of them.")
        self._is_full_backward_hook = True
        return add_hook(self._backward_hooks, hook, prepend)

    def _get_backward_hooks(self):
        """(full backward hooks, non-full backward hooks) to run, the global ones first."""
        return [*_hooks._global_backward_hooks.values(), *self._backward_hooks.values()], []

    def _get_backward_pre_hooks(self):
        return [*_hooks._global_backward_pre_hooks.values(), *self._backward_pre_hooks.values()]

    def _run_forward_pre_hooks(self, args, kwargs):
        for hook_id, hook in [*_hooks._global_forward_pre_hooks.items(), *self._forward_pre_hooks.items()]:
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError("forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _run_forward_hooks(self, args, kwargs, result, only_always_called=False):
        for hook_id, hook in [*_hooks._global_forward_hooks.items(), *self._forward_hooks.items()]:
            if only_always_called and not (hook_id in self._forward_hooks_always_called
                                           or hook_id in _hooks._global_forward_hooks_always_called):
                continue
            if hook_id in self._forward_hooks_with_kwargs or hook_id in _hooks._global_forward_hooks_with_kwargs:
                hook_result = hook(self, args, kwargs, result)
            else:
                hook_result = hook(self, args, result)
            if hook_result is not None:
                result = hook_result
        return result

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
        args, kwargs = self._run_forward_pre_hooks(args, kwargs)
        backward_hook = None
        full_backward_hooks, _ = self._get_backward_hooks()
        backward_pre_hooks = self._get_backward_pre_hooks()
        if full_backward_hooks or backward_pre_hooks:
            from chainrule.nn.modules.backward_hook import BackwardHook
            backward_hook = BackwardHook(self, full_backward_hooks, backward_pre_hooks)
            args = backward_hook.setup_input_hook(args)
        try:
            result = self.forward(*args, **kwargs)
        except Exception:
            if self._forward_hooks_always_called or _hooks._global_forward_hooks_always_called:
                self._run_forward_hooks(args, kwargs, None, only_always_called=True)
            raise
        result = self._run_forward_hooks(args, kwargs, result)
        if backward_hook is not None:
            result = backward_hook.setup_output_hook(result)
        return result

    # torch's __call__ is _wrapped_call_impl, which runs _compiled_call_impl when compile() set it. In chainrule
    # that is always _call_impl itself (chainrule.compile returns what it is given), so __call__ goes straight
    # there: the same calls, one Python frame fewer on every module call.
    __call__ = _call_impl
