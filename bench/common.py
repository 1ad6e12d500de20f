"""Shared benchmark helpers: the common command-line options (with the contention mode, --busy N, and
--device for the benches that also run on a GPU), chainrule and the optional PyTorch on one thread
count, median wall time of repeated calls (synchronized with the GPU where they run there), and
tables.

Used by the bench_*.py scripts; run them from the repository root with PYTHONPATH=python.
"""
import argparse
import atexit
import os
import statistics
import subprocess
import sys
import time


class BenchParser(argparse.ArgumentParser):
    """The benches' parser: parsing the arguments also starts the --busy neighbours."""

    def parse_args(self, *args, **kwargs):
        parsed = super().parse_args(*args, **kwargs)
        start_busy_neighbours(parsed.busy)
        return parsed


def bench_arguments(doc, repeat=7, unit="case"):
    """A parser, described by the first line of the script's docstring `doc`, with the options every
    script takes: --threads (both libraries), --repeat (timing rounds per `unit`) and --busy (the
    contention mode)."""
    p = BenchParser(description=doc.splitlines()[0])
    p.add_argument("--threads", type=int, default=None, help="threads for both libraries (default: as configured)")
    p.add_argument("--repeat", type=int, default=repeat, help=f"timing rounds per {unit} (the median is reported)")
    p.add_argument("--busy", type=int, default=0, metavar="N",
                   help="contention mode: N processes spinning on the last N cores beside the run, as on a "
                        "laptop or shared server where other work always runs (default 0: none)")
    return p


def add_device_argument(parser):
    """--device: where both libraries run, the CPU (default) or the GPU."""
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="cpu (default) or cuda: chainrule's GPU backend against PyTorch on the same GPU")


def device_synchronizers(cr, torch, device, script):
    """{"chainrule": sync, "torch": sync} for the timing helpers: each library's cuda.synchronize on a GPU
    (queued kernels finish before a clock is read), nothing on the CPU. On cuda, a machine where chainrule
    or PyTorch sees no GPU ends the run with a message saying so; PyTorch's TF32 is turned off, so both
    libraries compute float32 in full float32 (chainrule never uses TF32)."""
    if device == "cpu":
        return {}
    if not cr.cuda.is_available():
        sys.exit(f"{script} --device cuda: chainrule sees no CUDA device here (it needs a CUDA build and a GPU; "
                 "tests/run_gpu.sh runs this bench on a GPU machine)")
    if torch is None or not torch.cuda.is_available():
        sys.exit(f"{script} --device cuda compares against PyTorch on the same GPU: this PyTorch sees no CUDA "
                 "device (install a CUDA build of torch)")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print(f"GPU: {cr.cuda.get_device_name()} (PyTorch: {torch.cuda.get_device_name()}, TF32 off)")
    return {"chainrule": cr.cuda.synchronize, "torch": torch.cuda.synchronize}


# A busy neighbour: spins on one core until its parent (the bench) goes away, however it ends.
BUSY_LOOP = """
import os, sys
os.sched_setaffinity(0, {int(sys.argv[1])})
parent = os.getppid()
while os.getppid() == parent:
    for _ in range(200000):
        pass
"""


def start_busy_neighbours(count):
    """Starts `count` busy processes, each pinned to one of the last cores, stopped at exit."""
    if count <= 0:
        return
    cores = sorted(os.sched_getaffinity(0))
    procs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(cores[-1 - i % len(cores)])])
             for i in range(count)]
    atexit.register(lambda: [p.kill() for p in procs])
    pinned = ", ".join(str(cores[-1 - i % len(cores)]) for i in range(count))
    print(f"contention mode: {count} busy process(es) pinned to core(s) {pinned} of {len(cores)}")


def chainrule_and_torch(threads, required_by=None):
    """(chainrule, torch or None), PyTorch on as many threads as chainrule (`threads`, or chainrule's
    configured count when None). Prints both thread counts. With required_by (the script's name) a
    missing PyTorch ends the run."""
    import chainrule as cr
    if threads is not None:
        cr.set_num_threads(threads)
    torch = try_import_torch(cr.get_num_threads())
    if torch is None and required_by:
        sys.exit(f"{required_by} compares against PyTorch: pip install torch==2.13.0")
    found = f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads" if torch else "no PyTorch"
    print(f"chainrule threads: {cr.get_num_threads()}; {found}")
    return cr, torch


