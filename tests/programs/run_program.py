"""Runs a PyTorch program under chainrule with only its imports changed, or under PyTorch as it is.

    python3 tests/programs/run_program.py --backend chainrule tests/programs/vae.py --epochs 2
    python3 tests/programs/run_program.py --backend torch tests/programs/vae.py --epochs 2

For chainrule, each import of torch becomes the same import of chainrule, as a user would edit it:
`import torch` -> `import chainrule as torch`, `import torch.nn as nn` -> `import chainrule.nn as nn`,
`from torch.utils.data import X` -> `from chainrule.utils.data import X`. Nothing else changes; the
program runs as __main__ with its own arguments, from its own folder.
"""
import argparse
import os
import re
import sys
import types

_IMPORT_REWRITES = [
    (re.compile(r"^(\s*)import torch(\s*(#.*)?)$"), r"\1import chainrule as torch\2"),
    (re.compile(r"^(\s*)import torch\.([\w.]+)"), r"\1import chainrule.\2"),
    (re.compile(r"^(\s*)from torch(\.[\w.]+)? import"), r"\1from chainrule\2 import"),
]


def with_chainrule_imports(source):
    """The program's source with each torch import line turned into the chainrule one."""
    lines = []
    for line in source.splitlines():
        for pattern, replacement in _IMPORT_REWRITES:
            line = pattern.sub(replacement, line)
        lines.append(line)
    return "\n".join(lines) + "\n"


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
