"""chainrule.jit: script/trace give eager modules and functions that behave like torch's scripted ones
(same outputs, state_dict keys, repr and type names), the decorators and helpers, freeze's checks, and
save/load's honest limits (save keeps the state, load explains why it cannot rebuild a module)."""
import os
import subprocess
import sys
import typing
import warnings

import pytest

import chainrule as cr
from conftest import assert_same_error, requires_torch, torch

# torch 2.13 deprecates script/trace/save/load; one test checks chainrule warns the same, the others ignore it.
pytestmark = pytest.mark.filterwarnings("ignore:`torch.jit:DeprecationWarning")


class _Block(cr.nn.Module):
    scale: cr.jit.Final[float]

    def __init__(self):
        super().__init__()
        self.scale = 2.0
        self.linear = cr.nn.Linear(3, 4)
        self.norm = cr.nn.BatchNorm1d(4)

    def forward(self, x):
        return self._helper(self.norm(self.linear(x)))

    def _helper(self, y):
        return cr.relu(y) * self.scale

    @cr.jit.export
    def features(self, x):
        return self.linear(x)

    @cr.jit.ignore
    def debug_summary(self):
        return "summary"


def _sequential(nn):
    return nn.Sequential(nn.Linear(3, 4), nn.ReLU())


@requires_torch
def test_script_module_matches_torch_repr_type_and_state_dict_keys():
    ours, theirs = cr.jit.script(_sequential(cr.nn)), torch.jit.script(_sequential(torch.nn))
    assert type(ours).__name__ == type(theirs).__name__ == "RecursiveScriptModule"
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.original_name == theirs.original_name == "Sequential"
    assert isinstance(ours, cr.jit.ScriptModule) and isinstance(ours, cr.nn.Module)


def test_script_module_shares_parameters_and_gives_the_same_outputs():
    cr.manual_seed(0)
    model = _Block()
    scripted = cr.jit.script(model)
    assert [name for name, _ in scripted.named_parameters()] == [name for name, _ in model.named_parameters()]
    assert all(a is b for a, b in zip(scripted.parameters(), model.parameters()))
    x = cr.randn(5, 3)
    model.eval()
    scripted.eval()
    assert cr.equal(scripted(x), model(x))
    assert cr.equal(scripted.features(x), model.features(x))
    assert scripted.debug_summary() == "summary"
    assert cr.jit.script(scripted) is scripted


def _with_own_repr(nn):
    """A Sequential around a module whose class defines __repr__, as einops' Rearrange and EinMix do."""
    class Named(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)

        def forward(self, x):
            return self.linear(x)

        def __repr__(self):
            return "Named(its own repr)"
    return nn.Sequential(Named(), nn.ReLU())


@requires_torch
def test_scripted_and_traced_modules_print_as_torchs_whatever_repr_their_class_defines():
    # einops' EinMix tutorial scripts EinMix blocks: torch prints RecursiveScriptModule(original_name=EinMix)
    assert repr(cr.jit.script(_with_own_repr(cr.nn))) == repr(torch.jit.script(_with_own_repr(torch.nn)))
    assert repr(cr.jit.trace(_with_own_repr(cr.nn), cr.ones(1, 2))) == \
        repr(torch.jit.trace(_with_own_repr(torch.nn), torch.ones(1, 2)))


@requires_torch
def test_scripted_training_flag_is_its_own_as_in_torch():
    for jit, nn in ((cr.jit, cr.nn), (torch.jit, torch.nn)):
        model = _sequential(nn)
        scripted = jit.script(model)
        scripted.eval()
        assert (scripted.training, model.training) == (False, True)
        assert scripted.to("cpu") is scripted


@requires_torch
def test_trace_runs_the_example_once_and_matches_torch_repr():
    seen = []

    class Probe(cr.nn.Module):
        def forward(self, x):
            seen.append(cr.jit.is_tracing())
            return x * 2

    traced = cr.jit.trace(Probe(), cr.ones(2))
    assert seen == [True] and not cr.jit.is_tracing()
    assert cr.equal(traced(cr.ones(3)), cr.full((3,), 2.0)) and seen[-1] is False
    ours = cr.jit.trace(_sequential(cr.nn), cr.randn(2, 3))
    theirs = torch.jit.trace(_sequential(torch.nn), torch.randn(2, 3))
    assert type(ours).__name__ == type(theirs).__name__ == "TopLevelTracedModule"
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


@requires_torch
def test_trace_errors_match_torch():
    assert_same_error(lambda: cr.jit.trace(_sequential(cr.nn)), lambda: torch.jit.trace(_sequential(torch.nn)))
    with pytest.raises((RuntimeError, ValueError)):   # an example that does not fit fails at trace time
        cr.jit.trace(_sequential(cr.nn), cr.randn(2, 5))