def no_sync():
    """The CPU's synchronize: its work is done when a call returns."""


def median_time(fn, repeat=7, number=1, warmup=1, sync=no_sync):
    """Median seconds per call of fn() over `repeat` timings of `number` calls each, after `warmup` calls.
    sync() (a GPU's synchronize) runs before the clock starts and before it is read."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        sync()
        start = time.perf_counter()
        for _ in range(number):
            fn()
        sync()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def calls_for(fn, target_s=0.05, sync=no_sync):
    """How many calls of fn() make one timing last about target_s (at least 1); also warms fn up."""
    sync()
    start = time.perf_counter()
    fn()
    sync()
    once = max(time.perf_counter() - start, 1e-9)
    return max(1, int(target_s / once))


def try_import_torch(num_threads=None):
    """PyTorch, with its thread count set when num_threads is given; None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    if num_threads is not None:
        torch.set_num_threads(num_threads)
    return torch


def one_epoch(loader):
    """A function that iterates once over `loader` (a DataLoader), for timing an epoch of loading."""
    def run():
        for _ in loader:
            pass
    return run


def format_table(header, rows):
    """Rows of strings as a left-aligned text table under `header`."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).ljust(w) for v, w in zip(r, widths)).rstrip()
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def interleaved_medians(fns, repeat=7, target_s=0.05, settle_s=0.0, syncs=None):
    """Median seconds per call of each fn in the dict `fns`, timed in alternating rounds so that
    background load hits every contender alike. Before each timing, `settle_s` of sleep lets the
    previous contender's spinning worker threads go idle, then one call wakes this one's. `syncs`
    maps a name to its library's GPU synchronize (device_synchronizers); a name not in it is on the CPU.
    Returns a dict with the same keys."""
    syncs = syncs or {}
    numbers = {name: calls_for(fn, target_s, syncs.get(name, no_sync)) for name, fn in fns.items()}
    times = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            time.sleep(settle_s)
            times[name].append(median_time(fn, repeat=1, number=numbers[name], warmup=1,
                                           sync=syncs.get(name, no_sync)))
    return {name: statistics.median(t) for name, t in times.items()}


def training_step_pair(cr, torch, build, x, y, momentum=0.0, name="model", device="cpu", channels_last=False):
    """(step_ours, step_theirs): one forward + backward + SGD step each of the model that
    build(nn) makes, in chainrule and in PyTorch on `device`, from the same weights (PyTorch's
    state_dict loaded into ours) on the same batch (x, y NumPy arrays; cross-entropy loss); with
    channels_last, model and batch in that memory format. Checks that the first step gives the
    same loss in both before returning."""
    torch.manual_seed(0)
    theirs = build(torch.nn)
    ours = build(cr.nn)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    ours.to(device)
    theirs.to(device)
    inputs = {lib: lib.tensor(x, device=device) for lib in (cr, torch)}
    if channels_last:
        for lib, model in ((cr, ours), (torch, theirs)):
            model.to(memory_format=lib.channels_last)
            if x.ndim == 4:
                inputs[lib] = inputs[lib].to(memory_format=lib.channels_last)

    def make_step(lib, model, inputs, targets):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=momentum)
        loss_fn = lib.nn.CrossEntropyLoss()

        def step():
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            optimizer.step()
            return loss

        return step

    step_ours = make_step(cr, ours, inputs[cr], cr.tensor(y, device=device))
    step_theirs = make_step(torch, theirs, inputs[torch], torch.tensor(y, device=device))
    a, b = step_ours().item(), step_theirs().item()
    assert abs(a - b) <= 1e-4 * max(1.0, abs(b)), f"{name}: first-step loss {a} differs from PyTorch's {b}"
    return step_ours, step_theirs
