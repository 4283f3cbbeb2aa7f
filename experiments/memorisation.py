"""Does a GAN copy its training images, and does its discriminator give them away? (lesson 22)

    OPENBLAS_NUM_THREADS=1 python experiments/memorisation.py [--per-class 10 100 450] [--seeds 2]
        writes benchmarks/results/memorisation.{json,md}

The bundled Fashion-MNIST sample is split in two fixed halves (gan.uses.halves): a pool and 5,000
held-out images. For each training-set size (`--per-class` images of each class from the pool, at
most 463: its smallest class) and seed, the class-conditional DCGAN recipe (gan.uses.train_cgan, as
in experiments/augmentation.py) is trained, and at each of `--checkpoints` steps measured:

    ratio      median distance (pixels, L2) from 1,000 samples to their nearest training image,
               divided by the same for 1,000 held-out real images. 1: the samples are as new as
               unseen real images; near 0: copies.
    near-copy  the share of samples closer to a training image than 99% of held-out real images are
    AUC        membership inference with D (Hayes et al. 2019): how well D's score separates the
               training images from as many held-out images (0.5: not at all)
    FD         the samples' Fréchet distance (shipped evaluator) against the whole sample
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

import minigan as mg  # noqa: E402
from common import RESULTS, write_results  # noqa: E402
from minigan.datasets import load_dataset  # noqa: E402
from minigan.gan.evaluator import load_evaluator  # noqa: E402
from minigan.gan.metrics import nearest_neighbours  # noqa: E402
from minigan.gan.run_metrics import image_metrics, reference_for  # noqa: E402
from minigan.gan.uses import (class_balanced_subset, conditional_samples, discriminator_scores, halves,  # noqa: E402
                              membership_auc, train_cgan)

SAMPLES = 1000


def measure(trainer, x, y, data, test, evaluator, reference, seed):
    mg.manual_seed(5000 + seed)
    labels = np.arange(SAMPLES) % 10
    samples = conditional_samples(trainer, labels)
    held_out = test[:SAMPLES]
    sample_nn, _ = nearest_neighbours(samples, x)
    real_nn, _ = nearest_neighbours(data.images[held_out], x)
    members = test[:len(x)]
    auc = membership_auc(discriminator_scores(trainer.D, x, y),
                         discriminator_scores(trainer.D, data.images[members], data.labels[members]))
    return {"ratio": round(float(np.median(sample_nn) / np.median(real_nn)), 3),
            "near_copy": round(float((sample_nn < np.percentile(real_nn, 1)).mean()), 3),
            "auc": round(auc, 3), "fd": round(image_metrics(evaluator, reference, samples)["fd"], 1),
            "sample_nn": round(float(np.median(sample_nn)), 2), "held_out_nn": round(float(np.median(real_nn)), 2)}


def run(per_class, seed, checkpoints):
    """One training set (per_class images of each class, drawn by seed), measured at each checkpoint;
    in its own process (--workers): loads the data and the evaluator itself."""
    data = load_dataset("sample")
    pool, test = halves(len(data))
    evaluator = load_evaluator("fashion-mnist")
    reference = reference_for(evaluator, "sample")
    chosen = pool[class_balanced_subset(data.labels[pool], per_class, np.random.default_rng(seed))]
    x, y = data.images[chosen], data.labels[chosen]
    rows, trainer, started = [], None, time.process_time()
    for steps in sorted(checkpoints):
        if trainer is None:
            trainer = train_cgan(x, y, data.classes, steps, seed=seed)
        else:
            trainer.fit(steps, progress=False)
        cpu = time.process_time() - started
        rows.append({"per_class": per_class, "train_size": len(x), "seed": seed, "steps": steps,
                     "cpu_s": round(cpu), **measure(trainer, x, y, data, test, evaluator, reference, seed)})
        print(rows[-1], flush=True)
    return rows


def markdown(rows, command) -> str:
    """The results table: one line per (training-set size, steps), one value per seed."""
    lines = [f"`{command}`", "",
             "Class-conditional DCGAN (default_config(\"cgan\")) trained on N images (class-balanced, drawn by the seed) from a "
             "fixed half of the bundled sample; 1,000 samples and 1,000 held-out real images from the other half. "
             "ratio: median nearest-training-image distance of the samples / of the held-out images (1 = as new as "
             "unseen real images, 0 = copies); near-copy: share of samples closer to a training image than 99% of "
             "held-out images are; AUC: membership inference from D's score (0.5 = no leak). Per seed, "
             f"seeds {sorted({r['seed'] for r in rows})}.", "",
             "| training images | steps | ratio | near-copy | membership AUC | FD |", "|---|---|---|---|---|---|"]
    for per_class, steps in dict.fromkeys((r["per_class"], r["steps"]) for r in rows):
        mine = [r for r in rows if r["per_class"] == per_class and r["steps"] == steps]

        def cell(key, fmt, mine=mine):
            return ", ".join(fmt.format(r[key]) for r in mine)
        lines.append(f"| {mine[0]['train_size']} | {steps} | {cell('ratio', '{:.2f}')} | {cell('near_copy', '{:.1%}')} | "
                     f"{cell('auc', '{:.2f}')} | {cell('fd', '{:.0f}')} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, nargs="+", default=[10, 100, 450])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=[500, 1000, 2000])
    parser.add_argument("--only", nargs="+", metavar="PER_CLASS:SEED",
                        help="run only these (per-class, seed) pairs (to finish a run that stopped part way)")
    parser.add_argument("--workers", type=int, default=1, help="runs in parallel processes (same results)")
    args = parser.parse_args(argv)
    data = load_dataset("sample")
    smallest = int(np.bincount(data.labels[halves(len(data))[0]]).min())
    if max(args.per_class) > smallest:
        parser.error(f"--per-class: expected at most {smallest} (the pool's smallest class), got {max(args.per_class)}")
    jobs = [(per_class, seed) for per_class in args.per_class for seed in range(args.seeds)]
    if args.only:
        wanted = [tuple(int(part) if part.isdigit() else part for part in pair.split(":")) for pair in args.only]
        unknown = [":".join(map(str, pair)) for pair in wanted if pair not in jobs]
        if unknown:
            parser.error(f"--only: expected PER_CLASS:SEED pairs from --per-class and --seeds, got {' '.join(unknown)}")
        jobs = [job for job in jobs if job in wanted]
    kept = logged_rows(args, jobs) if args.only else []
    rows = []
    with ProcessPoolExecutor(args.workers) as workers:
        futures = [workers.submit(run, per_class, seed, args.checkpoints) for per_class, seed in jobs]
        for future in futures:
            rows += future.result()
    rows = sorted(kept + rows, key=lambda r: (r["per_class"], r["seed"], r["steps"]))
    command = (f"OPENBLAS_NUM_THREADS=1 python experiments/memorisation.py --per-class "
               f"{' '.join(map(str, args.per_class))} --seeds {args.seeds} --checkpoints {' '.join(map(str, args.checkpoints))}")
    note = (f"Completed with `{command} --only {' '.join(args.only)}`: the other runs' rows are kept from "
            f"the results file (measured {kept[0]['measured']}). " if kept else "")
    write_results("memorisation", {"command": command, "note": note, **vars(args), "runs": rows},
                  (f"{note}\n\n" if note else "") + markdown(rows, command))
    return 0


def logged_rows(args, jobs):
    """--only: the rows of the command's other (per-class, seed) runs from the results file (same
    --seeds and --checkpoints), so that the file written at the end holds every run of the command."""
    path = RESULTS / "memorisation.json"
    if not path.exists():
        return []
    logged = json.loads(path.read_text())
    if logged.get("seeds") != args.seeds or sorted(logged.get("checkpoints", [])) != sorted(args.checkpoints):
        sys.exit(f"--only: {path} holds another command's runs ({logged.get('command')}); "
                 f"expected --seeds {args.seeds} --checkpoints {' '.join(map(str, args.checkpoints))}")
    measured = logged["machine"]["date"]
    return [{**row, "measured": row.get("measured", measured)} for row in logged["runs"]
            if row["per_class"] in args.per_class and (row["per_class"], row["seed"]) not in jobs]


if __name__ == "__main__":
    sys.exit(main())
