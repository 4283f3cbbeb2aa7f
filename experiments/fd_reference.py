"""Reference points for the image metrics: what FD (and the others) read for real data, for noise,
and for the default `python -m minigan train` run.

    floor    real Fashion-MNIST *train* images vs the test split (what a perfect generator scores,
             at the same sample size: the FD of a finite sample is biased upwards)
    ceiling  uniform noise in [-1, 1] vs the test split
    run      a run folder's samples.npy (e.g. runs/dcgan-sample after `python -m minigan train`)

    python experiments/fd_reference.py --run runs/dcgan-sample
Results: benchmarks/results/fd_reference.{json,md}.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # minigan
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # common: results/

from minigan.datasets import load_dataset  # noqa: E402
from minigan.gan.run_metrics import image_metrics, reference_for  # noqa: E402
from minigan.gan.evaluator import load_evaluator  # noqa: E402

from common import write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Path, action="append", default=[], help="run folders to include")
    parser.add_argument("--samples", type=int, default=2500, help="sample size (that of samples.npy)")
    args = parser.parse_args()
    evaluator = load_evaluator("fashion-mnist")
    reference = reference_for(evaluator, "fashion-mnist")
    train = load_dataset("fashion-mnist", "train").images
    rng = np.random.default_rng(0)
    cases = [
        (f"real train images ({args.samples}, random) vs test: the floor",
         train[rng.choice(len(train), args.samples, replace=False)]),
        (f"real train images (all {len(train)}) vs test", train),
        (f"uniform noise in [-1, 1] ({args.samples}) vs test: the ceiling",
         rng.uniform(-1, 1, (args.samples, 1, 28, 28)).astype(np.float32)),
    ]
    for run in args.run:
        config = json.loads((run / "config.json").read_text())
        cases.append((f"`python -m minigan train` run ({config['model']} on {config['dataset']}, "
                      f"{config['steps']} steps, seed {config['seed']}), samples.npy",
                      np.load(run / "samples.npy", allow_pickle=False)))
    rows = []
    for name, images in cases:
        m = image_metrics(evaluator, reference, images)
        rows.append({"case": name, **{k: v for k, v in m.items() if k != "class_shares"}})
        print(f"{name}: FD {m['fd']:.3f}", flush=True)
    lines = [f"Evaluator `data/evaluator/fashion-mnist.npz` (test accuracy {100 * evaluator.test_accuracy:.2f}%); "
             f"reference: the {len(reference.features)} Fashion-MNIST test images. Precision/recall "
             f"against as many test images as samples (at most {len(reference.features)}), k = 3.\n",
             "| samples | n | FD | classifier score | precision | recall | classes below half |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['num_samples']} | {r['fd']:.3f} | {r['classifier_score']:.2f} | "
                     f"{r['precision']:.3f} | {r['recall']:.3f} | {r['classes_below_half']} |")
    write_results("fd_reference", {"rows": rows}, "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
