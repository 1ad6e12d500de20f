"""Occlusion: how much the explained output drops when a window of the input is replaced by a baseline
(Captum's Occlusion; Zeiler and Fergus 2014). No gradients: every forward runs under no_grad.

    from chainrule.inspect import Occlusion
    maps = Occlusion(model).attribute(images, sliding_window_shapes=(1, 3, 3), strides=(1, 1, 1),
                                      target=labels, baselines=0.0, perturbations_per_eval=16)

The window (over every dimension after the batch) slides with the given strides, Captum's way:
ceil((size - window) / stride) + 1 positions per dimension, the last ones cut at the edge. For
window w, d_w = f(x) - f(x with w set to the baseline); each feature's attribution is the mean of
d_w over the windows that cover it (in the output's dtype; Captum's are float32 always). perturbations_per_eval windows go through the model as one
batch (N examples each). For a tuple of inputs each has its own window, and one window of one input
is occluded at a time.
"""
import itertools
import math

import numpy as np

from chainrule import cat, from_numpy, no_grad, zeros
from chainrule._C import Tensor
from chainrule.inspect._attribution_common import (as_output, as_tuple, check_target, expand_forward_args,
                                                    expand_target, format_forward_args, left_as_it_was,
                                                    one_value_per_example, run_forward)

WHO = "Occlusion"


def window_corners(shape, window, strides):
    """The first index of every window position, the first dimension varying fastest (Captum's order)."""
    counts = [math.ceil((size - w) / s) + 1 for size, w, s in zip(shape, window, strides)]
    return [tuple(reversed(corner)) for corner in itertools.product(
        *[range(0, count * s, s) for count, s in zip(reversed(counts), reversed(strides))])]


def window_mask(shape, window, corner):
    """A 0/1 float32 array of `shape` with ones on the window at `corner` (cut at the edges)."""
    mask = np.zeros(shape, dtype=np.float32)
    mask[tuple(slice(c, c + w) for c, w in zip(corner, window))] = 1
    return mask


