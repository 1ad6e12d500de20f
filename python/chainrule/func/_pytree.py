"""The pytrees torch.func maps over: nested tuples, lists, namedtuples and dicts of leaves.

flatten(tree) gives the leaves left to right and a spec; unflatten(leaves, spec) rebuilds the same
structure; broadcast_to_flat(prefix, spec) spreads a prefix tree (vmap's in_dims/out_dims, where one
int stands for a whole subtree) over the leaves. None is a node without children, as in PyTorch.
"""

LEAF = None  # the spec of a leaf


def _children(tree):
    """(node type, context, children) for a container, or None for a leaf."""
    if tree is None:
        return type(None), None, []
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree), None, list(tree)
    if isinstance(tree, (tuple, list)):
        return type(tree), None, list(tree)
    if isinstance(tree, dict):
        keys = list(tree)
        return type(tree), keys, [tree[k] for k in keys]
    return None


def flatten(tree):
    """(leaves, spec)."""
    leaves = []

    def visit(node):
        parts = _children(node)
        if parts is None:
            leaves.append(node)
            return LEAF
        kind, context, children = parts
        return kind, context, tuple(visit(child) for child in children)

    return leaves, visit(tree)


def unflatten(leaves, spec):
    """The tree of `spec` with `leaves` in flatten's order."""
    remaining = iter(leaves)

    def build(node_spec):
        if node_spec is LEAF:
            return next(remaining)
        kind, context, child_specs = node_spec
        children = [build(child) for child in child_specs]
        if kind is type(None):
            return None
        if kind in (tuple, list):
            return kind(children)
        if issubclass(kind, tuple):  # a namedtuple
            return kind(*children)
        return kind(zip(context, children))

    return build(spec)


def num_leaves(spec):
    return 1 if spec is LEAF else sum(num_leaves(child) for child in spec[2])


def describe(spec):
    """A short text of a spec for error messages: '*' for a leaf."""
    if spec is LEAF:
        return "*"
    kind, context, child_specs = spec
    inner = ", ".join(describe(child) for child in child_specs)
    if kind is type(None):
        return "None"
    if kind is list:
        return f"[{inner}]"
    if kind is tuple or issubclass(kind, tuple):
        return f"({inner})"
    return "{" + ", ".join(f"{k!r}: {describe(c)}" for k, c in zip(context, child_specs)) + "}"


def broadcast_to_flat(prefix, spec):
    """One entry of `prefix` per leaf of `spec`, a prefix leaf repeated over its whole subtree;
    None when `prefix` is not a prefix of the structure."""
    flat = []

    def spread(node, node_spec):
        parts = _children(node) if node is not None else None
        if parts is None:  # an int or None stands for the whole subtree
            flat.extend([node] * num_leaves(node_spec))
            return True
        if node_spec is LEAF:
            return False
        kind, context, children = parts
        spec_kind, spec_context, child_specs = node_spec
        if kind is not spec_kind or context != spec_context or len(children) != len(child_specs):
            return False
        return all(spread(child, child_spec) for child, child_spec in zip(children, child_specs))

    return flat if spread(prefix, spec) else None
