"""Cost of TensorBoard logging: SummaryWriter.add_scalar per call, and the main job's step with and without it.

    PYTHONPATH=python python3 bench/bench_tensorboard.py [--threads N] [--repeat R] [--steps S]

1. add_scalar per call, chainrule's SummaryWriter beside PyTorch's (when installed) on the same
   values: a Python float, a 0-d tensor, and new_style (a tensor proto); 2,000 calls and a flush, so
   that the background thread's writing is counted. Each writer's event file is read back with
   TensorBoard's EventAccumulator first and must hold every value written.
2. The main job's training step (examples/train_digits.py: the digits CNN, batch 32, AdamW,
   label-smoothed cross-entropy, the loss read with .item() as the job does) without logging, with
   one add_scalar of the loss per step, and with that plus ModelStatsLogger(every=50) (per-layer
   weight and gradient histograms and update ratios): --steps steps of each, the three variants
   stepping in turn so that background load falls on all alike. Median and mean per step; the
   logger's cost falls on one step in 50, so it shows in the mean.
The ratios are against the step without logging. A second estimate of the one-scalar overhead is
the add_scalar cost divided by the median step.
"""
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, os.pardir, "examples"))
from common import bench_arguments, chainrule_and_torch, format_table, interleaved_medians  # noqa: E402

CALLS = 2000   # add_scalar calls per timing


def parse_args():
    p = bench_arguments(__doc__)
    p.add_argument("--steps", type=int, default=300, help="training steps timed per variant (default 300)")
    return p.parse_args()


def read_scalars(log_dir, tag):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(log_dir, size_guidance={"scalars": 0, "tensors": 0})
    events.Reload()
    if tag in events.Tags()["scalars"]:
        return [e.value for e in events.Scalars(tag)]
    return [e.tensor_proto.float_val[0] for e in events.Tensors(tag)]     # new_style: a one-float tensor


def check_scalars(writer_class, log_dir, make_value, new_style):
    """Writes 20 values and reads them back: they must all be there, in order."""
    values = [0.5 + i for i in range(20)]
    with writer_class(log_dir) as writer:
        for step, v in enumerate(values):
            writer.add_scalar("check", make_value(v), step, new_style=new_style)
    got = read_scalars(log_dir, "check")
    assert got == values, f"{writer_class.__module__}: read back {got[:5]}..., wrote {values[:5]}..."


def scalar_cases(lib, writer_class, root, writers):
    """{case: function doing CALLS add_scalar calls} for one library, each checked first; the writers it opens
    are added to `writers`."""
    cases = {}
    for case, make_value, new_style in (("float", float, False), ("0-d tensor", lib.tensor, False),
                                        ("float, new_style", float, True)):
        check_scalars(writer_class, tempfile.mkdtemp(dir=root), make_value, new_style)
        writer, value = writer_class(tempfile.mkdtemp(dir=root)), make_value(0.25)
        writers.append(writer)

        def run(writer=writer, value=value, new_style=new_style):
            for step in range(CALLS):
                writer.add_scalar("loss", value, step, new_style=new_style)
            writer.flush()     # the background thread's writing counts too
        cases[case] = run
    return cases


def training_steps(cr, root, writers):
    """{variant: function running one training step of the main job}, without and with logging."""
    import train_digits
    from chainrule.datasets import Digits
    from chainrule.utils.tensorboard import ModelStatsLogger, SummaryWriter
    cr.manual_seed(0)
    images, labels = Digits(train=True).tensors()
    images, labels = images[:32], labels[:32]
    model = train_digits.DigitsCNN()
    optimizer = cr.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = cr.nn.CrossEntropyLoss(label_smoothing=0.05)
    writer = SummaryWriter(tempfile.mkdtemp(dir=root))
    writers.append(writer)
    stats = ModelStatsLogger(writer, model, every=50)
    counter = [0]

    def step():
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        counter[0] += 1
        return loss.item()

    def one_scalar():
        writer.add_scalar("loss/train", step(), counter[0])

    def scalar_and_layer_stats():
        one_scalar()
        stats.log(counter[0])
    return {"no logging": step, "one add_scalar per step": one_scalar,
            "add_scalar + ModelStatsLogger(every=50)": scalar_and_layer_stats}


def alternating_step_times(variants, rounds):
    """{variant: [seconds of each of its steps]}, the variants' steps taken in turn, so that background load
    falls on all of them alike."""
    times = {name: [] for name in variants}
    for _ in range(rounds):
        for name, step in variants.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return times


def scalar_table(cr, torch, root, writers, repeat):
    from chainrule.utils.tensorboard import SummaryWriter
    contenders = {("chainrule", case): fn for case, fn in scalar_cases(cr, SummaryWriter, root, writers).items()}
    if torch is not None:
        from torch.utils.tensorboard import SummaryWriter as TorchSummaryWriter
        theirs = scalar_cases(torch, TorchSummaryWriter, root, writers)
        contenders.update({("PyTorch", case): fn for case, fn in theirs.items()})
    times = {key: t / CALLS for key, t in interleaved_medians(contenders, repeat=repeat).items()}
    rows = []
    for case in ("float", "0-d tensor", "float, new_style"):
        ours, theirs = times["chainrule", case], times.get(("PyTorch", case))
        rows.append([case, f"{ours * 1e6:.1f} us", f"{theirs * 1e6:.1f} us" if theirs else "--",
                     f"{ours / theirs:.2f}x" if theirs else "--"])
    print("\nadd_scalar, per call (medians):")
    print(format_table(["value", "chainrule", "PyTorch", "ratio"], rows))
    return times["chainrule", "float"]


def step_table(cr, root, writers, rounds):
    variants = training_steps(cr, root, writers)
    alternating_step_times(variants, 5)                       # warm-up
    times = alternating_step_times(variants, rounds)
    base_median, base_mean = statistics.median(times["no logging"]), statistics.mean(times["no logging"])
    print(f"\nThe main job's training step (digits CNN, batch 32, AdamW), {rounds} steps of each variant in turn:")
    print(format_table(["variant", "median", "vs no logging", "mean", "vs no logging"],
                       [[name, f"{statistics.median(t) * 1e3:.2f} ms", f"{statistics.median(t) / base_median:.3f}x",
                         f"{statistics.mean(t) * 1e3:.2f} ms", f"{statistics.mean(t) / base_mean:.3f}x"]
                        for name, t in times.items()]))
    return base_median


def main():
    args = parse_args()
    cr, torch = chainrule_and_torch(args.threads)
    writers = []   # closed before the temporary folder goes: their threads write into it
    with tempfile.TemporaryDirectory() as root:
        try:
            per_call = scalar_table(cr, torch, root, writers, args.repeat)
            step = step_table(cr, root, writers, args.steps)
        finally:
            for writer in writers:
                writer.close()
    print(f"\nadd_scalar cost / step time: {per_call * 1e6:.1f} us / {step * 1e3:.2f} ms = "
          f"{per_call / step * 100:.2f}% overhead at one scalar per step")


if __name__ == "__main__":
    main()
