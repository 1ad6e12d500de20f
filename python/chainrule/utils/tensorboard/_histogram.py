"""The Summary protocol buffer of a histogram (add_histogram), bucketed as torch.utils.tensorboard does.

bins='tensorflow' (the default) uses TensorFlow's fixed buckets: limits growing by 10% from 1e-12 to
1e20 on each side of 0; any other `bins` goes to numpy.histogram (a count, edges, or a name such as
'auto' or 'fd'). Only the span from the first to the last non-empty bucket is written, with one
empty bucket in front, and max_bins merges neighbouring buckets (TensorFlow's histogram.cc).
NaN values are left out of the buckets but count in num (and make min, max and sum NaN) as in
PyTorch; all-NaN input raises PyTorch's ValueError.
"""
import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary

from chainrule.utils.tensorboard._convert import to_numpy

EMPTY_MESSAGE = "The histogram is empty, please file a bug report."


def tensorflow_bins():
    """TensorFlow's default bucket limits: -1e20 .. -1e-12, 0, 1e-12 .. 1e20 in steps of 10%."""
    limit, positive = 1e-12, []
    while limit < 1e20:
        positive.append(limit)
        limit *= 1.1
    return [-v for v in reversed(positive)] + [0] + positive


TENSORFLOW_BINS = tensorflow_bins()             # a list, as PyTorch's SummaryWriter.default_bins
_TENSORFLOW_EDGES = np.array(TENSORFLOW_BINS)   # made once: numpy.histogram would convert the list on every call


def _merged(counts, limits, max_bins):
    """At most about max_bins buckets: each run of `len(counts) // max_bins` neighbours becomes one."""
    group = len(counts) // max_bins
    counts = np.pad(counts, (0, -len(counts) % group)).reshape(-1, group).sum(axis=-1)
    return counts, np.append(limits[:-1:group], limits[-1])


def histogram_proto(values, bins, max_bins=None, caller="add_histogram"):
    """HistogramProto of `values` (any shape) in `bins`."""
    values = to_numpy(values, caller).astype(float).reshape(-1)
    if values.size == 0:
        raise ValueError(f"{caller}: the input has no element")
    if isinstance(bins, str) and bins == "tensorflow":
        bins = _TENSORFLOW_EDGES
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        counts, limits = _merged(counts, limits, max_bins)
    filled = np.flatnonzero(counts)
    if filled.size == 0:
        raise ValueError(f"{caller}: no value falls in any bucket (every value NaN, or outside the bins). "
                         + EMPTY_MESSAGE)
    first, last = int(filled[0]), int(filled[-1])
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    # np.square().sum(), not values.dot(values) as PyTorch: NumPy's BLAS dot can take milliseconds when its
    # threads contend with chainrule's; the two differ in the last bits only.
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=np.square(values).sum(), bucket_limit=limits.tolist(), bucket=counts.tolist())


def histogram_summary(tag, values, bins, max_bins=None):
    return Summary(value=[Summary.Value(tag=tag, histo=histogram_proto(values, bins, max_bins,
                                                                       f"add_histogram('{tag}')"))])
