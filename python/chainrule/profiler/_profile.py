"""The profiler objects: autograd.profiler.profile (one recording from __enter__ to __exit__) and
torch.profiler.profile (recording windows chosen by a schedule, advanced by step(), each handed to
on_trace_ready), with schedule(), ProfilerActivity/ProfilerAction and tensorboard_trace_handler.

chainrule records CPU time only: activities other than CPU, use_cuda/use_device, profile_memory,
with_stack, with_flops and with_modules are accepted and add nothing (no device times, memory,
stacks or flops are measured); warmup steps have nothing to warm up.
"""
import enum
import os
import socket
import time
import warnings

from chainrule.profiler._events import events_from_records
from chainrule.profiler._recording import record_function, start_session, stop_session

__all__ = ["AutogradProfile", "profile", "schedule", "ProfilerActivity", "ProfilerAction", "supported_activities",
           "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    """torch.profiler.ProfilerActivity; chainrule measures CPU only."""
    CPU = 0
    XPU = 1
    MTIA = 2
    CUDA = 3
    HPU = 4
    PrivateUse1 = 5


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


_RECORDING = (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)


def supported_activities():
    """The activities chainrule's profiler measures: CPU."""
    return {ProfilerActivity.CPU}


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: step number -> ProfilerAction. skip_first steps, then cycles of `wait` idle,
    `warmup` and `active` recorded steps (the last one RECORD_AND_SAVE), `repeat` times (0: forever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise AssertionError(
            f"Invalid profiler schedule arguments. Got wait={wait} (need >= 0), warmup={warmup} (need >= 0), "
            f"active={active} (need > 0), repeat={repeat} (need >= 0), skip_first={skip_first} (need >= 0).")
    if warmup == 0:
        warnings.warn("Profiler won't be using warmup, this can skew profiler results", stacklevel=2)

    def schedule_fn(step):
        if step < 0:
            raise AssertionError(f"Step must be non-negative. Got {step}.")
        if step < skip_first:
            return ProfilerAction.NONE
        step = step - skip_first + (wait if skip_first_wait != 0 else 0)
        num_steps = wait + warmup + active
        if repeat > 0 and step / num_steps >= repeat:
            return ProfilerAction.NONE
        mod_step = step % num_steps
        if mod_step < wait:
            return ProfilerAction.NONE
        if mod_step < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if mod_step < num_steps - 1 else ProfilerAction.RECORD_AND_SAVE
    return schedule_fn


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False, use_python_export=False):
    """on_trace_ready handler writing each trace to dir_name/<worker_name>.<ns>.pt.trace.json[.gz]
    (worker_name defaults to <hostname>_<pid>), the files TensorBoard's profiler plugin reads."""
    def handler_fn(prof):
        os.makedirs(dir_name, exist_ok=True)
        file_name = f"{worker_name or f'{socket.gethostname()}_{os.getpid()}'}.{time.time_ns()}.pt.trace.json"
        prof.export_chrome_trace(os.path.join(dir_name, file_name + (".gz" if use_gzip else "")))
    return handler_fn


class AutogradProfile:
    """torch.autograd.profiler.profile: records from __enter__ to __exit__; then function_events,
    key_averages(), table(), export_chrome_trace(), total_average() and self_cpu_time_total describe it."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.use_device = "cuda" if use_cuda else use_device
        self._records = []
        self._entered = False
        self._function_events = None

    def add(self, record):
        self._records.append(record)

    def __enter__(self):
        if not self.enabled:
            return self
        if self._entered:
            raise RuntimeError("Profiler context manager is not reentrant")
        self._entered = True
        start_session(self)
        return self

    def __exit__(self, *exc):
        if self.enabled:
            stop_session(self)
            self._function_events = events_from_records(self._records)
        return False

    def _events(self):
        if self._function_events is None:
            raise RuntimeError("Profiler didn't finish running")
        return self._function_events

    @property
    def function_events(self):
        return self._events()

    def events(self):
        return self._events()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._events().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        return self._events().table(sort_by, row_limit, max_src_column_width, max_name_column_width,
                                    max_shapes_column_width, header, top_level_events_only, time_unit)

    def export_chrome_trace(self, path):
        self._events().export_chrome_trace(path)

    def total_average(self):
        return self._events().total_average()

    @property
    def self_cpu_time_total(self):
        return self._events().self_cpu_time_total

    def __str__(self):
        return self.table()


class profile:
    """torch.profiler.profile: a context manager (or start()/stop()) that records CPU ranges in the steps
    its schedule marks RECORD/RECORD_AND_SAVE (every step without a schedule); step() ends a step. Each
    finished window goes to on_trace_ready(prof); key_averages(), events() and export_chrome_trace()
    describe the last finished window."""

    def __init__(self, *, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 custom_trace_id_callback=None):
        self.activities = set(activities) if activities else supported_activities()
        self.schedule = schedule if schedule is not None else (lambda step: ProfilerAction.RECORD)
        self._record_steps = schedule is not None   # "ProfilerStep#N" ranges, as torch adds with a schedule
        self.on_trace_ready = on_trace_ready
        self.record_shapes = record_shapes
        self.step_num = 0
        self.current_action = self.schedule(0)
        self.profiler = None           # the last finished window (an AutogradProfile)
        self._window = None            # the window being recorded
        self._step_range = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        if self.current_action in _RECORDING:
            self._start_window()
        self._open_step_range()

    def stop(self):
        self._close_step_range()
        if self._window is not None:
            self._finish_window()

    def step(self):
        """Ends this step: a window whose last step this was goes to on_trace_ready."""
        self._close_step_range()
        previous = self.current_action
        self.step_num += 1
        self.current_action = self.schedule(self.step_num)
        if previous == ProfilerAction.RECORD_AND_SAVE or (
                previous == ProfilerAction.RECORD and self.current_action not in _RECORDING):
            if previous == ProfilerAction.RECORD:
                warnings.warn(f"Incorrect schedule: RECORD followed by {self.current_action}")
            self._finish_window()
        if self.current_action in _RECORDING and self._window is None:
            self._start_window()
        self._open_step_range()

    def _open_step_range(self):
        if self._record_steps:
            self._step_range = record_function(f"ProfilerStep#{self.step_num}").__enter__()

    def _close_step_range(self):
        if self._step_range is not None:
            self._step_range.__exit__(None, None, None)
            self._step_range = None

    def _start_window(self):
        self._window = AutogradProfile(record_shapes=self.record_shapes).__enter__()

    def _finish_window(self):
        self._window.__exit__(None, None, None)
        self.profiler, self._window = self._window, None
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def _finished(self):
        if self.profiler is None:
            raise RuntimeError("the profiler has no finished recording yet: leave its context (or call stop()) "
                               "or step past a RECORD_AND_SAVE step first")
        return self.profiler

    def events(self):
        return self._finished().events()

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self._finished().key_averages(group_by_input_shape, group_by_stack_n, group_by_overload_name)

    def export_chrome_trace(self, path):
        self._finished().export_chrome_trace(path)

    def export_stacks(self, path, metric="self_cpu_time_total"):
        raise NotImplementedError("chainrule's profiler records no stacks (with_stack adds nothing)")

    def export_memory_timeline(self, path, device=None):
        raise NotImplementedError("chainrule's profiler does not measure memory (profile_memory adds nothing)")
