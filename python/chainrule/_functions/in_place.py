"""The in-place form of an out-of-place function: Tensor.<name>_ writes fn(self, ...) into self, which
must already have the result's dtype (PyTorch's rule: a float result is not cast into an integer
tensor; "result type Float can't be cast to the desired output type Long")."""


def in_place(fn):
    """The method fn_ of Tensor: self.copy_(fn(self, ...)), refusing a change of dtype."""
    def method(self, *args, **kwargs):
        result = fn(self, *args, **kwargs)
        if result.dtype != self.dtype:
            raise RuntimeError(f"{fn.__name__}_: result type {result.dtype} can't be cast to the desired "
                               f"output type {self.dtype}")
        return self.copy_(result)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}: writes the result into self."
    return method
