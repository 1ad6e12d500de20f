"""chainrule._inductor.config: the inductor knobs programs set before compiling (llm.c's train_gpt2.py
sets coordinate_descent_tuning) read and set as torch._inductor.config's, and an unknown knob is
PyTorch's AttributeError."""
import importlib

import pytest

import chainrule as cr
from conftest import requires_torch, torch


def _config(lib):
    return importlib.import_module(f"{lib.__name__}._inductor.config")


@requires_torch
@pytest.mark.parametrize("knob", ["coordinate_descent_tuning", "fx_graph_cache", "epilogue_fusion", "max_autotune",
                                  "freezing", "use_mixed_mm", "triton.unique_kernel_names", "triton.cudagraphs"])
def test_knobs_have_torchs_defaults_and_can_be_set(knob):
    values = []
    for lib in (torch, cr):
        owner, _, name = ("." + knob).rpartition(".")
        namespace = _config(lib)
        for part in filter(None, owner.split(".")):
            namespace = getattr(namespace, part)
        default = getattr(namespace, name)
        setattr(namespace, name, not default)
        values.append((default, getattr(namespace, name)))
        setattr(namespace, name, default)
    assert values[0] == values[1]


@requires_torch
def test_import_as_config_and_hasattr_as_llm_c_does():
    import chainrule._inductor.config as config
    assert config is _config(cr) and hasattr(config, "coordinate_descent_tuning")


@requires_torch
@pytest.mark.parametrize("where", ["", "triton."])
def test_an_unknown_knob_is_an_attribute_error_as_torch(where):
    for lib in (torch, cr):
        namespace = _config(lib).triton if where else _config(lib)
        with pytest.raises(AttributeError, match=f"_inductor.config.{where}no_such_knob does not exist"):
            namespace.no_such_knob = 1
        with pytest.raises(AttributeError, match="no_such_knob"):
            namespace.no_such_knob
