"""The style-based generator against the DCGAN of the same size at equal CPU time, and the
truncation trick's quality-diversity curve.

    OPENBLAS_NUM_THREADS=1 python experiments/style_based_generator.py --variant stylegan --seed 0
    OPENBLAS_NUM_THREADS=1 python experiments/style_based_generator.py --all
    python experiments/style_based_generator.py --report
        appends each run to benchmarks/results/style_based_generator_runs.jsonl; --report writes
        benchmarks/results/style_based_generator.{json,md} and docs/images/truncation_curve.png;
        the trained generators go to data/weights/<variant>-sample-seed<s>.npz (lessons 20 and 21
        and experiments/steering.py load them)

stylegan: default_config("stylegan", "sample") (width 8: 51k parameters in G); dcgan (width 8):
default_config("dcgan", "sample", width=8) (52k parameters in G: the DCGAN of the same size);
dcgan (width 32): the command line's default DCGAN (234k; only with --variant). Each trained for the same CPU time,
then 2,500 samples scored with the shipped Fashion-MNIST evaluator. For every stylegan run, the
truncation trick w' = w_avg + psi (w - w_avg) at psi = 0, 0.1, ..., 1: FD, precision and recall.
"""

from __future__ import annotations

import argparse
import sys

from budget import ROOT, append_run, read_runs, score, train_for, variant_table
from common import write_results

NAME = "style_based_generator"
VARIANTS = {"stylegan": ("stylegan", {}), "dcgan (width 8)": ("dcgan", {"width": 8}),
            "dcgan (width 32)": ("dcgan", {})}
IN_ALL = ("stylegan", "dcgan (width 8)")   # --all; the width-32 DCGAN only when asked for by --variant
PSIS = [round(0.1 * i, 1) for i in range(11)]
WEIGHTS = ROOT / "data" / "weights"


def weights_path(variant: str, seed: int):
    slug = variant.replace(" (width ", "-w").replace(")", "")
    return WEIGHTS / f"{slug}-sample-seed{seed}.npz"


def run(variant: str, seed: int, budget: float, samples: int) -> None:
    from minigan.gan.evaluator import load_evaluator
    from minigan.gan.models.stylegan import num_parameters
    from minigan.gan.recipes import build, default_config, make_trainer, save_generator
    from minigan.gan.run_metrics import reference_for

    model, overrides = VARIANTS[variant]
    config = default_config(model, "sample", seed=seed, steps=10 ** 6, sample_every=0, checkpoint_every=0,
                            **overrides)
    trainer = make_trainer(build(config), config)
    spent = train_for(trainer, budget)
    evaluator = load_evaluator("fashion-mnist")
    reference = reference_for(evaluator, "sample")
    G = trainer.G
    row = {"variant": variant, "seed": seed, "budget_cpu_seconds": budget, "g_parameters": num_parameters(G),
           **spent, **score(G, evaluator, reference, samples, seed=1000 + seed)}
    if model == "stylegan":
        curve = []
        for psi in PSIS:
            G.truncation_psi = psi
            curve.append({"psi": psi, **score(G, evaluator, reference, samples, seed=1000 + seed)})
        G.truncation_psi = 1.0
        row["truncation"] = curve
    WEIGHTS.mkdir(parents=True, exist_ok=True)
    save_generator(G, config, weights_path(variant, seed), trained_cpu_seconds=spent["cpu_seconds"],
                   steps=spent["steps"], fd=row["fd"])
    append_run(NAME, row)


def report() -> None:
    import numpy as np

    rows = read_runs(NAME)
    lines = ["Each run trained for the same CPU time "
             f"({rows[0]['budget_cpu_seconds']:.0f} s of training steps, one thread), then 2,500 samples scored "
             "with the shipped Fashion-MNIST evaluator (FD: lower is better; precision and recall, k = 3: higher). "
             "Mean ± standard deviation over the seeds.", "",
             "| generator | G parameters | seeds | FD | precision | recall | steps | CPU s | wall s | FD per seed |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    summary, table = variant_table(rows, VARIANTS, first=lambda mine: [f"{mine[0]['g_parameters']:,}"])
    lines += table
    styled = [r for r in rows if "truncation" in r]
    curve = []
    if styled:
        lines += ["", f"The truncation trick on the {len(styled)} stylegan runs (mean over the seeds):", "",
                  "| psi | FD | precision | recall |", "|---|---|---|---|"]
        for i, psi in enumerate(PSIS):
            point = {key: float(np.mean([r["truncation"][i][key] for r in styled]))
                     for key in ("fd", "precision", "recall")}
            curve.append({"psi": psi, **point})
            lines.append(f"| {psi:.1f} | {point['fd']:.1f} | {point['precision']:.3f} | {point['recall']:.3f} |")
    commands = sorted({r["command"] for r in rows})
    lines += ["", "Commands (one process per run; the wall seconds were taken on the shared, loaded machine, several runs side by side: the CPU seconds are what the runs were given in equal amounts):", ""] + [f"    {c}" for c in commands]
    write_results(NAME, {"variants": {k: v[1] for k, v in VARIANTS.items()}, "summary": summary,
                         "truncation_curve": curve, "runs": rows}, "\n".join(lines) + "\n")
    if curve:
        figure(curve, styled)


def figure(curve, styled) -> None:
    """docs/images/truncation_curve.png: FD, precision and recall against psi."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
    psis = [p["psi"] for p in curve]
    for r in styled:
        axes[0].plot(psis, [p["fd"] for p in r["truncation"]], color="C0", alpha=0.3, lw=1)
    axes[0].plot(psis, [p["fd"] for p in curve], "o-", color="C0", label="mean of the seeds")
    axes[0].set_xlabel("ψ"), axes[0].set_ylabel("FD (lower is better)"), axes[0].legend()
    axes[1].plot(psis, [p["precision"] for p in curve], "o-", label="precision (quality)")
    axes[1].plot(psis, [p["recall"] for p in curve], "s-", label="recall (diversity)")
    axes[1].set_xlabel("ψ"), axes[1].legend(), axes[1].set_ylim(0, 1)
    fig.suptitle("The truncation trick: w' = w̄ + ψ (w − w̄)")
    fig.tight_layout()
    out = ROOT / "docs" / "images" / "truncation_curve.png"
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variant", choices=list(VARIANTS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all", action="store_true", help="stylegan and dcgan (width 8) for seeds 0 .. --seeds - 1")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--budget", type=float, default=240.0, help="CPU seconds of training per run")
    parser.add_argument("--samples", type=int, default=2500)
    parser.add_argument("--report", action="store_true", help="write the tables from the runs so far")
    args = parser.parse_args(argv)
    if args.report:
        report()
    elif args.all:
        for seed in range(args.seeds):
            for variant in IN_ALL:
                run(variant, seed, args.budget, args.samples)
    elif args.variant:
        run(args.variant, args.seed, args.budget, args.samples)
    else:
        parser.error("give --variant (with --seed), --all or --report")
    return 0


if __name__ == "__main__":
    sys.exit(main())
