"""nn modules call their functions directly (issue 16): a family of layers sharing one forward holds its
function itself (_functional = staticmethod(F.<function>)), never its name for getattr, so a reader can
jump to it. (The ONNX tracer wraps them there too: tests/test_onnx.py exports ReLU, the convs, the pools.)"""
import inspect
import pathlib
import re

import pytest

import chainrule as cr
import chainrule.nn.functional as F

MODULES_DIR = pathlib.Path(cr.nn.modules.__file__).parent
HOLDERS = sorted(name for name, cls in vars(cr.nn).items()
                 if inspect.isclass(cls) and issubclass(cls, cr.nn.Module) and getattr(cls, "_functional", None))


def test_no_module_picks_a_function_by_its_name():
    by_name = re.compile(r"getattr\((F|_C|_C\._nn|chainrule|cr)\s*,")
    found = [f"{path.name}:{number}" for path in sorted(MODULES_DIR.glob("*.py"))
             for number, line in enumerate(path.read_text().splitlines(), 1) if by_name.search(line)]
    assert found == []


def test_the_function_holders_are_found():
    assert {"ReLU", "Conv2d", "MaxPool2d", "Dropout", "MarginRankingLoss", "Softmax"} <= set(HOLDERS)


@pytest.mark.parametrize("name", HOLDERS)
def test_a_held_function_is_the_functional_one(name):
    function = getattr(cr.nn, name)._functional
    assert getattr(F, function.__name__) is function

