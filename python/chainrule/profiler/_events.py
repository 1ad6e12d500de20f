"""The profiler's results as torch.autograd.profiler_util has them: FunctionEvent (one range, with its
children and self time), FunctionEventAvg (events grouped by name in key_averages), EventList with
table() printed like torch's and export_chrome_trace() writing Chrome trace JSON.

Times are microseconds (floats), as torch's. Only CPU time is measured: the device-time, memory and
flops attributes exist so that sort_by="cuda_time_total" and the like work, and are always 0.
"""
import gzip
import json
import os
from collections import OrderedDict

from chainrule.profiler._recording import EPOCH_OFFSET_NS

__all__ = ["FunctionEvent", "FunctionEventAvg", "EventList", "Interval"]


class Interval:
    """A time range in microseconds."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_share(time_us, total_time_us):
    return "NaN" if total_time_us == 0 else f"{time_us * 100.0 / total_time_us:.2f}%"


class _TimeColumns:
    """What both event kinds share: the derived *_str and the always-zero device, memory and flops figures."""
    device_time_total = self_device_time_total = device_time = 0.0
    cpu_memory_usage = self_cpu_memory_usage = device_memory_usage = self_device_memory_usage = 0
    flops = 0
    node_id = -1
    is_async = False
    stack = ()

    cuda_time_total = property(lambda self: self.device_time_total)
    self_cuda_time_total = property(lambda self: self.self_device_time_total)
    cpu_time_str = property(lambda self: _format_time(self.cpu_time))
    cpu_time_total_str = property(lambda self: _format_time(self.cpu_time_total))
    self_cpu_time_total_str = property(lambda self: _format_time(self.self_cpu_time_total))


class FunctionEvent(_TimeColumns):
    """One recorded range: name (= key), thread, time_range, input_shapes, cpu_parent and cpu_children.
    As in torch, the profiler's "ProfilerStep#N" ranges are named "ProfilerStep*" (so that the table adds
    them up) and keep their number in trace_name, which the Chrome trace shows."""

    def __init__(self, event_id, record):
        self.id = event_id
        self.trace_name = record.name
        self.name = self.key = "ProfilerStep*" if record.name.startswith("ProfilerStep#") else record.name
        self.category = record.category
        self.thread = record.thread
        self.time_range = Interval((record.start_ns + EPOCH_OFFSET_NS) / 1e3, (record.end_ns + EPOCH_OFFSET_NS) / 1e3)
        self.input_shapes = record.input_shapes
        self.cpu_parent = None
        self.cpu_children = []
        self.count = 1
        self.is_user_annotation = record.category == "user_annotation"

    @property
    def cpu_time_total(self):
        return self.time_range.elapsed_us()

    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(child.cpu_time_total for child in self.cpu_children)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={self.cpu_time_str} "
                f"self_cpu_time={self.self_cpu_time_total_str} input_shapes={self.input_shapes}>")


class FunctionEventAvg(_TimeColumns):
    """The events of one key (name, and input shapes when grouped by them) added up."""

    def __init__(self, key, input_shapes, events):
        self.key = key
        self.input_shapes = input_shapes
        self.count = len(events)
        self.cpu_time_total = sum(event.cpu_time_total for event in events)
        self.self_cpu_time_total = sum(event.self_cpu_time_total for event in events)
        self.is_user_annotation = events[0].is_user_annotation
        self.cpu_parent = events[0].cpu_parent if self.count == 1 else None

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={self.self_cpu_time_total_str} "
                f"cpu_time={self.cpu_time_str} input_shapes={self.input_shapes}>")


def events_from_records(records):
    """FunctionEvents, ordered by start, with parents and children found by nesting of times per thread."""
    events = [FunctionEvent(index, record) for index, record in
              enumerate(sorted(records, key=lambda r: (r.start_ns, -r.end_ns)))]
    open_by_thread = {}
    for event in events:
        stack = open_by_thread.setdefault(event.thread, [])
        while stack and stack[-1].time_range.end <= event.time_range.start:
            stack.pop()
        if stack and event.time_range.end <= stack[-1].time_range.end:
            event.cpu_parent = stack[-1]
            stack[-1].cpu_children.append(event)
        stack.append(event)
    return EventList(events)


class EventList(list):
    """A list of FunctionEvent (or of FunctionEventAvg, from key_averages)."""

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """One FunctionEventAvg per name (per name and input shapes with group_by_input_shape), in first-seen order."""
        groups = OrderedDict()
        for event in self:
            shapes_key = str(event.input_shapes) if group_by_input_shape else None
            groups.setdefault((event.key, shapes_key), []).append(event)
        return EventList(FunctionEventAvg(key, events[0].input_shapes if group_by_input_shape else [], events)
                         for (key, _), events in groups.items())

    def total_average(self):
        """All events added up in one FunctionEventAvg keyed "Total"."""
        return FunctionEventAvg("Total", [], list(self)) if self else None

    @property
    def self_cpu_time_total(self):
        return sum(event.self_cpu_time_total for event in self)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The summary table torch prints: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg,
        # of Calls (and Input Shapes when any are recorded); sort_by names an attribute (cpu_time_total, ...)."""
        return _build_table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                            top_level_events_only, time_unit)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Writes the events as Chrome trace JSON ("X" events, ts/dur in us), gzipped when path ends in .gz."""
        pid = os.getpid()
        trace = {"schemaVersion": 1, "displayTimeUnit": "ms", "traceName": os.fspath(path), "traceEvents": [
            {"ph": "X", "cat": getattr(event, "category", "cpu_op"), "name": event.trace_name, "pid": pid,
             "tid": event.thread, "ts": event.time_range.start, "dur": event.time_range.elapsed_us(),
             "args": {"Input Dims": event.input_shapes} if event.input_shapes else {}}
            for event in self]}
        text = json.dumps(trace)
        if os.fspath(path).endswith(".gz"):
            with gzip.open(path, "wt") as file:
                file.write(text)
        else:
            with open(path, "w") as file:
                file.write(text)


def _sort_attribute(sort_by):
    return sort_by.replace("cuda", "device").replace("xpu", "device").replace("privateuse1", "device")


def _build_table(events, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                 top_level_events_only, time_unit):
    if not events:
        return ""
    if sort_by is not None:
        events = sorted(events, key=lambda event: getattr(event, _sort_attribute(sort_by)), reverse=True)
    has_input_shapes = any(event.input_shapes for event in events)
    name_width = min(max(len(event.key) for event in events) + 4, max_name_column_width)
    shapes_width = min(max(len(str(event.input_shapes)) for event in events) + 4, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
    widths = [name_width] + [12] * 6
    if has_input_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    row_format = "".join("{: >" + str(width) + "}  " for width in widths)
    separator = "".join("-" * width + "  " for width in widths)
    line_length = sum(width + 2 for width in widths) - 2
    total_self = sum(event.self_cpu_time_total for event in events)

    def time_text(time_us):
        divisor = {"s": 1e6, "ms": 1e3, "us": 1.0}.get(time_unit)
        return _format_time(time_us) if divisor is None else f"{time_us / divisor:.3f}{time_unit}"

    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for event in events:
        if shown == row_limit:
            break
        if top_level_events_only and event.cpu_parent is not None:
            continue
        shown += 1
        name = event.key
        if len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_time_share(event.self_cpu_time_total, total_self), time_text(event.self_cpu_time_total),
               _format_time_share(event.cpu_time_total, total_self), time_text(event.cpu_time_total),
               time_text(event.cpu_time), event.count]
        if has_input_shapes:
            row.append(str(event.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {time_text(total_self)}"]
    return "".join(line + "\n" for line in lines)