class Occlusion:
    """Captum's Occlusion for a chainrule model or function."""

    multiplies_by_inputs = False

    def __init__(self, forward_func):
        self.forward_func = forward_func

    def has_convergence_delta(self):
        return False

    def attribute(self, inputs, sliding_window_shapes, strides=None, baselines=None, target=None,
                  additional_forward_args=None, perturbations_per_eval=1, show_progress=False):
        """The mean output drop of the windows covering each feature; same form and shapes as `inputs`."""
        values, was_tuple = as_tuple(inputs, WHO)
        check_target(target, values[0].shape[0], WHO)
        if not isinstance(perturbations_per_eval, int) or perturbations_per_eval < 1:
            raise ValueError(f"{WHO}: perturbations_per_eval must be a positive int, got {perturbations_per_eval!r}")
        windows = self._windows(values, sliding_window_shapes)
        strides = self._strides(values, strides, windows)
        baselines = self._baselines(values, baselines)
        forward_args = format_forward_args(additional_forward_args)
        occlusions = [(i, corner) for i, v in enumerate(values)
                      for corner in window_corners(v.shape[1:], windows[i], strides[i])]
        with left_as_it_was(self.forward_func, values), no_grad():
            unoccluded = run_forward(self.forward_func, values, target, forward_args, WHO)
            one_value_per_example(unoccluded, WHO)
            unoccluded = unoccluded.reshape(1, -1)
            totals = [zeros(v.shape, dtype=unoccluded.dtype, device=v.device) for v in values]
            coverage = [np.zeros(tuple(v.shape[1:]), dtype=np.float32) for v in values]
            batches = range(0, len(occlusions), perturbations_per_eval)
            if show_progress:
                from tqdm import tqdm
                batches = tqdm(batches, desc=f"{WHO} attribution", unit="batch")
            for start in batches:
                batch = [(i, window_mask(coverage[i].shape, windows[i], corner))
                         for i, corner in occlusions[start:start + perturbations_per_eval]]
                drops = self._drops(values, baselines, batch, target, forward_args, unoccluded)
                for i in range(len(values)):
                    masks = [mask if j == i else np.zeros_like(mask, shape=coverage[i].shape) for j, mask in batch]
                    stacked = from_numpy(np.stack(masks)).to(totals[i].device).unsqueeze(1)   # (P, 1, *shape)
                    totals[i] += (drops.reshape(drops.shape + (1,) * (values[i].dim() - 1)) * stacked).sum(0)
                    coverage[i] += sum(masks)
        return as_output(was_tuple, [total / from_numpy(count).to(device=total.device, dtype=total.dtype)
                                     for total, count in zip(totals, coverage)])

    def _drops(self, inputs, baselines, batch, target, forward_args, unoccluded):
        """f(x) - f(x occluded) for each occlusion of the batch: (P, N)."""
        count = len(batch)
        occluded = []
        for i, (value, baseline) in enumerate(zip(inputs, baselines)):
            copies = []
            for j, mask in batch:
                if j != i:
                    copies.append(value)
                    continue
                mask = from_numpy(mask).to(device=value.device, dtype=value.dtype)
                copies.append(value * (1 - mask) + baseline * mask)
            occluded.append(cat(copies))
        modified = run_forward(self.forward_func, occluded, expand_target(target, count),
                               expand_forward_args(forward_args, count), WHO)
        return unoccluded - modified.reshape(count, -1)

    @staticmethod
    def _windows(values, sliding_window_shapes):
        """One window shape per input (a tuple of sizes for every dimension after the batch)."""
        windows = (sliding_window_shapes if sliding_window_shapes and isinstance(sliding_window_shapes[0], tuple)
                   else (sliding_window_shapes,))
        if len(windows) != len(values):
            raise ValueError(f"{WHO}: {len(windows)} sliding window shapes for {len(values)} inputs; give one per input")
        for i, (window, value) in enumerate(zip(windows, values)):
            if (not isinstance(window, tuple) or len(window) != value.dim() - 1
                    or any(not isinstance(w, int) or not 1 <= w <= size for w, size in zip(window, value.shape[1:]))):
                raise ValueError(f"{WHO}: sliding window {window!r} does not fit input {i} of shape "
                                 f"{tuple(value.shape)}: it needs {value.dim() - 1} sizes, one per dimension after "
                                 f"the batch, each between 1 and that dimension's size")
        return windows

    @staticmethod
    def _strides(values, strides, windows):
        """One stride per dimension after the batch, per input; a stride may not skip features."""
        if strides is None:
            strides = (1,) * len(values)
        elif len(values) == 1 and not (isinstance(strides, tuple) and len(strides) == 1):
            strides = (strides,)
        if not isinstance(strides, tuple) or len(strides) != len(values):
            raise ValueError(f"{WHO}: give strides for each of the {len(values)} inputs, got {strides!r}")
        result = []
        for i, (stride, value, window) in enumerate(zip(strides, values, windows)):
            stride = (stride,) * (value.dim() - 1) if isinstance(stride, int) else stride
            if (not isinstance(stride, tuple) or len(stride) != value.dim() - 1
                    or any(not isinstance(s, int) or s < 1 for s in stride)):
                raise ValueError(f"{WHO}: strides {stride!r} for input {i} of shape {tuple(value.shape)} must be a "
                                 f"positive int or {value.dim() - 1} of them")
            if any(s > w and size > w for s, w, size in zip(stride, window, value.shape[1:])):
                raise ValueError(f"{WHO}: strides {stride} are larger than the sliding window {window}: features "
                                 "between windows would never be occluded")
            result.append(stride)
        return result

    @staticmethod
    def _baselines(values, baselines):
        """One baseline per input: a number, or a tensor of the input's shape, its example shape, or a batch of 1."""
        baselines = (0,) * len(values) if baselines is None else (
            baselines if isinstance(baselines, tuple) else (baselines,))
        if len(baselines) != len(values):
            raise ValueError(f"{WHO}: {len(baselines)} baselines for {len(values)} inputs; give one per input")
        for i, (baseline, value) in enumerate(zip(baselines, values)):
            if isinstance(baseline, (int, float)):
                continue
            if not isinstance(baseline, Tensor):
                raise TypeError(f"{WHO}: baseline {i} must be a tensor or a number, got {type(baseline).__name__}")
            example = tuple(value.shape[1:])
            if tuple(baseline.shape) not in (tuple(value.shape), (1,) + example, example):
                raise ValueError(f"{WHO}: baseline {i} has shape {tuple(baseline.shape)} but input {i} has shape "
                                 f"{tuple(value.shape)}; give a number or a tensor of the input's shape, of one "
                                 f"example's shape {example}, or with a batch of 1")
        return baselines
