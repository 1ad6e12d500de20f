"""Runs a PyTorch program under chainrule with only its imports changed, or under PyTorch as it is.

    python3 tests/programs/run_program.py --backend chainrule tests/programs/vae.py --epochs 2
    python3 tests/programs/run_program.py --backend torch tests/programs/vae.py --epochs 2

For chainrule, each import of torch becomes the same import of chainrule, as a user would edit it:
`import torch` -> `import chainrule as torch`, `import torch as t` -> `import chainrule as t`,
`import torch.nn as nn` -> `import chainrule.nn as nn`, `from torch.utils.data import X` ->
`from chainrule.utils.data import X`. einops' torch layers (`from einops.layers.torch import
Rearrange`) stay as they are: chainrule's modules take them in as chainrule layers. The same edit
applies to the program's own modules (the .py files in its folder that it imports, e.g. a
data_utils.py beside it). Nothing else changes; the program runs as __main__ with its own arguments,
from its own folder.
"""
import argparse
import importlib.machinery
import importlib.util
import os
import re
import sys
import types

_IMPORT_REWRITES = [
    (re.compile(r"^(\s*)import torch(\s*(#.*)?)$"), r"\1import chainrule as torch\2"),
    (re.compile(r"^(\s*)import torch(\s+as\s+\w+)"), r"\1import chainrule\2"),
    # `import torch.utils.data` alone also binds `torch` (labml_nn's capsule networks use torch.nn through it)
    (re.compile(r"^(\s*)import torch\.([\w.]+)(\s*(#.*)?)$"), r"\1import chainrule.\2; import chainrule as torch\3"),
    (re.compile(r"^(\s*)import torch\.([\w.]+)"), r"\1import chainrule.\2"),
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import"), r"\1from chainrule\2 import"),
]


_IMPORT_LIST = re.compile(r"^(\s*)import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)+)(\s*(#.*)?)$")


def _with_chainrule_import_list(line):
    """`import torch, torch.nn as nn, math` with each torch name turned into its chainrule one (the
    line-wise rewrites above only see a line that imports torch alone, and left such a line on PyTorch)."""
    match = _IMPORT_LIST.match(line)
    if match is None:
        return line
    names = []
    for name in (part.strip() for part in match.group(2).split(",")):
        module, _, alias = (piece.strip() for piece in name.partition(" as "))
        if module == "torch":
            names.append(f"chainrule as {alias or 'torch'}")
        elif module.startswith("torch."):
            renamed = "chainrule" + module[len("torch"):]
            names.append(f"{renamed} as {alias}" if alias else f"{renamed}, chainrule as torch")
        else:
            names.append(name)
    return f"{match.group(1)}import {', '.join(names)}{match.group(3)}"


_SPACED_IMPORT = re.compile(r"^(\s*)(import|from)\s+(\S+)(?:\s+(import)\s+)?")
_TORCH_IMPORT_LEFT = re.compile(r"^\s*(import|from)\s+torch\b")


def _single_spaced(line):
    """`import  torch` and `from  torch  import x` with single spaces, as the rewrites expect them."""
    return _SPACED_IMPORT.sub(lambda m: f"{m.group(1)}{m.group(2)} {m.group(3)}" + (" import " if m.group(4) else ""),
                              line, count=1)


def with_chainrule_imports(source):
    """The program's source with each torch import line turned into the chainrule one. A torch import
    left unrewritten is an error: the program would run on PyTorch and look like a chainrule pass."""
    lines = []
    for number, line in enumerate(source.splitlines(), 1):
        line = _with_chainrule_import_list(_single_spaced(line))
        for pattern, replacement in _IMPORT_REWRITES:
            line = pattern.sub(replacement, line)
        if _TORCH_IMPORT_LEFT.match(line):
            raise SystemExit(f"run_program: line {number} imports torch in a form this runner cannot rewrite: {line.strip()}")
        lines.append(line)
    return "\n".join(lines) + "\n"


class _ChainruleImportsLoader(importlib.machinery.SourceFileLoader):
    """Loads a module of the program's folder from its source with the torch imports edited (never from a
    cached .pyc, which may hold the unedited code of a PyTorch run)."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        source = importlib.util.decode_source(self.get_data(path))
        return compile(with_chainrule_imports(source), path, "exec", dont_inherit=True)


class _ProgramFolderFinder:
    """Finds the modules that live under the program's folder and has _ChainruleImportsLoader load them."""

    def __init__(self, folder):
        self.folder = os.path.join(folder, "")

    def find_spec(self, name, path, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not (spec.origin or "").endswith(".py") or not spec.origin.startswith(self.folder):
            return None
        spec.loader = _ChainruleImportsLoader(name, spec.origin)
        return spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["chainrule", "torch"], required=True)
    parser.add_argument("program")
    parser.add_argument("program_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    path = os.path.abspath(args.program)
    with open(path) as f:
        source = f.read()
    if args.backend == "chainrule":
        source = with_chainrule_imports(source)
        sys.meta_path.insert(0, _ProgramFolderFinder(os.path.dirname(path)))
    sys.argv = [path] + args.program_args
    sys.path[0] = os.path.dirname(path)
    code = compile(source, path, "exec")
    # a real __main__ module, as `python program.py` gives: pickle finds the program's classes there
    main_module = types.ModuleType("__main__")
    main_module.__file__ = path
    sys.modules["__main__"] = main_module
    exec(code, main_module.__dict__)


if __name__ == "__main__":
    main()
