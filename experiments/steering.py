"""Steering the trained generators: how smooth the latent spaces are, how well one attribute can be
changed alone, and classifier-guided editing, in z and in w.

    OPENBLAS_NUM_THREADS=1 python experiments/steering.py
        reads the generators experiments/style_based_generator.py saved in data/weights/ (stylegan,
        seeds 0-2; dcgan width 8, seeds 0-2) and writes benchmarks/results/steering.{json,md}

For each generator and latent space (z with linear and spherical interpolation; w with linear
interpolation, stylegan only):

* perceptual path length on the evaluator's features (gan.steering.path_length, 1,000 pairs, eps
  0.01, the 1 % tails dropped);
* for the attributes brightness and size (gan.steering.attributes), a direction found by least
  squares on 2,000 labelled samples, then 500 fresh samples moved along it by the amount that the
  fit predicts to raise the attribute by one standard deviation: the change measured (in standard
  deviations), the mean absolute change of the other attribute (the drift: entanglement) and the
  share of samples whose class changed;
* classifier-guided editing: 100 samples pushed by gradient ascent toward the class "Trouser"
  (20 steps): the share that ends classified as trousers and how far the latent moved.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from budget import ROOT, mean_std
from common import write_results

NAME = "steering"
WEIGHTS = ROOT / "data" / "weights"
MODELS = {"stylegan": "stylegan-sample-seed{}.npz", "dcgan (width 8)": "dcgan-w8-sample-seed{}.npz"}
TROUSER = 1


def measure(G, evaluator, space_name: str, seed: int) -> dict:
    from minigan.gan import steering

    space = steering.LatentSpace(G, space_name, noise_seed=seed)
    out = {}
    modes = ("linear", "spherical") if space_name == "z" else ("linear",)
    for mode in modes:
        out[f"ppl_{mode}"] = steering.path_length(space, evaluator, mode, n=1000, seed=seed)["mean"]
    train = space.sample(2000, seed=seed + 10)
    values = steering.attributes(space.images(train), evaluator)
    fresh = space.sample(500, seed=seed + 20)
    for target in ("brightness", "size"):
        direction = steering.find_direction(train, values[target])
        slope = np.polyfit((train - train.mean(0)) @ direction, values[target], 1)[0]
        amount = values[target].std() / slope               # +1 std predicted by the fit
        effects = steering.edit_effects(space, fresh, direction, amount, evaluator, target)
        out[f"{target}_change"] = effects["target_change"]
        out[f"{target}_drift"] = effects["drift"]
        out[f"{target}_class_changed"] = effects["class_changed"]
        out[f"{target}_amount"] = float(amount)
    start = space.sample(100, seed=seed + 30)
    guided = steering.classifier_guided_edit(space, start, evaluator, TROUSER, steps=20, lr=0.1)
    final = space.images(guided["latents"][-1])
    out["guided_success"] = float((steering.attributes(final, evaluator)["class"] == TROUSER).mean())
    out["guided_start"] = float((steering.attributes(space.images(start), evaluator)["class"] == TROUSER).mean())
    moved = np.linalg.norm(guided["latents"][-1] - start, axis=1) / np.linalg.norm(start - start.mean(0), axis=1).mean()
    out["guided_distance"] = float(moved.mean())
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args(argv)

    from minigan.gan.evaluator import load_evaluator
    from minigan.gan.recipes import load_generator

    evaluator = load_evaluator("fashion-mnist")
    rows = []
    for model, pattern in MODELS.items():
        for seed in range(args.seeds):
            path = WEIGHTS / pattern.format(seed)
            if not path.exists():
                print(f"skipping {path} (train it with experiments/style_based_generator.py)")
                continue
            G, _ = load_generator(path)
            G.eval()
            for space in ("z", "w") if model == "stylegan" else ("z",):
                rows.append({"model": model, "space": space, "seed": seed, **measure(G, evaluator, space, seed)})
                print(rows[-1], flush=True)
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
    lines += ["", "Command:", "", "    OPENBLAS_NUM_THREADS=1 python experiments/steering.py"]
    write_results(NAME, {"summary": summary, "runs": rows}, "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
