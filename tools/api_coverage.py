"""How much of PyTorch's API chainrule has: the coverage table in docs/from_pytorch.md, from the code.

The names PyTorch 2.13 offers are read once from an installed torch into tools/pytorch_api.json
(committed, so the table needs no torch); the table marks each name present in chainrule by
looking it up on the imported package, so it cannot drift from the code.

    python3 tools/api_coverage.py                      # rewrite the table in docs/from_pytorch.md
    python3 tools/api_coverage.py --check              # exit 1 when the table is out of date (tests)
    python3 tools/api_coverage.py --refresh-reference  # re-read PyTorch's names (needs torch)
"""
import argparse
import importlib
import inspect
import json
import re
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tools" / "pytorch_api.json"
DOC = ROOT / "docs" / "from_pytorch.md"
BEGIN = "<!-- api-coverage: begin (made by tools/api_coverage.py; do not edit by hand) -->"
END = "<!-- api-coverage: end -->"

# (namespace shown, PyTorch module path, chainrule module path, attribute owner in that module)
NAMESPACES = [
    ("torch", "torch", "chainrule", None),
    ("torch.Tensor", "torch", "chainrule", "Tensor"),
    ("torch.nn", "torch.nn", "chainrule.nn", None),
    ("torch.nn.functional", "torch.nn.functional", "chainrule.nn.functional", None),
    ("torch.nn.init", "torch.nn.init", "chainrule.nn.init", None),
    ("torch.special", "torch.special", "chainrule.special", None),
    ("torch.optim", "torch.optim", "chainrule.optim", None),
    ("torch.optim.lr_scheduler", "torch.optim.lr_scheduler", "chainrule.optim.lr_scheduler", None),
    ("torch.utils.data", "torch.utils.data", "chainrule.utils.data", None),
]
# Subpackages programs reach through `torch.` (torch.__all__ lists functions and classes only).
TORCH_SUBPACKAGES = ["accelerator", "amp", "autograd", "backends", "cuda", "distributed", "distributions",
                     "fft", "hub", "jit", "linalg", "nn", "onnx", "optim", "random", "special", "testing", "utils"]
# Internals of torch.nn and torch.nn.functional that their dir() shows: not API.
NN_INTERNAL = {"modules", "common_types", "factory_kwargs", "qat", "quantizable", "quantized", "intrinsic",
               "attention", "grad", "parameter", "Tensor", "ScalingType", "SwizzleType", "assert_int_or_pair",
               "boolean_dispatch", "handle_torch_function", "has_torch_function", "has_torch_function_unary",
               "has_torch_function_variadic"}


# torch.__all__ also lists backend kernels, JIT/compiler types and quantization internals that no
# training program calls by name; they are left out of the table.
TORCH_INTERNAL = re.compile(r"^(cudnn_|miopen_|mkldnn_|fbgemm_|quantize|quantized_|fake_quantize|q_|sym_|native_"
                            r"|batch_norm_|autocast_|.*_copy$|float8_|float4_|u?int[1-7]$|bits|qu?int)")


def _public(names):
    return sorted({n for n in names if not n.startswith("_")})


def read_pytorch_names():
    """{namespace: [public names]} from the installed PyTorch."""
    import torch
    names = {}
    for shown, module_path, _, owner in NAMESPACES:
        module = importlib.import_module(module_path)
        if owner:
            found = dir(getattr(module, owner))
        elif shown == "torch":
            found = [n for n in torch.__all__ if not TORCH_INTERNAL.match(n) and not _is_internal_class(torch, n)]
            found += TORCH_SUBPACKAGES
        elif hasattr(module, "__all__"):
            found = module.__all__
        else:  # torch.nn and torch.nn.functional: their callables, classes and user-facing subpackages
            found = [n for n in dir(module) if n not in NN_INTERNAL and _is_api(module, getattr(module, n))]
        names[shown] = _public(found)
    return {"pytorch_version": torch.__version__.split("+")[0], "names": names}


def _is_internal_class(module, name):
    """A class of torch's C++ core (JIT types, dispatch keys, ...), not one programs construct."""
    obj = getattr(module, name)
    return isinstance(obj, type) and (type(obj).__name__ == "pybind11_type" or name.endswith("Storage"))


def _is_api(module, obj):
    if isinstance(obj, types.ModuleType):
        return obj.__name__.startswith(module.__name__ + ".")
    home = getattr(obj, "__module__", "") or ""
    return callable(obj) and (home.startswith("torch") or inspect.isbuiltin(obj)) and not home.startswith("typing")


def coverage(reference):
    """[(namespace, present names, missing names)] for chainrule as imported now."""
    rows = []
    for shown, _, cr_path, owner in NAMESPACES:
        target = importlib.import_module(cr_path)
        if owner:
            target = getattr(target, owner)
        present, missing = [], []
        for name in reference["names"][shown]:
            (present if hasattr(target, name) else missing).append(name)
        rows.append((shown, present, missing))
    return rows


def render(reference):
    lines = [BEGIN, "", f"Names of PyTorch {reference['pytorch_version']}'s public API that chainrule has, "
             "per namespace (PyTorch's names from `tools/pytorch_api.json`, chainrule's looked up on the "
             "package):", "", "| namespace | PyTorch names | in chainrule | share |", "|---|---:|---:|---:|"]
    rows = coverage(reference)
    for shown, present, missing in rows:
        total = len(present) + len(missing)
        lines.append(f"| `{shown}` | {total} | {len(present)} | {100 * len(present) / total:.0f}% |")
    for shown, present, missing in rows:
        lines += ["", f"<details><summary><code>{shown}</code>: {len(missing)} not yet in chainrule</summary>", "",
                  ", ".join(f"`{n}`" for n in missing) or "(none)", "", "</details>"]
    lines += ["", END]
    return "\n".join(lines)


def updated_doc(reference):
    text = DOC.read_text()
    table = render(reference)
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        return head + table + rest.split(END, 1)[1]
    return text.rstrip("\n") + "\n\n## Coverage of PyTorch's API\n\n" + table + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when docs/from_pytorch.md is out of date")
    parser.add_argument("--refresh-reference", action="store_true", help="re-read PyTorch's names (needs torch)")
    args = parser.parse_args()
    if args.refresh_reference:
        REFERENCE.write_text(json.dumps(read_pytorch_names(), indent=1) + "\n")
    reference = json.loads(REFERENCE.read_text())
    new = updated_doc(reference)
    if args.check:
        if new != DOC.read_text():
            sys.exit("docs/from_pytorch.md's coverage table is out of date: run python3 tools/api_coverage.py")
        return
    DOC.write_text(new)


if __name__ == "__main__":
    main()
