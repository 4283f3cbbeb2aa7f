"""Steering the trained generators: how smooth the latent spaces are, how well one attribute can be
changed alone, and classifier-guided editing, in z and in w.

    OPENBLAS_NUM_THREADS=1 python experiments/steering.py --model stylegan --seed 0   # one generator
    python experiments/steering.py --report
        reads a generator experiments/style_based_generator.py saved in data/weights/ (stylegan or
        dcgan width 8, seeds 0-2), appends its rows to benchmarks/results/steering_runs.jsonl;
        --report writes benchmarks/results/steering.{json,md}

For each generator and latent space (z with linear and spherical interpolation; w with linear
interpolation, stylegan only):

* perceptual path length on the evaluator's features (gan.steering.path_length, --pairs pairs
  (1,000), eps 0.01, the 1 % tails dropped);
* for the attributes brightness and size (gan.steering.attributes), a direction found by least
  squares on --labelled (2,000) labelled samples, then --fresh (500) fresh samples moved along it
  by the amount that the fit predicts to raise the attribute by one standard deviation: the change
  measured (in standard deviations), the mean absolute change of the other attribute (the drift:
  entanglement) and the share of samples whose class changed;
* classifier-guided editing: --guided (100) samples pushed by gradient ascent toward the class
  "Trouser" (20 steps): the share that ends classified as trousers and how far the latent moved.

The defaults in brackets; the committed results say which sizes they used (each row records them).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from budget import ROOT, append_run, mean_std, read_runs
from common import write_results

NAME = "steering"
WEIGHTS = ROOT / "data" / "weights"
MODELS = {"stylegan": "stylegan-sample-seed{}.npz", "dcgan (width 8)": "dcgan-w8-sample-seed{}.npz"}
TROUSER = 1


def measure(G, evaluator, space_name: str, seed: int, sizes: dict) -> dict:
    from minigan.gan import steering

    space = steering.LatentSpace(G, space_name, noise_seed=seed)
    out = {}
    modes = ("linear", "spherical") if space_name == "z" else ("linear",)
    for mode in modes:
        out[f"ppl_{mode}"] = steering.path_length(space, evaluator, mode, n=sizes["pairs"], seed=seed)["mean"]
    train = space.sample(sizes["labelled"], seed=seed + 10)
    values = steering.attributes(space.images(train), evaluator)
    fresh = space.sample(sizes["fresh"], seed=seed + 20)
    for target in ("brightness", "size"):
        direction = steering.find_direction(train, values[target])
        slope = np.polyfit((train - train.mean(0)) @ direction, values[target], 1)[0]
        amount = values[target].std() / slope               # +1 std predicted by the fit
        effects = steering.edit_effects(space, fresh, direction, amount, evaluator, target)
        out[f"{target}_change"] = effects["target_change"]
        out[f"{target}_drift"] = effects["drift"]
        out[f"{target}_class_changed"] = effects["class_changed"]
        out[f"{target}_amount"] = float(amount)
    start = space.sample(sizes["guided"], seed=seed + 30)
    guided = steering.classifier_guided_edit(space, start, evaluator, TROUSER, steps=20, lr=0.1)
    final = space.images(guided["latents"][-1])
    out["guided_success"] = float((steering.attributes(final, evaluator)["class"] == TROUSER).mean())
    out["guided_start"] = float((steering.attributes(space.images(start), evaluator)["class"] == TROUSER).mean())
    moved = np.linalg.norm(guided["latents"][-1] - start, axis=1) / np.linalg.norm(start - start.mean(0), axis=1).mean()
    out["guided_distance"] = float(moved.mean())
    return out


def run(model: str, seed: int, sizes: dict) -> None:
    """Measure one trained generator (in z, and in w for stylegan); one row per space appended to
    benchmarks/results/steering_runs.jsonl."""
    from minigan.gan.evaluator import load_evaluator
    from minigan.gan.recipes import load_generator

    path = WEIGHTS / MODELS[model].format(seed)
    if not path.exists():
        raise SystemExit(f"{path} is missing: train it with experiments/style_based_generator.py "
                         f"--variant {model!r} --seed {seed}")
    evaluator = load_evaluator("fashion-mnist")
    G, _ = load_generator(path)
    G.eval()
    for space in ("z", "w") if model == "stylegan" else ("z",):
        append_run(NAME, {"model": model, "space": space, "seed": seed, **measure(G, evaluator, space, seed, sizes), **sizes})


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=list(MODELS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--pairs", type=int, default=1000, help="pairs of latents for the path length")
    parser.add_argument("--labelled", type=int, default=2000, help="labelled samples per direction")
    parser.add_argument("--fresh", type=int, default=500, help="samples moved by each edit")
    parser.add_argument("--guided", type=int, default=100, help="samples guided toward 'Trouser'")
    parser.add_argument("--report", action="store_true", help="write the table from the runs so far")
    args = parser.parse_args(argv)
    if args.model:
        run(args.model, args.seed, {k: getattr(args, k) for k in ("pairs", "labelled", "fresh", "guided")})
    elif args.report:
        report()
    else:
        parser.error("give --model (with --seed) or --report")
    return 0


def report() -> None:
    rows = read_runs(NAME)
    keys = [("ppl_linear", "PPL, linear"), ("ppl_spherical", "PPL, spherical"),
            ("brightness_change", "brightness edit: change (std)"), ("brightness_drift", "drift of size (std)"),
            ("brightness_class_changed", "class changed"),
            ("size_change", "size edit: change (std)"), ("size_drift", "drift of brightness (std)"),
            ("size_class_changed", "class changed"),
            ("guided_start", "trousers before guidance"), ("guided_success", "trousers after 20 steps"),
            ("guided_distance", "distance moved (x typical spread)")]
    groups = [(m, s) for m in MODELS for s in ("z", "w") if any(r["model"] == m and r["space"] == s for r in rows)]
    lines = ["Mean ± standard deviation over the trained generators (seeds). PPL: perceptual path length on "
             "the evaluator's features (lower: smoother). Edits: +1 predicted standard deviation of the "
             "target along its least-squares direction; the change achieved and the other attribute's "
             "mean absolute change, both in standard deviations; the share of samples whose class "
             "changed. Guided: gradient ascent on the latent toward 'Trouser' through the classifier.", "",
             "| measure | " + " | ".join(f"{m}, {s}" for m, s in groups) + " |",
             "|---|" + "---|" * len(groups)]
    summary = {}
    for key, label in keys:
        cells = []
        for m, s in groups:
            values = [r[key] for r in rows if r["model"] == m and r["space"] == s and key in r]
            summary.setdefault(f"{m}, {s}", {})[key] = float(np.mean(values)) if values else None
            cells.append(mean_std(values) if values else "—")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    commands = sorted({r["command"] for r in rows})
    lines += ["", "Commands (one process per generator), then `python experiments/steering.py --report`:", ""]
    lines += [f"    {c}" for c in commands]
    write_results(NAME, {"summary": summary, "runs": rows}, "\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
