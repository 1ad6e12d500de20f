"""Writes python/chainrule/_functions/out_argument_names.py: the chainrule functions whose PyTorch
counterpart takes `out=`, read once from an installed torch (chainrule needs no torch at run time).

Where PyTorch says so:
  torch.<name>          the overloads in torch/_C/_VariableFunctions.pyi (generated from the same
                        declarations as the Python bindings), or inspect.signature for the functions
                        torch writes in Python (tensordot, chain_matmul, ...; the docstring's
                        "out (" for a (*args, **kwargs) dispatcher such as torch.lu);
  torch.linalg/special  an out= overload of the ATen op linalg_<name> / special_<name> that is not
                        tagged generated (their bindings have no stub file), or inspect.signature
                        for a Python function.
Only names chainrule has are listed; a chainrule function that takes out= itself (the factories
bound in C++) is left out. A factory among the rest (each out= overload also takes device=)
makes its result in out's dtype and device, as PyTorch's factories do.

    python3 tools/list_out_functions.py          # rewrite the names file
    python3 tools/list_out_functions.py --check  # exit 1 when the names file is out of date
"""
import argparse
import inspect
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TARGET = ROOT / "python" / "chainrule" / "_functions" / "out_argument_names.py"
HEADER = '''"""The chainrule functions whose PyTorch counterpart takes out=, which out_argument.py wraps.

Made by tools/list_out_functions.py from an installed torch; do not edit by hand (rerun it when
chainrule gains a function PyTorch gives out=). FACTORIES make their result in out's dtype and device.
"""
'''


def _stub_overloads(torch):
    """{name: [parameter text of each overload]} from torch's _VariableFunctions.pyi."""
    stub = pathlib.Path(torch.__file__).parent / "_C" / "_VariableFunctions.pyi"
    overloads = {}
    for match in re.finditer(r"^def (\w+)\((.*?)\)\s*->", stub.read_text(), re.S | re.M):
        overloads.setdefault(match.group(1), []).append(match.group(2))
    return overloads


def _python_signature_has_out(function):
    """out among the parameters; for a (*args, **kwargs) dispatcher (torch.lu), an `out (` in its doc."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()) and "out" not in parameters:
        return re.search(r"^\s*out \(", function.__doc__ or "", re.M) is not None
    return "out" in parameters


def _has_own_out(function):
    """A chainrule function bound in C++ whose signature already takes out= (the factories)."""
    first_line = (getattr(function, "__doc__", None) or "").split("\n", 1)[0]
    return inspect.isbuiltin(function) and re.search(r"\bout\b", first_line) is not None


def _candidates(torch_module, chainrule_module):
    for name in sorted(dir(chainrule_module)):
        if name.startswith("_") or not hasattr(torch_module, name):
            continue
        ours, theirs = getattr(chainrule_module, name), getattr(torch_module, name)
        if callable(ours) and callable(theirs) and not isinstance(ours, type) and not inspect.ismodule(ours):
            if not _has_own_out(ours):
                yield name, theirs


def torch_level(torch, chainrule):
    """(names, factories) of torch.<name>."""
    stubs = _stub_overloads(torch)
    names, factories = [], []
    for name, theirs in _candidates(torch, chainrule):
        if inspect.isbuiltin(theirs) and name in stubs:
            with_out = [params for params in stubs[name] if re.search(r"\bout:", params)]
            if with_out:
                names.append(name)
            if with_out and all(re.search(r"\bdevice:", params) for params in with_out):
                factories.append(name)
        elif _python_signature_has_out(theirs):
            names.append(name)
    return names, factories


def _bound_with_out(torch, aten_name):
    """An overload of the ATen op with an out argument that the Python bindings offer: not one the
    build generates for its own use (tagged generated, as linalg_matrix_exp.out, which
    torch.linalg.matrix_exp does not take)."""
    packet = getattr(torch.ops.aten, aten_name, None)
    overloads = [getattr(packet, name) for name in packet.overloads()] if packet is not None else []
    return any(any(argument.is_out for argument in op._schema.arguments) and torch.Tag.generated not in op.tags
               for op in overloads)


def namespace_level(torch, torch_module, chainrule_module, aten_prefix):
    """Names of torch.linalg / torch.special whose ATen op (or Python signature) has out=."""
    return [name for name, theirs in _candidates(torch_module, chainrule_module)
            if (_bound_with_out(torch, aten_prefix + name) if inspect.isbuiltin(theirs)
                else _python_signature_has_out(theirs))]


def _tuple_source(variable, names):
    lines, line = [], "   "
    for name in names:
        item = f' "{name}",'
        if len(line) + len(item) > 110:
            lines.append(line)
            line = "   "
        line += item
    lines.append(line)
    return f"{variable} = (\n" + "\n".join(lines) + "\n)\n"


def render():
    import torch
    import chainrule
    names, factories = torch_level(torch, chainrule)
    linalg = namespace_level(torch, torch.linalg, chainrule.linalg, "linalg_")
    special = namespace_level(torch, torch.special, chainrule.special, "special_")
    return (HEADER + "\n" + _tuple_source("TORCH", names) + "\n" + _tuple_source("FACTORIES", factories) + "\n"
            + _tuple_source("LINALG", linalg) + "\n" + _tuple_source("SPECIAL", special))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the names file is out of date")
    text = render()
    if parser.parse_args().check:
        if TARGET.read_text() != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python3 tools/list_out_functions.py")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
