"""Image-to-image GANs against the baselines that need no adversary, on the bundled sample.

    OPENBLAS_NUM_THREADS=1 python experiments/image_to_image.py TASK... [--seeds 3] [--steps [TASK=]N ...]
                                                                [--workers W] [--curve]
        TASK: pix2pix | cyclegan | srgan | inpaint | all;  report: rewrite the tables and the plot
        from the JSON files. --workers W trains W runs at once (processes); each run's row is kept
        in --cache (default /tmp/minigan-image-to-image), so an interrupted study resumes.
        writes benchmarks/results/image_to_image_<task>.json and image_to_image.md (every task
        measured so far, one table each), and the pictures benchmarks/results/image_to_image_<task>.png
        (input | each method | target) and, for srgan and inpaint, the perception-distortion plot

Every run is `python -m minigan train --model M` with its defaults (default_config(M)) and one
change for the variant, seeds 0, 1, 2; after training, G translates the 2,000 held-out inputs
(images 8000..9999 of the sample, never trained on) and translation_metrics measures them (the
shipped Fashion-MNIST evaluator: FD to the held-out targets, accuracy on the inputs' classes,
PSNR, sharpness). The baselines without training (the identity map, bicubic upsampling, the grey
hole) are measured the same way. Each run's CPU time (time.process_time of this process, one BLAS
thread) and wall time are in the table; the machine was shared, so the CPU time is the one to
read.

The variants:
    pix2pix    pix2pix (adversarial + L1)  vs  the same U-Net with L1 only (adv_weight 0)
    cyclegan   CycleGAN  vs  CycleGAN without the cycle loss (cycle_weights 0, 0, and no
               identity loss: the GAN alone)  vs
               the identity map (an outline left an outline)
    srgan      SRGAN (pixel + adversarial)  vs  SRResNet (the pixel loss alone)  vs  bicubic;
               plus SRGAN at other adversarial weights, for the perception-distortion curve
    inpaint    context encoder (L2 + adversarial)  vs  reconstruction only (L2)  vs  the grey hole;
               plus other adversarial weights, for the same curve
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from common import RESULTS, machine_info  # noqa: E402

import minigan as mg  # noqa: E402
from minigan import functional as F  # noqa: E402
from minigan.gan.evaluator import load_evaluator  # noqa: E402
from minigan.gan.recipes import build, default_config, make_trainer  # noqa: E402
from minigan.gan.run_metrics import translation_metrics  # noqa: E402

# (name, overrides of default_config(model)); None: a baseline computed without training
VARIANTS = {
    "pix2pix": [("pix2pix (adversarial + L1)", {}), ("U-Net, L1 only", {"adv_weight": 0.0})],
    "cyclegan": [("CycleGAN", {}), ("CycleGAN without the cycle loss", {"cycle_weights": (0.0, 0.0), "identity_weight": 0.0}),
                 ("identity map", None)],
    "srgan": [("SRGAN (pixel + adversarial)", {}), ("SRResNet (pixel loss only)", {"adv_weight": 0.0}),
              ("bicubic", None)],
    "inpaint": [("context encoder (L2 + adversarial)", {}), ("reconstruction only (L2)", {"adv_weight": 0.0}),
                ("grey hole", None)],
}
# With --curve: extra adversarial weights for the perception-distortion curve (each run with
# every seed: one seed is not enough).
CURVE = {"srgan": [0.003, 0.03], "inpaint": [0.003, 0.03]}
COMMAND = "OPENBLAS_NUM_THREADS=1 python experiments/image_to_image.py {task} --seeds {seeds}"


def baseline(model: str, name: str, held_out) -> np.ndarray:
    """The translations of a method that needs no training."""
    if name == "bicubic":
        return np.clip(F.interpolate(mg.tensor(held_out.inputs), scale_factor=4, mode="bicubic").numpy(), -1, 1)
    return held_out.inputs.copy()  # the identity map; for inpainting the grey hole left as it is


def run_variant(model: str, overrides: dict, seed: int, steps: int | None, evaluator) -> tuple[dict, np.ndarray]:
    values = dict(seed=seed, sample_every=0, checkpoint_every=0, **overrides)
    if steps is not None:
        values["steps"] = steps
    config = default_config(model, **values)
    run = build(config)
    trainer = make_trainer(run, config)
    cpu, wall = time.process_time(), time.perf_counter()
    trainer.fit(progress=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    outputs = trainer.sample_many(len(run.held_out))
    metrics = translation_metrics(evaluator, outputs, run.held_out, model)
    return {**metrics, "steps": config.steps, "cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1),
            "config": config.to_dict()}, outputs


def jobs_of(model: str, seeds: int, curve: bool) -> list[tuple[str, str, dict, int]]:
    """(model, variant, overrides, seed) of every run to train for `model`."""
    variants = list(VARIANTS[model]) + [(f"adversarial weight {w:g}", {"adv_weight": w})
                                        for w in (CURVE.get(model, []) if curve else [])]
    return [(model, name, overrides, seed) for name, overrides in variants if overrides is not None
            for seed in range(seeds)]


_EVALUATOR = None


def run_job(job: tuple, steps: int | None, cache: Path) -> tuple[tuple, dict, np.ndarray]:
    """Train and measure one (model, variant, overrides, seed) run, or read it from `cache` (a run
    measured before with the same steps)."""
    global _EVALUATOR
    model, name, overrides, seed = job
    slug = "".join(c if c.isalnum() else "_" for c in name)
    path = cache / f"{model}__{slug}__seed{seed}__steps{steps}.npz"
    if path.is_file():
        saved = np.load(path, allow_pickle=False)
        return job, json.loads(str(saved["row"])), saved["pictures"]
    if _EVALUATOR is None:
        _EVALUATOR = load_evaluator("fashion-mnist")
    row, outputs = run_variant(model, overrides, seed, steps, _EVALUATOR)
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(path, row=json.dumps(row), pictures=outputs[:12])
    return job, row, outputs[:12]


def measure(model: str, results: dict) -> dict:
    """The rows of `model`: its baselines (measured here) and its trained runs (`results`: job ->
    (row, the first 12 outputs), keyed by (variant, seed)), in the order of VARIANTS, seeds in order."""
    from minigan.datasets.translation import load_task
    from minigan.gan.settings import MODEL_TASK

    evaluator = load_evaluator("fashion-mnist")
    held_out = load_task(MODEL_TASK[model], "held-out")
    rows, pictures = [], {}
    names = list(dict.fromkeys([name for name, _ in VARIANTS[model]]
                               + [name for name, _ in results]))
    for name in names:
        overrides = dict(VARIANTS[model]).get(name, {})
        if overrides is None:
            outputs = baseline(model, name, held_out)
            rows.append({"variant": name, "seed": None, **translation_metrics(evaluator, outputs, held_out, model),
                         "steps": 0, "cpu_seconds": 0.0, "wall_seconds": 0.0})
            pictures[name] = outputs[:12]
            continue
        for seed in sorted(seed for variant, seed in results if variant == name):
            row, outputs = results[name, seed]
            rows.append({"variant": name, "seed": seed, **row})
            if seed == 0:
                pictures[name] = outputs
    # the floor of FD (2,000 real training targets against the held-out ones) and the ceiling of
    # accuracy (the evaluator on the held-out targets themselves, against their own classes)
    real = translation_metrics(evaluator, load_task(MODEL_TASK[model], "train").targets[:2000], held_out, model)
    real["accuracy"] = translation_metrics(evaluator, held_out.targets, held_out, model)["accuracy"]
    return {"task": held_out.task, "rows": rows, "real_images": real, "pictures": pictures,
            "held_out": held_out}


def table(task: str, result: dict) -> str:
    """The markdown table: mean and spread over seeds, and the per-seed numbers."""
    lines = [f"### {task}: {result['task_name']}", "",
             "| method | FD ↓ | accuracy ↑ | PSNR (dB) ↑ | sharpness (real = 1) | CPU s per run | wall s per run | seeds |",
             "|---|---|---|---|---|---|---|---|"]
    names = list(dict.fromkeys(row["variant"] for row in result["rows"]))
    for name in names:
        mine = [r for r in result["rows"] if r["variant"] == name]

        def cell(key, digits):
            values = np.array([r[key] for r in mine])
            if len(values) == 1:
                return f"{values[0]:.{digits}f}"
            return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"
        seeds = ", ".join(str(r["seed"]) for r in mine) if mine[0]["seed"] is not None else "(no training)"
        cpu = np.mean([r["cpu_seconds"] for r in mine])
        wall = np.mean([r["wall_seconds"] for r in mine])
        lines.append(f"| {name} | {cell('fd', 1)} | {cell('accuracy', 3)} | {cell('psnr', 2)} | "
                     f"{cell('sharpness', 2)} | {cpu:.0f} | {wall:.0f} | {seeds} |")
    real = result["real_images"]
    lines.append(f"| real images (FD: 2,000 training targets; accuracy: the held-out targets) | {real['fd']:.1f} | {real['accuracy']:.3f} | – | "
                 f"{real['sharpness']:.2f} | – | – | – |")
    per_seed = ["", "FD per seed: " + "; ".join(
        f"{name}: " + ", ".join(f"{r['fd']:.1f}" for r in result["rows"] if r["variant"] == name)
        for name in names)]
    return "\n".join(lines + per_seed) + "\n"


def save_pictures(task: str, result: dict) -> Path:
    from minigan.gan.plots import save_image_grid

    held_out = result["held_out"]
    k = 12
    inputs = held_out.inputs[:k]
    if inputs.shape[-1] != 28:
        inputs = inputs.repeat(28 // inputs.shape[-1], axis=2).repeat(28 // inputs.shape[-1], axis=3)
    rows = [inputs] + [pictures for pictures in result["pictures"].values()] + [held_out.targets[:k]]
    path = RESULTS / f"image_to_image_{task}.png"
    save_image_grid(np.concatenate(rows), path, nrow=k, scale=2)
    return path


def main(argv=None) -> int:
    import multiprocessing

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tasks", nargs="+", choices=list(VARIANTS) + ["all", "report"],
                        help="report: rewrite image_to_image.md and the trade-off plot from the "
                             "JSON files, training nothing")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", nargs="*", default=[], metavar="[TASK=]N",
                        help="training steps, for every task or TASK=N for one (default: each model's default)")
    parser.add_argument("--curve", action="store_true", help="also train at the CURVE adversarial weights")
    parser.add_argument("--workers", type=int, default=1, help="runs trained at once (processes)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/minigan-image-to-image"),
                        help="each run's row and pictures, so that an interrupted study resumes")
    args = parser.parse_args(argv)
    if "report" in args.tasks:
        write_markdown()
        plot_tradeoff()
        return 0
    tasks = list(VARIANTS) if "all" in args.tasks else list(dict.fromkeys(args.tasks))
    steps = {task: None for task in tasks}
    for item in args.steps:
        task, _, value = item.rpartition("=")
        for t in ([task] if task else tasks):
            steps[t] = int(value)
    jobs = [job for task in tasks for job in jobs_of(task, args.seeds, args.curve)]
    results = {task: {} for task in tasks}
    left = {task: len(jobs_of(task, args.seeds, args.curve)) for task in tasks}
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        done = pool.imap_unordered(_run_job_star, [(job, steps[job[0]], args.cache) for job in jobs])
        for job, row, pictures in done:
            task = job[0]
            results[task][job[1], job[3]] = (row, pictures)
            left[task] -= 1
            print({"variant": job[1], "seed": job[3], **{k: v for k, v in row.items() if k != "config"}},
                  flush=True)
            if left[task] == 0:
                finish(task, results[task], args.seeds, steps[task], args.curve)
    return 0


def _run_job_star(arguments):
    return run_job(*arguments)


def finish(task: str, results: dict, seeds: int, steps: int | None, curve: bool) -> None:
    """Write the task's JSON, picture, image_to_image.md and the trade-off plot."""
    result = measure(task, results)
    result["task_name"] = result["task"]
    picture = save_pictures(task, result)
    command = (COMMAND.format(task=task, seeds=seeds) + (f" --steps {steps}" if steps else "")
               + (" --curve" if curve else ""))
    payload = {"command": command, "machine": machine_info(), "task": result["task"],
               "rows": result["rows"], "real_images": result["real_images"],
               "rows_order": [name for name, _ in VARIANTS[task]], "picture": picture.name}
    (RESULTS / f"image_to_image_{task}.json").write_text(json.dumps(payload, indent=1) + "\n")
    write_markdown()
    plot_tradeoff()


