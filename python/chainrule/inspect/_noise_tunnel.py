"""NoiseTunnel: an attribution method averaged over noisy copies of the input (Captum's NoiseTunnel;
SmoothGrad, Smilkov et al. 2017).

    from chainrule.inspect import NoiseTunnel, Saliency
    smooth = NoiseTunnel(Saliency(model)).attribute(images, nt_type="smoothgrad", nt_samples=25,
                                                   stdevs=0.2, target=labels)

For each example x it draws nt_samples inputs x + e_s, e_s ~ N(0, stdev^2) from chainrule's random
generator (so cr.manual_seed(...) reproduces them), runs the wrapped method on all of them as one
batch (nt_samples_batch_size copies per example at a time) and combines the attributions A_s:
"smoothgrad" mean_s A_s, "smoothgrad_sq" mean_s A_s^2, "vargrad" mean_s A_s^2 - (mean_s A_s)^2.
Further keyword arguments (target, baselines, n_steps, ...) go to the wrapped method, a per-example
target, baseline or forward argument repeated for each noisy copy; with draw_baseline_from_distrib
each copy instead gets a baseline drawn at random (chainrule's generator) from the baselines given.
The draws happen in Captum's order (baselines, then noise per batch of copies), so the same draws
give Captum's result.
"""
from chainrule import cat, no_grad, randint, randn
from chainrule._C import Tensor
from chainrule.inspect._attribution_common import (as_output, as_tuple, check_target, expand_forward_args,
                                                    expand_target, format_baselines, format_forward_args,
                                                    repeat_batch)

NT_TYPES = ("smoothgrad", "smoothgrad_sq", "vargrad")


def gaussian_noise(value, stdev, copies):
    """`copies` noisy copies of each example of `value` in a row: value.repeat_interleave(copies) + N(0, stdev^2)."""
    shape = (value.shape[0] * copies,) + tuple(value.shape[1:])
    return value.repeat_interleave(copies, dim=0) + randn(shape, dtype=value.dtype, device=value.device) * stdev


def drawn_baselines(baseline, draws):
    """`draws` rows of `baseline` picked at random (with replacement)."""
    return baseline[randint(0, baseline.shape[0], (draws,), device=baseline.device)]


class NoiseTunnel:
    """Captum's NoiseTunnel around one of chainrule.inspect's attribution methods."""

    def __init__(self, attribution_method):
        self.attribution_method = attribution_method
        self.forward_func = attribution_method.forward_func

    @property
    def multiplies_by_inputs(self):
        return self.attribution_method.multiplies_by_inputs

    def has_convergence_delta(self):
        return self.attribution_method.has_convergence_delta()

    def attribute(self, inputs, nt_type="smoothgrad", nt_samples=5, nt_samples_batch_size=None, stdevs=1.0,
                  draw_baseline_from_distrib=False, **kwargs):
        """The wrapped method's attributions combined over nt_samples noisy copies of each example; with
        return_convergence_delta=True (Integrated Gradients), also the delta of every copy (N * nt_samples)."""
        values, was_tuple = as_tuple(inputs, "NoiseTunnel")
        if nt_type not in NT_TYPES:
            raise ValueError(f"NoiseTunnel: nt_type must be one of {list(NT_TYPES)}, got {nt_type!r}")
        if not isinstance(nt_samples, int) or nt_samples < 1:
            raise ValueError(f"NoiseTunnel: nt_samples must be a positive int, got {nt_samples!r}")
        stdevs = self._stdevs(stdevs, len(values))
        check_target(kwargs.get("target"), values[0].shape[0], "NoiseTunnel")
        with_delta = kwargs.get("return_convergence_delta", False) and self.has_convergence_delta()
        per_batch = nt_samples if nt_samples_batch_size is None else max(1, min(nt_samples, nt_samples_batch_size))
        full_batches, remaining = divmod(nt_samples, per_batch)
        sums, deltas = None, []
        with no_grad():
            batch_kwargs = self._expanded(kwargs, values, per_batch, draw_baseline_from_distrib)
            for _ in range(full_batches):
                noisy = tuple(gaussian_noise(v, s, per_batch) for v, s in zip(values, stdevs))
                attributions, attrib_was_tuple = self._run(noisy, was_tuple, batch_kwargs, with_delta, deltas)
                sums = self._add(sums, attributions, per_batch)
            if remaining:   # Captum draws this batch's noise before its baselines
                noisy = tuple(gaussian_noise(v, s, remaining) for v, s in zip(values, stdevs))
                batch_kwargs = self._expanded(kwargs, values, remaining, draw_baseline_from_distrib)
                attributions, attrib_was_tuple = self._run(noisy, was_tuple, batch_kwargs, with_delta, deltas)
                sums = self._add(sums, attributions, remaining)
            attributions = [self._combine(total / nt_samples, total_sq / nt_samples, nt_type) for total, total_sq in sums]
        result = as_output(attrib_was_tuple, attributions)
        return (result, cat(deltas)) if with_delta else result

    @staticmethod
    def _stdevs(stdevs, count):
        stdevs = stdevs if isinstance(stdevs, tuple) else (stdevs,) * count
        if len(stdevs) != count or not all(isinstance(s, (int, float)) for s in stdevs):
            raise ValueError(f"NoiseTunnel: stdevs must be a number or a tuple of {count} numbers (one per input), "
                             f"got {stdevs!r}")
        return stdevs

    @staticmethod
    def _expanded(kwargs, values, copies, draw_baseline_from_distrib):
        """The wrapped method's keyword arguments for `copies` noisy copies of each example."""
        expanded = dict(kwargs)
        if "target" in kwargs:
            expanded["target"] = expand_target(kwargs["target"], copies, interleave=True)
        if "additional_forward_args" in kwargs:
            expanded["additional_forward_args"] = expand_forward_args(
                format_forward_args(kwargs["additional_forward_args"]), copies, interleave=True)
        if "baselines" in kwargs:
            baselines = format_baselines(kwargs["baselines"], values, "NoiseTunnel", draw_baseline_from_distrib)
            draws = values[0].shape[0] * copies
            expanded["baselines"] = tuple(
                b if not isinstance(b, Tensor)
                else drawn_baselines(b, draws) if draw_baseline_from_distrib
                else repeat_batch(b, copies, interleave=True) if b.shape[0] == v.shape[0] > 1 else b
                for v, b in zip(values, baselines))
        return expanded

    def _run(self, noisy, was_tuple, kwargs, with_delta, deltas):
        """(the wrapped method's attributions on the noisy copies as a tuple, whether it gave a tuple);
        its convergence delta, when asked for, goes into `deltas`."""
        result = self.attribution_method.attribute(noisy if was_tuple else noisy[0], **kwargs)
        if with_delta:
            result, delta = result
            deltas.append(delta)
        attrib_was_tuple = isinstance(result, tuple)
        return (result if attrib_was_tuple else (result,)), attrib_was_tuple

    @staticmethod
    def _add(sums, attributions, copies):
        """`sums` with one batch's attributions and their squares added, per example."""
        batch = []
        for a in attributions:
            per_example = a.reshape((a.shape[0] // copies, copies) + tuple(a.shape[1:]))
            batch.append((per_example.sum(1), (per_example * per_example).sum(1)))
        if sums is None:
            return batch
        return [(total + t, total_sq + t_sq) for (total, total_sq), (t, t_sq) in zip(sums, batch)]

    @staticmethod
    def _combine(mean, mean_sq, nt_type):
        if nt_type == "smoothgrad":
            return mean
        if nt_type == "smoothgrad_sq":
            return mean_sq
        return mean_sq - mean * mean
