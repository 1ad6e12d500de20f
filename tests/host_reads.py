"""no_host_reads(): a block in which reading a tensor's values on the host from Python (.item(),
.tolist(), .numpy(), bool/float/int, np.asarray, .cpu()) raises. On a GPU each such read waits for
the device, so a forward or backward run inside the block is shown to queue work without waiting,
on any machine. Reads inside the C++ core are not seen."""
import contextlib

import chainrule as cr

_READS = ("item", "tolist", "numpy", "__bool__", "__float__", "__int__", "__array__", "cpu")


@contextlib.contextmanager
def no_host_reads():
    saved = {name: getattr(cr.Tensor, name) for name in _READS}

    def refuse(name):
        def read(self, *args, **kwargs):
            raise AssertionError(f"a host read of a tensor (Tensor.{name}) inside a block that must not wait for "
                                 "the device")
        return read

    try:
        for name in _READS:
            setattr(cr.Tensor, name, refuse(name))
        yield
    finally:
        for name, method in saved.items():
            setattr(cr.Tensor, name, method)
