"""chainrule._dynamo.config: torch._dynamo.config's commonly set knobs, with PyTorch 2.13's defaults.

They are kept and read back and steer nothing (chainrule does not compile); a knob PyTorch's config
does not have is an AttributeError, as there (chainrule/_knobs.py).
"""
from chainrule._knobs import install

_KNOBS = {
    "suppress_errors": False, "verbose": False, "cache_size_limit": 8, "accumulated_cache_size_limit": 256,
    "recompile_limit": 8, "accumulated_recompile_limit": 256, "optimize_ddp": True,
    "capture_scalar_outputs": False, "capture_dynamic_output_shape_ops": False, "automatic_dynamic_shapes": True,
    "assume_static_by_default": True, "inline_inbuilt_nn_modules": True, "guard_nn_modules": True,
    "specialize_int": False, "specialize_float": False, "dynamic_shapes": True,
    "force_parameter_static_shapes": True, "error_on_recompile": False, "raise_on_ctx_manager_usage": True,
    "compiled_autograd": False, "log_compilation_metrics": True, "skip_nnmodule_hook_guards": True,
    "allow_unspec_int_on_nn_module": False,
}

install(__name__, _KNOBS)