def plot_tradeoff() -> Path | None:
    """image_to_image_tradeoff.png: PSNR (distortion) against FD (perception) of every method of
    srgan and inpaint measured so far, mean and standard deviation over the seeds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = [t for t in ("srgan", "inpaint") if (RESULTS / f"image_to_image_{t}.json").is_file()]
    if not tasks:
        return None
    fig, axes = plt.subplots(1, len(tasks), figsize=(5.5 * len(tasks), 4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        rows = json.loads((RESULTS / f"image_to_image_{task}.json").read_text())["rows"]
        for name in dict.fromkeys(r["variant"] for r in rows):
            psnr = np.array([r["psnr"] for r in rows if r["variant"] == name])
            fd = np.array([r["fd"] for r in rows if r["variant"] == name])
            ax.errorbar(psnr.mean(), fd.mean(), xerr=psnr.std(), yerr=fd.std(), fmt="o", capsize=3)
            ax.annotate(name, (psnr.mean(), fd.mean()), textcoords="offset points", xytext=(5, 5),
                        fontsize=8)
        ax.set_yscale("log")
        ax.set_xlabel("PSNR (dB): closer to the truth ->")
        ax.set_ylabel("FD: <- more realistic")
        ax.set_title({"srgan": "super-resolution 7x7 -> 28x28",
                      "inpaint": "inpainting the centre 14x14"}[task])
    fig.tight_layout()
    path = RESULTS / "image_to_image_tradeoff.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_markdown() -> None:
    """image_to_image.md from every image_to_image_<task>.json measured so far."""
    parts = ["# Image-to-image GANs against the baselines without an adversary", "",
             "Measured by `experiments/image_to_image.py` (its docstring says how); held-out: the 2,000 "
             "images 8000..9999 of the bundled sample. FD: to the held-out targets through the shipped "
             "evaluator (lower is more realistic); accuracy: the evaluator's, against the class of each "
             "input (content kept); PSNR against the target; sharpness: gradient energy relative to the "
             "real targets. ± is the standard deviation over the seeds.", ""]
    for task in VARIANTS:
        path = RESULTS / f"image_to_image_{task}.json"
        if not path.is_file():
            continue
        payload = json.loads(path.read_text())
        machine = payload["machine"]
        parts += [table(task, {"rows": payload["rows"], "real_images": payload["real_images"],
                               "task_name": payload["task"]}),
                  f"Command: `{payload['command']}`. Measured {machine['date']} on {machine['cpu']} "
                  f"({machine['cores']} cores, shared with other work), Python {machine['python']}, "
                  f"NumPy {machine['numpy']}. Pictures: `{payload['picture']}` (rows: input, "
                  + ", ".join(dict.fromkeys(r["variant"] for r in payload["rows"])) + ", target).", ""]
    (RESULTS / "image_to_image.md").write_text("\n".join(parts))


if __name__ == "__main__":
    raise SystemExit(main())
