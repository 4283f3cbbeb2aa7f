"""Mode collapse made reproducible, and every remedy alone against it, on the ring and the grid.

    OPENBLAS_NUM_THREADS=1 python experiments/mode_collapse.py [--seeds 5] [--workers 2]
        writes benchmarks/results/mode_collapse.{json,md} and docs/images/mode_collapse_{ring,grid}.png

The collapse recipe (COLLAPSE below) is the toy default with one imbalance: the generator learns
four times faster than the discriminator (lr_g = 1e-3, lr_d = 2.5e-4), for a short run. D then
lags behind G: for the D of the moment, the best G puts all its samples where D is highest, and D
is too slow to punish the pile-up before G has moved on to the next high spot. The generator
chases D around the ring, its samples smeared over one part of it (between the modes as much as on
them; lesson 9 measures this), and the run ends wherever the chase is.

Each remedy is one config key on top of the recipe (REMEDIES); 2,500 samples of the final G are
scored with gan.mode_metrics: modes covered (a mode counts when at least one sample lies within
3 standard deviations of its centre), the high-quality share (samples that close to some mode)
and the KL divergence of the mode histogram of those samples from the uniform one. Wall time is
per run, measured on a loaded shared machine: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # minigan
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # common: results/
ROOT = Path(__file__).resolve().parent.parent

# The collapse recipe: default_config("mlp", dataset) with these overrides.
COLLAPSE = dict(steps=2000, batch_size=128, width=128, lr_g=1e-3, lr_d=2.5e-4)

# Every remedy alone: (name, what it is, the config keys it sets on top of COLLAPSE).
REMEDIES = [
    ("plain", "the collapse recipe, no remedy", {}),
    ("one-sided smoothing", "label_smoothing=0.2 (real label 0.8)", {"label_smoothing": 0.2}),
    ("two-sided smoothing", "two_sided_smoothing=0.2 (real 0.8, fake 0.2)", {"two_sided_smoothing": 0.2}),
    ("instance noise", "instance_noise=0.2, annealed to 0", {"instance_noise": 0.2}),
    ("TTUR", "lr_d=4e-3: D four times faster than G instead of slower", {"lr_d": 4e-3}),
    ("feature matching", "feature_matching=True", {"feature_matching": True}),
    ("minibatch discrimination", 'minibatch="discrimination"', {"minibatch": "discrimination"}),
    ("minibatch stddev", 'minibatch="stddev" (group of 4)', {"minibatch": "stddev"}),
    ("PacGAN", "pack=4", {"pack": 4}),
    ("spectral norm", "spectral_norm=True (every Linear of D)", {"spectral_norm": True}),
    ("unrolled (2 steps)", "unroll=2, unroll_lr=0.5", {"unroll": 2}),
    ("WGAN-GP", 'loss="wgan-gp" (gp_weight 0.1, n_critic 5, as its toy default)',
     {"loss": "wgan-gp", "n_critic": 5, "gp_weight": 0.1, "betas": (0.5, 0.9)}),
]


# Time per step relative to the plain GAN (measured side by side on the ring, batch 128): the
# order in which runs are scheduled, cheap ones first, so that an interrupted benchmark has the most.
COST = {"minibatch discrimination": 6.6, "WGAN-GP": 5.0, "unrolled (2 steps)": 3.5}


def _priority(job):
    remedy, dataset, seed, _ = job
    costly = COST.get(remedy, 1.0) > 2
    phase = (0 if dataset == "ring" else 1 if seed == 0 else 4) + (2 if costly else 0)
    return (phase, COST.get(remedy, 1.0), seed)


def run_one(job) -> dict:
    """Train one (remedy, dataset, seed) and score it; returns the row (and the samples for figures)."""
    remedy, dataset, seed, steps = job
    from minigan import gan
    from minigan.gan.recipes import build, default_config

    overrides = dict(COLLAPSE)  # the recipe wins over the loss defaults (WGAN-GP's toy steps and rates)
    overrides.update(next(o for name, _, o in REMEDIES if name == remedy))
    if steps is not None:
        overrides["steps"] = steps
    loss = overrides.pop("loss", "bce")
    config = default_config("mlp", dataset, loss=loss, seed=seed, sample_every=0, checkpoint_every=0, **overrides)
    run = build(config)
    trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
    started = time.perf_counter()
    trainer.fit(progress=False)
    seconds = time.perf_counter() - started
    samples = gan.sample(run.G, 2500, seed=1000 + seed)
    m = gan.mode_metrics(samples, run.dataset.mixture.centers, run.dataset.mixture.std)
    return {"remedy": remedy, "dataset": dataset, "seed": seed, "steps": config.steps,
            "modes_covered": m["modes_covered"], "num_modes": m["num_modes"],
            "high_quality": round(m["high_quality"], 4), "kl_to_uniform": round(m["kl_to_uniform"], 4),
            "seconds": round(seconds, 1), "samples": samples[:1000].round(4).tolist()}


def summarise(rows, remedy, dataset) -> dict:
    mine = sorted((r for r in rows if r["remedy"] == remedy and r["dataset"] == dataset), key=lambda r: r["seed"])
    k = mine[0]["num_modes"]
    kls = [r["kl_to_uniform"] for r in mine]
    return {"remedy": remedy, "dataset": dataset, "num_modes": k,
            "seeds": [r["seed"] for r in mine], "modes": [r["modes_covered"] for r in mine],
            "mean_modes": float(np.mean([r["modes_covered"] for r in mine])),
            "all_modes_seeds": sum(r["modes_covered"] == k for r in mine),
            "mean_high_quality": float(np.mean([r["high_quality"] for r in mine])),
            "median_kl": float(np.median(kls)),
            "mean_seconds": float(np.mean([r["seconds"] for r in mine]))}


def markdown(summaries, seeds: int, steps) -> str:
    lines = [f"Collapse recipe: `default_config(\"mlp\", dataset, {', '.join(f'{k}={v}' for k, v in COLLAPSE.items())})`"
             + (f" with steps={steps}" if steps else "") + f"; every remedy alone on top of it, seeds 0..{seeds - 1}.",
             "Modes: covered per seed (a mode counts with >= 1 of 2,500 samples within 3 std of it); "
             "all: seeds that cover every mode; HQ: mean share of samples within 3 std of a mode; "
             "KL: median KL of the mode histogram from uniform (inf: no sample near any mode); "
             "s: mean seconds per run (2 cores, two runs at a time, one BLAS thread each).", ""]
    for dataset in ("ring", "grid"):
        rows = [s for s in summaries if s["dataset"] == dataset]
        if not rows:
            continue
        k = rows[0]["num_modes"]
        lines += [f"**{dataset}** ({k} modes)", "",
                  "| remedy | modes per seed | mean | all | HQ | KL | s |", "|---|---|---|---|---|---|---|"]
        for s in rows:
            lines.append(f"| {s['remedy']} | {', '.join(map(str, s['modes']))} | {s['mean_modes']:.1f} | "
                         f"{s['all_modes_seeds']}/{len(s['modes'])} | {s['mean_high_quality']:.0%} | "
                         f"{s['median_kl']:.2f} | {s['mean_seconds']:.0f} |")
        lines.append("")
    return "\n".join(lines)


def figure(rows, dataset: str, path: Path) -> None:
    """One panel per remedy: the final samples of seed 0 over the mode centres."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minigan.datasets import ToyMixture

    mixture = ToyMixture(dataset)
    names = [name for name, _, _ in REMEDIES if any(r["remedy"] == name and r["dataset"] == dataset for r in rows)]
    cols = 4
    fig, axes = plt.subplots((len(names) + cols - 1) // cols, cols, figsize=(3 * cols, 3 * ((len(names) + cols - 1) // cols)))
    lim = 3 if dataset == "ring" else 6
    for ax in axes.ravel():
        ax.axis("off")
    for ax, name in zip(axes.ravel(), names):
        row = min((r for r in rows if r["remedy"] == name and r["dataset"] == dataset), key=lambda r: r["seed"])
        pts = np.array(row["samples"])
        ax.axis("on")
        ax.scatter(mixture.centers[:, 0], mixture.centers[:, 1], s=40, c="none", edgecolors="tab:red", linewidths=1)
        ax.scatter(pts[:, 0], pts[:, 1], s=1, alpha=0.5, c="tab:blue")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"{name}\n{row['modes_covered']}/{row['num_modes']} modes, seed {row['seed']}", fontsize=9)
    fig.suptitle(f"Mode collapse on the {dataset}: each remedy alone on the collapse recipe "
                 f"(red circles: the modes)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)


def committed_runs(steps) -> list:
    """The rows (no samples) of benchmarks/results/mode_collapse.json, for --rerun; they must come
    from the same number of steps."""
    path = ROOT / "benchmarks" / "results" / "mode_collapse.json"
    committed = json.loads(path.read_text())
    if committed["steps_override"] != steps:
        theirs = committed["steps_override"]
        raise ValueError(f"--rerun: expected the steps of the runs in {path.name} ("
                         + (f"--steps {theirs}" if theirs else f"no --steps: the recipe's {COLLAPSE['steps']}")
                         + "), got " + (f"--steps {steps}" if steps else "no --steps"))
    return committed["runs"]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only-seeds", type=int, nargs="+", default=None, help="run just these seeds")
    parser.add_argument("--steps", type=int, default=None, help="override the recipe's steps (quick checks)")
    parser.add_argument("--datasets", nargs="+", default=["ring", "grid"], choices=["ring", "grid"])
    parser.add_argument("--remedies", nargs="+", default=[name for name, _, _ in REMEDIES])
    parser.add_argument("--out", type=Path, default=None, help="write here instead of benchmarks/results")
    parser.add_argument("--runs", type=Path, default=Path("mode_collapse_runs.jsonl"),
                        help="each finished run is appended here (one JSON line) as it finishes")
    parser.add_argument("--report-only", action="store_true",
                        help="write the table and figures from the runs already in --runs")
    parser.add_argument("--rerun", nargs="+", metavar="REMEDY", default=None,
                        help="re-run only these remedies (every seed) and keep every other row of "
                             "benchmarks/results/mode_collapse.json, but seed 0's: the figures draw seed 0's "
                             "samples, which the results file does not hold, so seed 0 of every remedy is re-run")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.remedies + (args.rerun or [])) - {name for name, _, _ in REMEDIES})
    if unknown:
        parser.error(f"unknown remedies {unknown}; known: {[name for name, _, _ in REMEDIES]}")
    seeds = args.only_seeds if args.only_seeds is not None else range(args.seeds)
    jobs = [(r, d, s, args.steps) for d in args.datasets for s in seeds for r in args.remedies]
    rows = []
    started = time.perf_counter()
    if args.runs.is_file():  # runs already done (an interrupted benchmark continues where it stopped)
        rows = [json.loads(line) for line in args.runs.read_text().splitlines() if line.strip()]
        rows = [r for r in rows if r["dataset"] in args.datasets and r["remedy"] in args.remedies]
        done = {(r["remedy"], r["dataset"], r["seed"]) for r in rows}
        jobs = [job for job in jobs if job[:3] not in done]
    if args.rerun:  # jobs already excludes what --runs logged
        try:
            committed = committed_runs(args.steps)
        except ValueError as error:
            parser.error(str(error))
        kept = [r for r in committed if r["remedy"] not in args.rerun and r["seed"] != min(seeds)
                and (r["remedy"], r["dataset"], r["seed"]) in {job[:3] for job in jobs}]
        rows += kept
        jobs = [job for job in jobs if job[:3] not in {(r["remedy"], r["dataset"], r["seed"]) for r in kept}]
    if args.report_only:
        jobs = []
    jobs.sort(key=_priority)
    with ProcessPoolExecutor(args.workers) as pool:
        for future in as_completed([pool.submit(run_one, job) for job in jobs]):
            row = future.result()
            rows.append(row)
            with open(args.runs, "a") as f:
                f.write(json.dumps(row) + "\n")
            print(f"{row['dataset']:4s} {row['remedy']:26s} seed {row['seed']}: {row['modes_covered']:2d}/"
                  f"{row['num_modes']} modes, HQ {row['high_quality']:.0%}, KL {row['kl_to_uniform']:.2f}, "
                  f"{row['seconds']:.0f} s", flush=True)
    summaries = [summarise(rows, r, d) for d in args.datasets for r in args.remedies
                 if any(x["remedy"] == r and x["dataset"] == d for x in rows)]
    args.seeds = max(x["seed"] for x in rows) + 1
    text = markdown(summaries, args.seeds, args.steps)
    payload = {"recipe": COLLAPSE, "steps_override": args.steps, "seeds": args.seeds,
               "remedies": [{"name": n, "what": w, "config": o} for n, w, o in REMEDIES if n in args.remedies],
               "summaries": summaries, "total_seconds": round(time.perf_counter() - started), "rerun": args.rerun,
               "runs": [{k: v for k, v in r.items() if k != "samples"} for r in rows]}
    if args.out is None:
        from common import write_results

        write_results("mode_collapse", payload, text)
        images = ROOT / "docs" / "images"
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "mode_collapse.json").write_text(json.dumps(payload, indent=2) + "\n")
        (args.out / "mode_collapse.md").write_text(text)
        print(text)
        images = args.out
    for dataset in args.datasets:
        figure(rows, dataset, images / f"mode_collapse_{dataset}.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
