"""What check_model returns: a row per checked gradient, the verdict and the layer it blames.

A row holds one tensor's check: a parameter of a layer (dL/d weight), or the gradient at a layer's
first input or output (dL/d input, dL/d output), with the largest absolute and relative error over
the entries checked. The culprit rule follows the chain rule: a layer's backward takes dL/d output
and makes dL/d input and dL/d θ; a layer whose dL/d output is right and whose dL/d input or
parameter gradient is wrong computed them wrongly. The model's output row blames loss_fn instead.
"""
from dataclasses import dataclass

import numpy as np

from chainrule.inspect._formatting import text_table


def entry_errors(analytic, numeric, atol, rtol):
    """(max abs error, max relative error, entries passed only by a one-sided difference, all passed) of
    analytic against numeric = (central, forward, backward) differences, entry by entry. Each entry is
    compared with the closest of the three (at a kink the central one is off, and one side is clean);
    its relative error is the absolute one over the larger of |analytic|, |numeric| and atol."""
    estimates = np.stack(numeric)
    errors = np.abs(estimates - analytic)
    closest = errors.argmin(0)
    columns = np.arange(errors.shape[1])
    error, reference = errors[closest, columns], estimates[closest, columns]
    passed = error <= atol + rtol * np.abs(reference)
    central_passed = errors[0] <= atol + rtol * np.abs(estimates[0])
    relative = error / np.maximum(np.maximum(np.abs(analytic), np.abs(reference)), atol)
    return float(error.max()), float(relative.max()), int((passed & ~central_passed).sum()), bool(passed.all())


@dataclass
class CheckRow:
    """One gradient checked: the layer's path ('' for the model), its type, which gradient ('weight', ...,
    'input' or 'output'), how many of its entries were checked, and the result."""
    layer: str
    layer_type: str
    gradient: str
    checked: int
    numel: int
    max_abs_error: float
    max_rel_error: float
    kinks: int
    passed: bool

    @property
    def layer_name(self):
        return f"{self.layer or '(model)'} ({self.layer_type})"


class GradientCheckResult:
    """check_model's result: .passed, .rows (CheckRow), .culprits (paths of the layers whose backward is
    wrong, 'loss_fn' for the loss's), .notes; prints as a table with the verdict."""

    def __init__(self, rows, notes, eps, atol, rtol):
        self.rows, self.notes = rows, notes
        self.eps, self.atol, self.rtol = eps, atol, rtol
        self.passed = all(row.passed for row in rows)
        self.failures = [row for row in rows if not row.passed]
        self.culprits = self._culprits()

    def _culprits(self):
        by_layer = {}
        for row in self.rows:
            by_layer.setdefault(row.layer, {})[row.gradient] = row
        culprits = []
        if "output" in by_layer.get("", {}) and not by_layer[""]["output"].passed:
            culprits.append("loss_fn")
        for layer, rows in by_layer.items():
            received = rows.get("output")
            if layer and received is not None and received.passed and any(
                    not row.passed for kind, row in rows.items() if kind != "output"):
                culprits.append(layer)
        return culprits

    def _verdict(self):
        if self.passed:
            return f"PASSED: all {len(self.rows)} gradients agree with central differences."
        types = {row.layer: row.layer_type for row in self.rows}
        lines = [f"FAILED: {len(self.failures)} of {len(self.rows)} gradients disagree with central differences."]
        for culprit in self.culprits:
            if culprit == "loss_fn":
                lines.append("loss_fn's backward is wrong: the gradient at the model's output, dL/d output, "
                             "disagrees.")
                continue
            wrong = ", ".join(f"dL/d {row.gradient}" for row in self.failures if row.layer == culprit)
            lines.append(f"The backward of '{culprit}' ({types[culprit]}) is wrong: it receives the right "
                         f"dL/d output but gives a wrong {wrong}.")
        return "\n".join(lines)

    def __str__(self):
        headers = ["Layer (type)", "Gradient", "Entries", "Max abs err", "Max rel err", "Result"]
        body, previous = [], None
        for row in self.rows:
            result = "pass" if row.passed else "FAIL"
            if row.kinks:
                result += f" ({row.kinks} at a kink: one-sided)"
            body.append([row.layer_name if row.layer != previous else "", f"dL/d {row.gradient}",
                         f"{row.checked}/{row.numel}", f"{row.max_abs_error:.2e}", f"{row.max_rel_error:.2e}", result])
            previous = row.layer
        title = (f"Gradient check in float64: central differences with step {self.eps:g}; an entry passes when "
                 f"|analytic - numeric| <= {self.atol:g} + {self.rtol:g} |numeric|")
        return "\n".join([title, text_table(headers, body), *self.notes, self._verdict()])

    __repr__ = __str__
