"""Mode-collapse remedies on images: the default DCGAN vs feature matching vs minibatch stddev.

    OPENBLAS_NUM_THREADS=1 python experiments/mode_collapse_images.py [--steps 2000] [--seeds 3]
        writes benchmarks/results/mode_collapse_images.{json,md}

Each variant is default_config("dcgan", "sample") with one config key; after training, 2,000
samples are scored with the shipped Fashion-MNIST evaluator (data/evaluator/fashion-mnist.npz):
FD against the real test split, classes below half their fair share and missing classes (class
coverage), and the classifier score. The default DCGAN does not collapse on Fashion-MNIST, so this
measures what each remedy costs or gains in quality, not a cure.
"""

from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # minigan
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))  # common: results/

from common import write_results  # noqa: E402
from minigan import gan  # noqa: E402
from minigan.gan.evaluator import load_evaluator  # noqa: E402
from minigan.gan.recipes import build, default_config  # noqa: E402
from minigan.gan.run_metrics import image_metrics, reference_for  # noqa: E402

VARIANTS = [("default DCGAN", {}), ("feature matching", {"feature_matching": True}),
            ("minibatch stddev", {"minibatch": "stddev"})]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=2000, help="generator steps (the default DCGAN's 2000)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--report-from", type=Path, default=None,
                        help="write the table from the rows an interrupted run printed (one dict per line)")
    args = parser.parse_args(argv)
    rows = []
    if args.report_from is not None:
        rows = [ast.literal_eval(line) for line in args.report_from.read_text().splitlines() if line.startswith("{")]
        args.seeds = 0  # train nothing
        args.steps = rows[0]["steps"]
    else:
        evaluator = load_evaluator("fashion-mnist")
        reference = reference_for(evaluator, "sample")
    for seed in range(args.seeds):
        for name, overrides in VARIANTS:
            config = default_config("dcgan", "sample", seed=seed, steps=args.steps, sample_every=0,
                                    checkpoint_every=0, **overrides)
            run = build(config)
            trainer = gan.Trainer(run.G, run.D, run.opt_g, run.opt_d, run.loader, config)
            started = time.perf_counter()
            trainer.fit(progress=False)
            seconds = time.perf_counter() - started
            m = image_metrics(evaluator, reference, gan.sample(run.G, args.samples, seed=1000 + seed))
            rows.append({"variant": name, "seed": seed, "steps": args.steps, "fd": round(m["fd"], 2),
                         "classes_below_half": m["classes_below_half"], "classes_missing": m["classes_missing"],
                         "classifier_score": round(m["classifier_score"], 3), "seconds": round(seconds)})
            print(rows[-1], flush=True)
    lines = [f"default_config(\"dcgan\", \"sample\") for {args.steps} steps + one key; {args.samples} samples "
             f"per run scored with the shipped Fashion-MNIST evaluator; seeds "
             f"{sorted({r['seed'] for r in rows})}.", "",
             "| variant | FD per seed | classes below half a share, per seed | missing classes | classifier score | s per run |",
             "|---|---|---|---|---|---|"]
    for name, _ in VARIANTS:
        mine = [r for r in rows if r["variant"] == name]
        if not mine:
            continue
        fds = ", ".join("%.1f" % r["fd"] for r in mine)
        below = ", ".join(str(r["classes_below_half"]) for r in mine)
        missing = ", ".join(str(r["classes_missing"]) for r in mine)
        scores = ", ".join("%.2f" % r["classifier_score"] for r in mine)
        seconds = sum(r["seconds"] for r in mine) / len(mine)
        lines.append(f"| {name} | {fds} | {below} | {missing} | {scores} | {seconds:.0f} |")
    write_results("mode_collapse_images", {"steps": args.steps, "seeds": sorted({r["seed"] for r in rows}), "runs": rows},
                  "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
