"""Whole programs: each PyTorch program of tests/programs/ run by chainrule (imports changed) and by
PyTorch, alternately, in fresh interpreters at their default sizes.

Reports the median of each program's own timing of its training loop (the "seconds" of its JSON
summary) and of the whole run (interpreter start, import, data, training), with ratios chainrule /
PyTorch. Both libraries use their default thread counts (pass --threads to set both).

    python3 bench/bench_programs.py [--repeat R] [--threads N] [--only vae,dcgan]
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

from common import bench_arguments, format_table

PROGRAMS = pathlib.Path(__file__).resolve().parent.parent / "tests" / "programs"
NAMES = ["lbfgs_fit", "char_transformer", "word_lstm", "vae", "dcgan", "cnn_workers", "actor_critic", "finetune_resume",
         "padded_gru", "tiny_vit", "distill", "metric_learning", "wgan_gp",
         "seq2seq_transformer", "forecast_lstm", "mass_spring"]


def run_once(backend, name, threads):
    env = dict(os.environ)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, str(PROGRAMS / "run_program.py"), "--backend", backend,
                          str(PROGRAMS / f"{name}.py")], capture_output=True, text=True, env=env, cwd=PROGRAMS)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        sys.exit(f"{name} under {backend} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"], wall


def main():
    parser = bench_arguments(__doc__, repeat=3, unit="program")
    parser.add_argument("--only", default=",".join(NAMES), help="comma-separated program names")
    args = parser.parse_args()
    rows = []
    for name in args.only.split(","):
        times = {"chainrule": [], "torch": []}
        for _ in range(args.repeat):
            for backend in times:  # alternate, so that background load hits both alike
                times[backend].append(run_once(backend, name, args.threads))
        ours = [statistics.median(t[i] for t in times["chainrule"]) for i in (0, 1)]
        theirs = [statistics.median(t[i] for t in times["torch"]) for i in (0, 1)]
        rows.append([name, f"{ours[0]:.3f}", f"{theirs[0]:.3f}", f"{ours[0] / theirs[0]:.2f}x",
                     f"{ours[1]:.2f}", f"{theirs[1]:.2f}", f"{ours[1] / theirs[1]:.2f}x"])
        print("  ".join(rows[-1]), flush=True)
    header = ["program", "train s (cr)", "train s (torch)", "ratio", "run s (cr)", "run s (torch)", "ratio"]
    print("\n" + format_table(header, rows))


if __name__ == "__main__":
    main()