def test_trace_module_runs_each_named_method():
    model = _Block().eval()
    traced = cr.jit.trace_module(model, {"forward": cr.randn(2, 3), "features": (cr.randn(2, 3),)})
    assert isinstance(traced, cr.jit.TopLevelTracedModule)
    x = cr.randn(2, 3)
    assert cr.equal(traced(x), model(x))


def test_script_and_trace_functions():
    @cr.jit.script
    def double(x):
        return x * 2

    assert isinstance(double, cr.jit.ScriptFunction)
    assert (double.name, double.qualified_name, double.__name__) == ("double", "__torch__.double", "double")
    assert cr.equal(double(cr.ones(2)), cr.full((2,), 2.0))
    traced = cr.jit.trace(lambda x: x + 1, cr.zeros(2))
    assert isinstance(traced, cr.jit.ScriptFunction) and cr.equal(traced(cr.zeros(1)), cr.ones(1))


def test_code_and_graph_say_nothing_was_compiled():
    for compiled in (cr.jit.script(_sequential(cr.nn)), cr.jit.script(lambda x: x)):
        for attribute in ("code", "graph", "inlined_graph"):
            with pytest.raises(RuntimeError, match="does not compile it to TorchScript"):
                getattr(compiled, attribute)


@requires_torch
def test_freeze_checks_match_torch_and_keep_outputs():
    assert_same_error(lambda: cr.jit.freeze(_sequential(cr.nn)), lambda: torch.jit.freeze(_sequential(torch.nn)))
    assert_same_error(lambda: cr.jit.freeze(cr.jit.script(_sequential(cr.nn))),
                      lambda: torch.jit.freeze(torch.jit.script(_sequential(torch.nn))))
    scripted = cr.jit.script(_sequential(cr.nn)).eval()
    frozen = cr.jit.freeze(scripted)
    assert frozen is not scripted and isinstance(frozen, cr.jit.ScriptModule)
    x = cr.randn(4, 3)
    assert cr.equal(frozen(x), scripted(x))
    model = _sequential(cr.nn).eval()
    optimized = cr.jit.optimize_for_inference(model)
    assert isinstance(optimized, cr.jit.ScriptModule) and cr.equal(optimized(x), model(x))


@requires_torch
def test_helpers_behave_as_torch_eagerly():
    assert cr.jit.Final is typing.Final is torch.jit.Final
    assert cr.jit.is_scripting() is torch.jit.is_scripting() is False
    assert cr.jit.annotate(typing.List[int], []) == []
    future = cr.jit.fork(lambda a, b: a + b, 2, b=3)
    assert cr.jit.wait(future) == 5 and future.done() and future.then(lambda f: f.value() * 2).wait() == 10
    with pytest.raises(ValueError):
        cr.jit.fork(int, "x")
    with cr.jit.optimized_execution(False):
        pass

    def fn():
        return 1
    for decorator in ("ignore", "unused", "export"):
        ours, theirs = getattr(cr.jit, decorator)(fn), getattr(torch.jit, decorator)(lambda: 1)
        assert ours is fn and ours._torchscript_modifier == theirs._torchscript_modifier
    with pytest.warns(FutureWarning, match=r"ignore\(True\) has been deprecated"):
        dropped = torch.jit.ignore(drop=True)(lambda: 1)
    with pytest.warns(FutureWarning, match=r"ignore\(True\) has been deprecated.*Use torch.jit.unused now"):
        assert cr.jit.ignore(drop=True)(fn)._torchscript_modifier == dropped._torchscript_modifier


def test_subclassing_script_module_with_script_method():
    class Old(cr.jit.ScriptModule):
        def __init__(self):
            super().__init__()
            self.weight = cr.nn.Parameter(cr.ones(2))

        @cr.jit.script_method
        def forward(self, x):
            return x * self.weight

    module = Old()
    assert cr.equal(module(cr.full((2,), 3.0)), cr.full((2,), 3.0)) and list(module.state_dict()) == ["weight"]


def test_save_keeps_the_state_and_load_explains(tmp_path):
    model = _Block()
    path = tmp_path / "block.pt"
    cr.jit.save(cr.jit.script(model), path, _extra_files={"notes.txt": b"hello"})
    saved = cr.load(path)
    assert saved["original_name"] == "_Block" and saved["extra_files"] == {"notes.txt": b"hello"}
    assert all(cr.equal(saved["state_dict"][k], v) for k, v in model.state_dict().items())
    extra = {"notes.txt": ""}
    with pytest.raises(RuntimeError, match=r"cannot rebuild a module without its Python class.*_Block\(") as error:
        cr.jit.load(path, _extra_files=extra)
    assert "load_state_dict" in str(error.value) and extra == {"notes.txt": b"hello"}
    with pytest.raises(AttributeError, match="has no attribute 'save'"):
        cr.jit.save(model, tmp_path / "plain.pt")
    with pytest.raises(RuntimeError, match="is a function"):
        cr.jit.save(cr.jit.script(lambda x: x), tmp_path / "fn.pt")
    with pytest.raises(ValueError, match="does not exist"):
        cr.jit.load(tmp_path / "missing.pt")


