"""einsum: Einstein summation reduced to diagonal, sum, permute, reshape and bmm, so it is as fast as the
matmul it amounts to and differentiable through those ops.

Steps: parse (explicit '->' or implicit output: ellipsis dims, then the labels seen once, sorted);
per operand take the diagonal of repeated labels and sum labels no one else needs; then contract the
operands left to right, each pair as one bmm over (batch labels, kept labels, summed labels); last,
sum what the output does not keep and permute into the output order. Ellipsis dims broadcast
(right-aligned) and become labels '.0', '.1', ...; a size-1 dim broadcasts against any size.
"""
import string

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.diagonals import diagonal


def _parse_operand(spec, ndim, ellipsis_rank, index):
    """The labels of one operand's dims, with its ellipsis as the right-aligned labels '.k'."""
    if spec.count("...") > 1:
        raise _C.InvalidArgumentError(f"einsum(): found more than one ellipsis in the subscripts of operand {index}")
    if "..." not in spec:
        labels = list(spec)
        if len(labels) != ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(labels)}) does not "
                               f"match the number of dimensions ({ndim}) for operand {index} and no ellipsis "
                               "was given")
        return labels
    head, tail = spec.split("...")
    covered = ndim - len(head) - len(tail)
    if covered < 0:
        raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(head) + len(tail)}) is "
                           f"more than the number of dimensions ({ndim}) for operand {index}")
    return list(head) + [f".{ellipsis_rank - covered + k}" for k in range(covered)] + list(tail)


def _check_letters(part):
    for c in part.replace("...", ""):
        if c not in string.ascii_letters:
            raise _C.InvalidArgumentError(f"einsum(): invalid subscript given at index in the equation string, "
                                          f"subscripts must be in [a-zA-Z], got {c!r}")


def _parse(equation, operands):
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(operands):
        raise _C.InvalidArgumentError("einsum(): more operands were provided than specified in the equation"
                                      if len(operands) > len(specs) else
                                      "einsum(): fewer operands were provided than specified in the equation")
    for part in specs + [rhs]:
        _check_letters(part)
    rank = max((op.ndim - len(s.replace("...", "")) for s, op in zip(specs, operands) if "..." in s), default=0)
    inputs = [_parse_operand(s, op.ndim, rank, i) for i, (s, op) in enumerate(zip(specs, operands))]
    dots = [f".{k}" for k in range(rank)]
    if arrow:
        if rhs.count("...") > 1:
            raise _C.InvalidArgumentError("einsum(): found more than one ellipsis in the output subscripts")
        head, _, tail = rhs.partition("...")
        output = list(head) + (dots if "..." in rhs else []) + list(tail)
        seen = {label for labels in inputs for label in labels}
        for label in output:
            if label not in seen and not label.startswith("."):
                raise RuntimeError(f"einsum(): output subscript {label} does not appear in the equation for any "
                                   "input operand")
        if len(set(output)) != len(output):
            raise RuntimeError(f"einsum(): output subscript appears more than once in the output: {rhs}")
    else:
        counts = {}
        for labels in inputs:
            for label in labels:
                counts[label] = counts.get(label, 0) + 1
        output = dots + sorted(label for label, n in counts.items() if n == 1 and not label.startswith("."))
    return inputs, output


def _label_sizes(inputs, operands):
    sizes = {}
    for i, (labels, op) in enumerate(zip(inputs, operands)):
        for label, size in zip(labels, op.shape):
            seen = sizes.get(label, 1)
            if size != seen and size != 1 and seen != 1:
                raise RuntimeError(f"einsum(): subscript {label} has size {size} for operand {i} which does not "
                                   f"broadcast with previously seen size {seen}")
            sizes[label] = size if seen == 1 else seen
    return sizes


