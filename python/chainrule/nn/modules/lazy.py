"""LazyModuleMixin and LazyLinear: layers whose input size is read from the first input, as in torch.nn.

Until then their parameters are UninitializedParameters (no shape). A forward pre-hook calls
initialize_parameters(*inputs) on the first call, which materializes and initializes them; the module
then becomes its cls_to_become (LazyLinear -> Linear). Loading a state_dict into a lazy module gives the
uninitialized parameters the checkpoint's shapes first, so a checkpoint loads without a dry run.
"""
from chainrule.autograd import no_grad
from chainrule.nn.modules.linear import Linear
from chainrule.nn.parameter import UninitializedParameter, is_lazy

__all__ = ["LazyModuleMixin", "LazyLinear"]


class LazyModuleMixin:
    """Mixed in before a Module class: defers the parameter shapes to the first forward."""

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)

    def has_uninitialized_params(self):
        """Whether any parameter or buffer of this module (not its children) is still uninitialized."""
        return any(is_lazy(t) for t in list(self._parameters.values()) + list(self._buffers.values()))

    def initialize_parameters(self, *args, **kwargs):
        """Materializes the parameters from the first forward's inputs (each lazy module defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    @staticmethod
    def _infer_parameters(module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {module._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs):
        for name, param in list(self._parameters.items()):
            key = prefix + name
            if is_lazy(param) and key in state_dict and not is_lazy(state_dict[key]):
                with no_grad():
                    param.materialize(state_dict[key].shape)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                                      error_msgs)


class LazyLinear(LazyModuleMixin, Linear):
    """A Linear whose in_features (0 until then) is the last dim of the first input; then it is a Linear."""

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)  # Linear's parameters, replaced below by uninitialized ones
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