@requires_torch
def test_load_of_a_torchscript_archive_says_it_cannot_run_it(tmp_path):
    path = tmp_path / "torchscript.pt"
    torch.jit.save(torch.jit.script(_sequential(torch.nn)), str(path))
    with pytest.raises(RuntimeError, match="is a TorchScript archive"):
        cr.jit.load(path)
    with open(path, "rb") as file, pytest.raises(RuntimeError, match="is a TorchScript archive"):
        cr.jit.load(file)
    cr.save({"w": cr.ones(1)}, tmp_path / "plain.pt")
    with pytest.raises(RuntimeError, match="was not written by jit.save"):
        cr.jit.load(tmp_path / "plain.pt")


@requires_torch
@pytest.mark.filterwarnings("default")
@pytest.mark.parametrize("name, alternative", [("script", "`torch.compile` or `torch.export`"),
                                               ("trace", "`torch.compile` or `torch.export`"),
                                               ("save", "`torch.export`")])
def test_deprecation_warnings_match_torch(tmp_path, name, alternative):
    calls = {"script": lambda lib: lib.jit.script(_sequential(lib.nn)),
             "trace": lambda lib: lib.jit.trace(_sequential(lib.nn), lib.ones(1, 3)),
             "save": lambda lib: lib.jit.save(lib.jit.script(_sequential(lib.nn)), str(tmp_path / "m.pt"))}
    for lib in (torch, cr):
        with pytest.warns(DeprecationWarning) as record:
            calls[name](lib)
        assert f"`torch.jit.{name}` is deprecated. Please switch to {alternative}." in {str(w.message) for w in record}


@requires_torch
def test_deprecation_warnings_stay_hidden_under_default_filters_as_torchs_do(tmp_path):
    # torch warns from inside torch.jit, where Python's default filters hide a DeprecationWarning; a
    # program's own line would show it on every run
    program = ("import {lib} as torch\nm = torch.nn.Linear(3, 2)\ntorch.jit.trace(m, torch.ones(1, 3))\n"
               "torch.jit.script(m)\n")
    for lib in ("torch", "chainrule"):
        (tmp_path / "prog.py").write_text(program.format(lib=lib))
        result = subprocess.run([sys.executable, str(tmp_path / "prog.py")], capture_output=True, text=True,
                                timeout=120, env={k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"})
        assert result.returncode == 0 and "DeprecationWarning" not in result.stderr, (lib, result.stderr[-800:])

def test_a_scripted_module_exports_to_onnx(tmp_path):
    onnxruntime = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (checks the export)")
    model = _sequential(cr.nn).eval()
    cr.onnx.export(cr.jit.script(model), cr.randn(1, 3), str(tmp_path / "m.onnx"), input_names=["x"])
    x = cr.randn(1, 3)   # the exported batch size is fixed
    (got,) = onnxruntime.InferenceSession(str(tmp_path / "m.onnx")).run(None, {"x": x.numpy()})
    assert cr.allclose(cr.from_numpy(got), model(x).detach(), atol=1e-6)


_ISINSTANCE_CASES = [
    ([1], list), ({}, typing.Dict), ((), tuple), (1, typing.Optional), (1, typing.Any), ((1, "a"), tuple[int, str]),
    (None, typing.Optional[int]), (3, typing.Union[int, str]), ([], list[int]), ((1, 2, 3), typing.Tuple[int, ...]),
    (True, int), (1, float), ([1, "a"], list[int]), ({"a": 1}, typing.Dict[str, int]),
    ({"a": [1, 2.0]}, dict[str, list[int]]), (None, int | None), ((), tuple[int])]


@requires_torch
@pytest.mark.parametrize("value, target", _ISINSTANCE_CASES)
def test_isinstance_matches_torch(value, target):
    def check(lib):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = lib.jit.isinstance(value, target)
            except (RuntimeError, TypeError) as error:
                result = type(error), str(error)
        return result, [str(warning.message) for warning in caught]
    assert check(cr) == check(torch)
    assert cr.jit.isinstance({"w": cr.ones(1)}, typing.Dict[str, cr.Tensor])


def test_trace_runs_check_inputs_when_check_trace():
    shapes = []
    record = lambda x: shapes.append(tuple(x.shape)) or x  # noqa: E731
    cr.jit.trace(record, cr.ones(2), check_inputs=[(cr.ones(3),), (cr.ones(4),)])
    cr.jit.trace(record, cr.ones(5), check_trace=False, check_inputs=[(cr.ones(6),)])
    assert shapes == [(2,), (3,), (4,), (5,)]
    with pytest.raises((RuntimeError, ValueError)):
        cr.jit.trace(_sequential(cr.nn), cr.ones(1, 3), check_inputs=[(cr.ones(1, 5),)])