def _take_diagonals(op, labels):
    """Repeated labels in one operand become one dim holding their diagonal."""
    while len(set(labels)) != len(labels):
        label = next(lb for lb in labels if labels.count(lb) > 1)
        first = labels.index(label)
        second = labels.index(label, first + 1)
        op = diagonal(op, 0, first, second)
        labels = [lb for k, lb in enumerate(labels) if k not in (first, second)] + [label]
    return op, labels


def _sum_out(op, labels, keep):
    dims = [k for k, label in enumerate(labels) if label not in keep]
    if not dims:
        return op, labels
    return op.sum(dims), [label for label in labels if label in keep]


def _contract(a, la, b, lb, needed, sizes):
    """a and b contracted into one tensor over the labels `needed` later (batch: in both and needed)."""
    batch = [label for label in la if label in lb and label in needed]
    summed = [label for label in la if label in lb and label not in needed]
    only_a = [label for label in la if label not in lb]
    only_b = [label for label in lb if label not in la]

    def arrange(t, labels, order):
        t = t.permute(*[labels.index(label) for label in order])
        return t.expand(*[sizes[label] if label in batch or label in summed else t.shape[k]
                          for k, label in enumerate(order)])

    a = arrange(a, la, batch + only_a + summed)
    b = arrange(b, lb, batch + summed + only_b)
    batch_shape = [sizes[label] for label in batch]
    m = _numel(a.shape[len(batch):len(batch) + len(only_a)])
    n = _numel(b.shape[len(batch) + len(summed):])
    k = _numel([sizes[label] for label in summed])
    nb = _numel(batch_shape)
    product = _C.bmm(a.reshape(nb, m, k), b.reshape(nb, k, n))
    shape = batch_shape + list(a.shape[len(batch):len(batch) + len(only_a)]) + list(b.shape[len(batch) + len(summed):])
    return product.reshape(*shape), batch + only_a + only_b


def _numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _from_sublists(args):
    """einsum(op0, [0, 1], op1, [1, 2], [0, 2]) -> ('ab,bc->ac', [op0, op1])."""
    def letters(sublist):
        return "".join("..." if s is Ellipsis else string.ascii_letters[s] for s in sublist)
    operands, specs = list(args[0:len(args) - len(args) % 2:2]), [letters(s) for s in args[1::2]]
    equation = ",".join(specs)
    if len(args) % 2:
        equation += "->" + letters(args[-1])
    return equation, operands


def einsum(*args):
    """Einstein summation: einsum('bij,bjk->bik', a, b) is a batched matmul; 'ii->i' a diagonal, 'ii' a
    trace, '...' broadcast dims. Also the sublist form einsum(a, [0, 1], b, [1, 2], [0, 2])."""
    if len(args) < 2:
        raise ValueError("einsum(): must specify the equation string and at least one operand, or at least one "
                         "operand and its subscripts list")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        equation, operands = _from_sublists(args)
    for op in operands:
        if not isinstance(op, Tensor):
            raise TypeError(f"einsum(): operands must be tensors, got {type(op).__name__}")
    inputs, output = _parse(equation, operands)
    sizes = _label_sizes(inputs, operands)
    terms = []
    for i, (op, labels) in enumerate(zip(operands, inputs)):
        op, labels = _take_diagonals(op, labels)
        elsewhere = set(output).union(*(inputs[j] for j in range(len(inputs)) if j != i))
        terms.append(_sum_out(op, labels, elsewhere))
    result, labels = terms[0]
    for j in range(1, len(terms)):
        needed = set(output).union(*(inputs[k] for k in range(j + 1, len(inputs))))
        result, labels = _contract(result, labels, *terms[j], needed, sizes)
    result, labels = _sum_out(result, labels, set(output))
    present = [label for label in output if label in labels]
    result = result.permute(*[labels.index(label) for label in present]) if present else result
    if len(present) != len(output):  # an ellipsis dim no operand has (rank 0): a size-1 axis
        for k, label in enumerate(output):
            if label not in labels:
                result = result.unsqueeze(k)
    return result
