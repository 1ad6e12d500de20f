"""The table of chainrule.inspect.summary: one line per row, columns chosen by name.

The columns torchinfo 1.8.0 knows ("input_size", "output_size", "num_params", "params_percent",
"kernel_size", "mult_adds", "trainable") show what torchinfo shows, with its conventions: a
container's parameters are those no child row counts ("--" when none), all of them at the deepest
depth shown; frozen parameters in parentheses; multiply-adds for leaf layers. chainrule adds
"output_bytes" (the activation memory of the row's output), "forward_time" and "backward_time"
(measured, in milliseconds, children included). Columns are as wide as their widest value unless
col_width is given.
"""
import math

HEADER_TITLES = {
    "kernel_size": "Kernel Shape",
    "input_size": "Input Shape",
    "output_size": "Output Shape",
    "num_params": "Param #",
    "params_percent": "Param %",
    "mult_adds": "Mult-Adds",
    "trainable": "Trainable",
    "output_bytes": "Activations",
    "forward_time": "Forward (ms)",
    "backward_time": "Backward (ms)",
}
ROW_SETTINGS = ("depth", "var_names", "ascii_only", "hide_recursive_layers")


def readable_bytes(n):
    """Bytes in decimal units, as torchinfo's MB: 512 B, 8.19 kB, 1.05 MB."""
    if n < 1e3:
        return f"{n} B"
    for unit, factor in (("kB", 1e3), ("MB", 1e6), ("GB", 1e9)):
        if n < factor * 1e3 or unit == "GB":
            return f"{n / factor:.2f} {unit}"


def _or_dashes(value):
    return str(value) if value else "--"


def _milliseconds(seconds):
    return "--" if seconds is None else f"{seconds * 1e3:.3f}"


def num_params_text(row, reached_max_depth):
    if row.num_params == 0:
        return "--"
    if row.is_recursive:
        return "(recursive)"
    if reached_max_depth or row.is_leaf_layer:
        text = f"{row.num_params:,}"
        return text if row.trainable_params else f"({text})"
    leftover = row.leftover_params()
    return f"{leftover:,}" if leftover > 0 else "--"


def params_percent_text(row, total_params, reached_max_depth):
    zero = f"{' ' * 5}--"
    if total_params == 0:
        return zero
    if row.is_recursive:
        return "(recursive)"
    params = row.num_params if reached_max_depth or row.is_leaf_layer else row.leftover_params()
    return zero if params == 0 else f"{params / total_params:>7.2%}"


def macs_text(row, reached_max_depth):
    if row.macs <= 0:
        return "--"
    if row.is_leaf_layer:
        return f"{row.macs:,}"
    if reached_max_depth:
        return f"{sum(child.macs for child in row.children if child.is_leaf_layer):,}"
    return "--"


class FormattingOptions:
    """Which rows and columns the table shows, and how wide."""

    def __init__(self, max_depth, verbose, col_names, col_width, row_settings):
        unknown = [c for c in col_names if c not in HEADER_TITLES] + [r for r in row_settings if r not in ROW_SETTINGS]
        if unknown:
            raise ValueError(f"summary: unknown column or row setting {unknown[0]!r}; columns are "
                             f"{list(HEADER_TITLES)}, row settings {list(ROW_SETTINGS)}")
        self.max_depth = max_depth
        self.verbose = verbose
        self.col_names = tuple(col_names)
        self.col_width = col_width
        self.ascii_only = "ascii_only" in row_settings
        self.show_var_name = "var_names" in row_settings
        self.show_depth = "depth" in row_settings
        self.hide_recursive_layers = "hide_recursive_layers" in row_settings

    def _prefix(self, depth):
        if depth == 0:
            return ""
        branch, last = ("|    ", "+ ") if self.ascii_only else ("│    ", "└─")
        return ("+ " if self.ascii_only else "├─") if depth == 1 else branch * (depth - 1) + last

    def _row_values(self, row, reached_max_depth, total_params):
        executed = row.executed
        return {
            "kernel_size": _or_dashes(row.kernel_size),
            "input_size": _or_dashes(row.input_size),
            "output_size": _or_dashes(row.output_size),
            "num_params": num_params_text(row, reached_max_depth),
            "params_percent": params_percent_text(row, total_params, reached_max_depth),
            "mult_adds": macs_text(row, reached_max_depth),
            "trainable": row.trainable,
            "output_bytes": readable_bytes(row.output_bytes) if executed and row.output_bytes else "--",
            "forward_time": _milliseconds(row.forward_time),
            "backward_time": _milliseconds(row.backward_time),
        }

    def _lines(self, rows, total_params):
        """(name, {column: text}) for every line of the table body, parameter lines included at verbose=2."""
        lines = []
        for row in rows:
            if row.depth > self.max_depth or (self.hide_recursive_layers and row.is_recursive):
                continue
            name = self._prefix(row.depth) + row.get_layer_name(self.show_var_name, self.show_depth)
            lines.append((name, self._row_values(row, row.depth == self.max_depth, total_params)))
            if self.verbose == 2:
                inner = list(row.inner_layers.items())
                for i, (param_name, info) in enumerate(inner):
                    branch = "└─" if i == len(inner) - 1 else "├─"
                    lines.append((self._prefix(row.depth + 1) + param_name,
                                  {"kernel_size": info["kernel_size"], "num_params": f"{branch}{info['num_params']:,}"}))
        return lines

    def table(self, rows, total_params):
        """(the table as text, its width)."""
        lines = self._lines(rows, total_params)
        header = "Layer (type" + (" (var_name)" if self.show_var_name else "") + (":depth-idx" if self.show_depth else "") + ")"
        name_width = max([40] + [math.ceil((len(name) + 1) / 5) * 5 for name, _ in lines])
        widths = [self.col_width or max([len(HEADER_TITLES[c])] + [len(values.get(c, "")) for _, values in lines]) + 2
                  for c in self.col_names]

        def format_line(name, values):
            cells = "".join(f"{values.get(c, ''):<{w}} " for c, w in zip(self.col_names, widths))
            return f"{name:<{name_width}} {cells}".rstrip()

        width = name_width + sum(w + 1 for w in widths)
        divider = "=" * width
        body = [format_line(name, values) for name, values in lines]
        text = "\n".join([divider, format_line(header, HEADER_TITLES), divider, *body, divider])
        return text, width


def text_table(headers, rows):
    """A plain table of strings: columns as wide as their widest cell, rules of '=' above and below the
    header and below the body (the tables of check_model and TrainingStats)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells):
        return "  ".join(f"{str(cell):<{w}}" for cell, w in zip(cells, widths)).rstrip()

    rule = "=" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join([rule, line(headers), rule, *(line(row) for row in rows), rule])
