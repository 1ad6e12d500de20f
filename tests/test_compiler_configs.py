"""chainrule._dynamo and chainrule._inductor: the compiler knobs programs set around torch.compile
(llm.c's train_gpt2.py sets inductor's coordinate_descent_tuning; others set
torch._dynamo.config.suppress_errors or cache_size_limit) read and set as PyTorch's, reachable without
an import as in PyTorch, an unknown knob PyTorch's AttributeError; and torch._dynamo's functions."""
import importlib

import pytest

import chainrule as cr
from conftest import requires_torch, torch

KNOBS = [("_inductor", knob) for knob in ["coordinate_descent_tuning", "fx_graph_cache", "epilogue_fusion",
                                          "max_autotune", "freezing", "use_mixed_mm", "triton.unique_kernel_names",
                                          "triton.cudagraphs"]] + \
        [("_dynamo", knob) for knob in ["suppress_errors", "cache_size_limit", "optimize_ddp", "verbose",
                                        "capture_scalar_outputs", "automatic_dynamic_shapes", "recompile_limit"]]


def _config(lib, compiler):
    return importlib.import_module(f"{lib.__name__}.{compiler}.config")


@requires_torch
@pytest.mark.parametrize("compiler, knob", KNOBS)
def test_knobs_have_torchs_defaults_and_can_be_set(compiler, knob):
    values = []
    for lib in (torch, cr):
        owner, _, name = ("." + knob).rpartition(".")
        namespace = _config(lib, compiler)
        for part in filter(None, owner.split(".")):
            namespace = getattr(namespace, part)
        default = getattr(namespace, name)
        changed = not default if isinstance(default, bool) else default + 1
        setattr(namespace, name, changed)
        values.append((default, getattr(namespace, name)))
        setattr(namespace, name, default)
    assert values[0] == values[1]


@requires_torch
def test_import_as_config_and_hasattr_as_llm_c_does():
    import chainrule._inductor.config as config
    assert config is _config(cr, "_inductor") and hasattr(config, "coordinate_descent_tuning")


@pytest.mark.parametrize("compiler", ["_dynamo", "_inductor"])
def test_configs_are_reached_without_an_import_as_in_torch(compiler, monkeypatch):
    import sys
    for name in [name for name in sys.modules if name.startswith(f"chainrule.{compiler}")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(cr, compiler, raising=False)
    assert getattr(cr, compiler).config is sys.modules[f"chainrule.{compiler}.config"]


@requires_torch
@pytest.mark.parametrize("where", ["_inductor.config.", "_inductor.config.triton.", "_dynamo.config."])
def test_an_unknown_knob_is_an_attribute_error_as_torch(where):
    for lib in (torch, cr):
        compiler = where.split(".")[0]
        namespace = _config(lib, compiler).triton if "triton" in where else _config(lib, compiler)
        with pytest.raises(AttributeError, match=f"{where}no_such_knob does not exist"):
            namespace.no_such_knob = 1
        with pytest.raises(AttributeError, match="no_such_knob"):
            namespace.no_such_knob


@requires_torch
def test_dynamo_functions_leave_programs_as_they_are():
    def double(x):
        return 2 * x

    for lib in (torch, cr):
        assert lib._dynamo.disable(double)(3) == 6 and lib._dynamo.disable(recursive=False)(double)(3) == 6
        assert lib._dynamo.is_compiling() is False and lib._dynamo.reset() is None
        assert lib._dynamo.mark_dynamic(lib.zeros(2, 3), 0) is None
        assert lib._dynamo.allow_in_graph(double) is double
    assert cr._dynamo.list_backends() == torch._dynamo.list_backends()
