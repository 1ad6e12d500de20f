"""How modules name an object's type in error messages and indent nested reprs, as torch.nn does."""
from chainrule._C import Tensor


def typename(obj):
    """'chainrule.Tensor', 'int', 'mypkg.Thing': how errors name an assigned object's type."""
    if isinstance(obj, Tensor):
        return "chainrule.Tensor"
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


def addindent(text, spaces):
    """Every line of `text` after the first indented by `spaces` (a child module's repr); blank lines
    stay empty, as PyTorch's."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line if line.strip() else "" for line in lines[1:])
