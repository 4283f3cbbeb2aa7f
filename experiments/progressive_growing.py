"""Progressive growing at equal CPU time: the same final network grown 7 -> 14 -> 28 or trained at
28x28 from the first step, and each of the paper's stabilisers taken out one at a time.

    OPENBLAS_NUM_THREADS=1 python experiments/progressive_growing.py --variant progressive --seed 0
    OPENBLAS_NUM_THREADS=1 python experiments/progressive_growing.py --all          # every run, in turn
    python experiments/progressive_growing.py --report
        appends each run to benchmarks/results/progressive_growing_runs.jsonl; --report writes
        benchmarks/results/progressive_growing.{json,md}, docs/images/progressive_growing.png and
        benchmarks/results/progressive_growing_samples.npz (64 samples of seed 0 per variant, uint8)

Every run is default_config("progan", "sample", seed=s) with one change (the variant), trained
for the same CPU time (--budget seconds of the process's CPU time in training steps); the
progressive runs grow on the schedule --grow-every/--fade-steps (by default 200 steps at 7x7, 200
at 14x14 with 100 fading in, then 28x28 until the budget is spent: the command line's schedule,
600/300, is sized for its 2,400 steps, more than a short experiment affords). Then 2,500 samples
are scored with the shipped Fashion-MNIST evaluator: FD, precision and recall (k = 3) against the
real test split.
"""

from __future__ import annotations

import argparse
import sys

from budget import RESULTS, ROOT, append_run, read_runs, score, to_uint8, train_for, variant_table
from common import write_results

NAME = "progressive_growing"
VARIANTS = {
    "progressive": {},
    "full resolution from the start": {"grow_every": 0, "fade_steps": 0},
    "without pixel norm": {"pixel_norm": False},
    "without equalized lr": {"equalized_lr": False},
    "without minibatch std": {"minibatch_std": False},
    "without epsilon drift": {"drift": 0.0},
}


def run(variant: str, seed: int, budget: float, samples: int, schedule: dict) -> None:
    import numpy as np

    from minigan.gan.evaluator import load_evaluator
    from minigan.gan.recipes import build, default_config, make_trainer
    from minigan.gan.run_metrics import reference_for
    from minigan.gan.sampling import sample

    config = default_config("progan", "sample", seed=seed, steps=10 ** 6, sample_every=0, checkpoint_every=0,
                            **{**schedule, **VARIANTS[variant]})
    trainer = make_trainer(build(config), config)
    spent = train_for(trainer, budget)
    evaluator = load_evaluator("fashion-mnist")
    row = {"variant": variant, "seed": seed, "budget_cpu_seconds": budget, **spent,
           "grow_every": config.grow_every, "fade_steps": config.fade_steps,
           "final_stage": trainer.stage, **score(trainer.G, evaluator, reference_for(evaluator, "sample"),
                                                 samples, seed=1000 + seed)}
    if seed == 0:
        picture = RESULTS / f"{NAME}_samples_{list(VARIANTS).index(variant)}.npy"
        np.save(picture, to_uint8(sample(trainer.G, 64, seed=7)))
    append_run(NAME, row)


def report() -> None:
    import numpy as np

    rows = read_runs(NAME)
    lines = ["Each run: default_config(\"progan\", \"sample\") with one change, trained for the same CPU time "
             f"({rows[0]['budget_cpu_seconds']:.0f} s of training steps, one thread), then 2,500 samples scored "
             "with the shipped Fashion-MNIST evaluator (FD: lower is better; precision and recall, k = 3: higher). "
             "Mean ± standard deviation over the seeds; the per-seed FDs after the bar.", "",
             "| variant | seeds | FD | precision | recall | steps | CPU s | wall s | FD per seed |",
             "|---|---|---|---|---|---|---|---|---|"]
    summary, table = variant_table(rows, VARIANTS)
    lines += table
    commands = sorted({r["command"] for r in rows})
    lines += ["", "Commands (one process per run; the wall seconds were taken on the shared, loaded machine, several runs side by side: the CPU seconds are what the runs were given in equal amounts):", ""] + [f"    {c}" for c in commands]
    write_results(NAME, {"variants": VARIANTS, "summary": summary, "runs": rows}, "\n".join(lines) + "\n")
    pictures = {f"v{i}": RESULTS / f"{NAME}_samples_{i}.npy" for i in range(len(VARIANTS))}
    new = {key: np.load(p) for key, p in pictures.items() if p.exists()}
    if new:  # the pictures packed by an earlier report are kept: the new runs' join (or replace) them
        packed = RESULTS / f"{NAME}_samples.npz"
        kept = dict(np.load(packed)) if packed.exists() else {}
        np.savez_compressed(packed, **{**kept, **new})
        for p in pictures.values():
            p.unlink(missing_ok=True)
    figure()


def figure() -> None:
    """docs/images/progressive_growing.png: 16 samples (seed 0) of every variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from minigan.gan.plots import image_grid

    data = np.load(RESULTS / f"{NAME}_samples.npz")
    summary = {r["variant"]: r for r in read_runs(NAME) if r["seed"] == 0}
    names = [v for i, v in enumerate(VARIANTS) if f"v{i}" in data]
    fig, axes = plt.subplots(1, len(names), figsize=(2.4 * len(names), 2.9))
    for ax, name in zip(np.atleast_1d(axes), names):
        images = data[f"v{list(VARIANTS).index(name)}"][:16].astype(np.float32) / 127.5 - 1
        ax.imshow(image_grid(images, nrow=4)[..., 0], cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{name}\nFD {summary[name]['fd']:.0f} (seed 0)", fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    out = ROOT / "docs" / "images" / f"{NAME}.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="every variant for seeds 0 .. --seeds - 1")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=240.0, help="CPU seconds of training per run")
    parser.add_argument("--samples", type=int, default=2500)
    parser.add_argument("--grow-every", type=int, default=200, help="steps per resolution (growing runs)")
    parser.add_argument("--fade-steps", type=int, default=100, help="steps of each fade-in (growing runs)")
    parser.add_argument("--report", action="store_true", help="write the tables from the runs so far")
    args = parser.parse_args(argv)
    if args.report:
        return report() or 0
    schedule = {"grow_every": args.grow_every, "fade_steps": args.fade_steps}
    if args.all:
        for seed in range(args.seeds):
            for variant in VARIANTS:
                run(variant, seed, args.budget, args.samples, schedule)
    elif args.variant:
        run(args.variant, args.seed, args.budget, args.samples, schedule)
    else:
        parser.error("give --variant (with --seed), --all or --report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
