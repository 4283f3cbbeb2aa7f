"""Measuring what a GAN learned: the `evaluate` and `train-evaluator` commands, and the metrics the
Trainer records every `eval_every` steps.

    python -m minigan evaluate --run runs/dcgan-sample          # writes runs/dcgan-sample/metrics.json
    python -m minigan evaluate --samples x.npy --dataset sample  # any (N, 1, 28, 28) array
    python -m minigan train-evaluator --dataset fashion-mnist    # the classifier behind the numbers
    python -m minigan train --eval-every 100                     # metrics_history.json, metrics.png

2-D runs get the VEEGAN mode metrics (gan.metrics.mode_metrics). Image runs are judged through the
evaluator's features (gan.evaluator), against the real test split of the dataset:

    fd                   Fréchet distance of the feature Gaussians (lower is better; 0 = the same)
    classifier_score     the Inception Score with our classifier (1 .. 10, higher is better)
    precision, recall    k-NN manifolds, k = 3 (on equally many real and generated samples)
    classes_below_half   classes predicted for less than half their fair share of the samples
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minigan as mg
from minigan.paths import check_output_file, open_regular_file, path_argument
from minigan.serialization import _read_npy_header, read_json, write_json
from minigan.datasets import load_dataset
from minigan.datasets.toy import TOY_NAMES as TOY_DATASETS
from minigan.gan import metrics as M
from minigan.gan.models import sample
from minigan.gan.evaluator import (
    EVALUATOR_DATASETS, EvaluatorNotFoundError, check_images, default_weights_path, evaluator_name,
    load_evaluator, train_evaluator,
)

EVAL_SEED = 0          # the noise (and the real subset for precision/recall) of every evaluation
PR_NEIGHBOURS = 3


# ----------------------------------------------------------------------------- images


@dataclass
class Reference:
    """The real side of every comparison: the evaluator's features of a dataset's test split."""

    dataset: str
    features: np.ndarray    # (N, 128) float64
    mu: np.ndarray          # (128,)
    cov: np.ndarray         # (128, 128)


def reference_images(dataset: str, root=None) -> np.ndarray:
    """The real test split the metrics compare with: Fashion-MNIST's is the bundled "sample"."""
    name = evaluator_name(dataset)
    data = load_dataset("sample" if name == "fashion-mnist" else name, "test", root=root)
    return data.images


_REFERENCES: dict = {}  # (weights file, dataset, root) -> Reference: computed once per process


def _compute_reference(evaluator, dataset: str, root) -> Reference:
    features, _ = evaluator.features_and_probabilities(reference_images(dataset, root))
    mu, cov = M.feature_statistics(features)
    return Reference(evaluator_name(dataset), features, mu, cov)


def reference_for(evaluator, dataset: str, root=None) -> Reference:
    """The evaluator's features of the real test split of `dataset` (10,000 images, a few seconds;
    kept for the next call with the same weights file, unchanged, and the same data)."""
    path = evaluator.info.get("path")
    if path is None or not Path(path).is_file():  # an evaluator that only lives in memory
        return _compute_reference(evaluator, dataset, root)
    key = (path, Path(path).stat().st_mtime_ns, evaluator_name(dataset), None if root is None else str(root))
    if key not in _REFERENCES:
        _REFERENCES[key] = _compute_reference(evaluator, dataset, root)
    return _REFERENCES[key]


def to_evaluator_images(samples) -> np.ndarray:
    """Generated images as the evaluator reads them: (N, 1, 28, 28); 64x64 samples are resized."""
    samples = np.asarray(samples)
    if samples.ndim == 4 and samples.shape[1] == 1 and samples.shape[2] == samples.shape[3] != 28:
        from minigan.gan.recipes import resize_images

        samples = resize_images(samples.astype(np.float32), 28)
    return check_images(samples)


def image_metrics(evaluator, reference: Reference, samples) -> dict:
    """Every image metric of `samples` (N, 1, 28, 28) in [-1, 1] against the reference.

    Precision and recall compare the generated features with as many real ones, drawn from the
    reference without replacement with a fixed seed (the k-NN radii depend on the set size).
    """
    images = to_evaluator_images(samples)
    features, probabilities = evaluator.features_and_probabilities(images)
    n = min(len(features), len(reference.features))
    real = reference.features[np.random.default_rng(EVAL_SEED).permutation(len(reference.features))[:n]]
    coverage = M.class_coverage(probabilities)
    result = {
        "fd": M.frechet_distance(*M.feature_statistics(features), reference.mu, reference.cov),
        "classifier_score": M.classifier_score(probabilities),
        **M.precision_recall(real, features[:n], k=PR_NEIGHBOURS),
        "classes_below_half": coverage["classes_below_half"],
        "classes_missing": coverage["classes_missing"],
        "class_shares": coverage["shares"],
        "num_samples": int(len(images)),
    }
    return result


def toy_metrics(dataset: str, samples) -> dict:
    from minigan.datasets import ToyMixture

    mixture = ToyMixture(dataset)
    return M.mode_metrics(samples, mixture.centers, mixture.std)


def check_samples(samples, dataset: str) -> np.ndarray:
    """Samples a metric can use: real, finite, at least one, of the data's shape; images within
    [-1, 1] (what a tanh generator gives). Raises a ValueError saying what was got."""
    samples = np.asarray(samples)
    if samples.dtype.kind not in "fiu":
        raise ValueError(f"samples must be real numbers, got an array of dtype {samples.dtype}")
    if dataset in TOY_DATASETS:
        if samples.ndim != 2 or samples.shape[1] != 2 or len(samples) == 0:
            raise ValueError(f"samples of the {dataset!r} mixture must have shape (N, 2) with "
                             f"N >= 1, got {samples.shape}")
        if not np.isfinite(samples).all():
            raise ValueError(f"samples of the {dataset!r} mixture must be finite, got "
                             f"{int((~np.isfinite(samples)).any(axis=1).sum())} with NaN or inf")
        return samples
    images = to_evaluator_images(samples)
    if np.abs(images).max() > 1 + 1e-6:
        raise ValueError(f"images must have values in [-1, 1], got values from {images.min():g} "
                         f"to {images.max():g}")
    return images


def load_samples(path: Path) -> np.ndarray:
    """A .npy file of samples; ValueError naming the file if it cannot be one. Its header is
    checked before anything is allocated: the array it declares must fit in the file's bytes."""
    with open_regular_file(path, str(path)) as file:  # a FIFO or a device: refused, never read
        head = file.read(6)
        if head != b"\x93NUMPY":
            raise ValueError(f"{path} is not a .npy file (it starts with {head!r})")
        file.seek(0)
        try:
            shape, _, dtype = _read_npy_header(file)
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file ({err})") from None
        if dtype.hasobject:
            raise ValueError(f"{path} holds pickled Python objects, which minigan never loads "
                             "(unpickling can run arbitrary code)")
        declared = math.prod(shape) * dtype.itemsize
        held = os.fstat(file.fileno()).st_size - file.tell()
        if declared > held:
            raise ValueError(f"{path} declares a {dtype} array of shape {shape} ({declared:,} "
                             f"bytes) but holds only {held:,} bytes of data")
        file.seek(0)
        try:
            return np.lib.format.read_array(file, allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"{path} is not a readable .npy file ({err})") from None


def evaluate_samples(samples, dataset: str, evaluator=None, reference=None, root=None) -> dict:
    """The metrics of generated samples of `dataset`: mode metrics for the 2-D mixtures, image
    metrics (loading the evaluator and computing the reference when not given) otherwise."""
    samples = check_samples(samples, dataset)  # bad samples fail before the evaluator is loaded
    if dataset in TOY_DATASETS:
        return toy_metrics(dataset, samples)
    evaluator = evaluator if evaluator is not None else load_evaluator(dataset, root=root)
    reference = reference if reference is not None else reference_for(evaluator, dataset, root)
    return {**image_metrics(evaluator, reference, samples), "evaluator": evaluator_name(dataset),
            "evaluator_test_accuracy": evaluator.test_accuracy}


# ----------------------------------------------------------------------------- during training


def draw_samples(trainer, n: int, seed: int = EVAL_SEED, batch: int = 500) -> np.ndarray:
    """n samples of the trainer's G (eval mode) from noise of its own seeded generator: the global
    random state is neither used nor changed, so evaluating does not alter the training run."""
    return sample(trainer.G, n, batch_size=batch, seed=seed)


def training_eval_fn(config, run):
    """fn(trainer) -> dict of metrics, for Trainer(eval_fn=...). The evaluator and the reference
    features are loaded once, here (so a missing evaluator stops the run before it starts)."""
    n = config.n_samples
    if config.dataset in TOY_DATASETS:
        def evaluate_toy(trainer) -> dict:
            return toy_metrics(config.dataset, draw_samples(trainer, n))
        return evaluate_toy
    evaluator = load_evaluator(config.dataset)
    reference = reference_for(evaluator, config.dataset)

    def evaluate_images(trainer) -> dict:
        return image_metrics(evaluator, reference, draw_samples(trainer, n))
    return evaluate_images


# ----------------------------------------------------------------------------- the commands


def run_samples(run_dir: Path, n: int | None = None, seed: int = EVAL_SEED) -> tuple[np.ndarray, dict, str]:
    """(samples, config dict, where they came from) of a run folder: its samples.npy, or else n
    samples drawn from its checkpoint."""
    from minigan.gan.run_folder import is_locked
    from minigan.gan.settings import check_settings

    config_file = run_dir / "config.json"
    if not config_file.is_file():
        raise SystemExit(f"--run {run_dir}: no config.json there (is it a minigan run folder?)")
    holder = is_locked(run_dir)
    if holder is not None:
        raise ValueError(f"--run {run_dir} is still training (process {holder}); evaluate it "
                         "when that run has finished")
    config = check_settings(read_json(config_file, str(config_file)), source=str(config_file))
    samples_file, checkpoint = run_dir / "samples.npy", run_dir / "checkpoint.npz"
    if samples_file.is_file() and n is None:
        return load_samples(samples_file), config, str(samples_file)
    if not checkpoint.is_file():
        raise SystemExit(f"--run {run_dir}: neither samples.npy nor checkpoint.npz there")
    from minigan.gan.recipes import check_memory_for_samples, load_generator

    G, cfg = load_generator(checkpoint)
    count = n if n is not None else cfg.n_samples
    check_memory_for_samples(count, cfg, "--n")
    return sample(G, count, seed=seed), config, f"{count} samples of {checkpoint} (seed {seed})"


def _summary(metrics: dict) -> str:
    if "modes_covered" in metrics:
        return (f"modes covered: {metrics['modes_covered']}/{metrics['num_modes']}, high-quality "
                f"samples: {100 * metrics['high_quality']:.1f}%, KL to uniform: {metrics['kl_to_uniform']:.3f}")
    return (f"FD {metrics['fd']:.3f}, classifier score {metrics['classifier_score']:.2f}, precision "
            f"{metrics['precision']:.3f}, recall {metrics['recall']:.3f}, classes below half their "
            f"share: {metrics['classes_below_half']}")


def cmd_evaluate(args) -> int:
    if (args.run_dir is None) == (args.samples is None):
        raise SystemExit("evaluate: give either --run DIR or --samples FILE (with --dataset)")
    if args.out is not None:
        check_output_file(args.out, "--out")  # before any work: a pipe or a folder is refused
        if args.out.name == "config.json" and (args.out.parent / "checkpoint.npz").exists():
            raise ValueError(f"--out {args.out} would overwrite the config.json of the run in "
                             f"{args.out.parent}; write the metrics elsewhere")
    if args.run_dir is not None:
        samples, config, source = run_samples(args.run_dir, args.n, args.seed)
        if args.dataset is None and "dataset" not in config:
            raise ValueError(f"{args.run_dir / 'config.json'} does not say which dataset the run "
                             "used; give it with --dataset")
        dataset = args.dataset or config["dataset"]
        out = args.out or args.run_dir / "metrics.json"
    else:
        if args.dataset is None:
            raise SystemExit("evaluate --samples: say which data they imitate with --dataset")
        if args.samples.suffix != ".npy":
            raise SystemExit(f"--samples must be a .npy file, got {args.samples}")
        samples, source = load_samples(args.samples), str(args.samples)
        dataset = args.dataset
        out = args.out or args.samples.with_name(args.samples.stem + "_metrics.json")
    check_output_file(out, "the metrics file")
    try:
        metrics = evaluate_samples(samples, dataset, root=args.data_root)
    except EvaluatorNotFoundError as err:  # bad input (no evaluator weights): exit status 2
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValueError as err:
        print(f"error: {source}: {err}", file=sys.stderr)
        return 2
    metrics = {"dataset": dataset, "samples": source, **metrics}
    out.parent.mkdir(parents=True, exist_ok=True)
    write_json(out, metrics)
    print(f"{_summary(metrics)}\nwrote {out}")
    return 0


def cmd_train_evaluator(args) -> int:
    out = args.out or default_weights_path(args.dataset)
    check_output_file(out, "--out")
    try:
        evaluator, state = train_evaluator(args.dataset, epochs=args.epochs, batch_size=args.batch_size,
                                           lr=args.lr, seed=args.seed, root=args.data_root)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    mg.save(state, out)
    print(f"test accuracy {100 * evaluator.test_accuracy:.2f}% on {state['test_size']} test images; "
          f"wrote {out}")
    return 0


def add_commands(commands) -> None:
    """Add `evaluate` and `train-evaluator` to the CLI's subparsers."""
    evaluate = commands.add_parser(
        "evaluate", help="measure generated samples (FD, precision/recall, mode coverage)",
        description="Metrics of a run's samples.npy (or of samples drawn from its checkpoint), "
                    "written to metrics.json.")
    from minigan.gan.settings import BY_NAME, Setting

    evaluate.add_argument("--run", dest="run_dir", metavar="DIR", type=path_argument,
                          help="a run folder (with config.json and samples.npy or checkpoint.npz)")
    evaluate.add_argument("--samples", metavar="FILE", type=path_argument,
                          help="a .npy of samples instead of a run")
    evaluate.add_argument("--dataset", type=BY_NAME["dataset"].argparse_type,
                          help="the data the samples imitate (default: the run's)")
    evaluate.add_argument("--n", type=BY_NAME["n_samples"].argparse_type,
                          help="draw this many fresh samples from the checkpoint instead of "
                               "reading samples.npy")
    evaluate.add_argument("--seed", type=BY_NAME["seed"].argparse_type, default=EVAL_SEED,
                          help="noise seed with --n")
    evaluate.add_argument("--out", type=path_argument,
                          help="where metrics.json goes (default: in the run)")
    evaluate.add_argument("--data-root", type=path_argument, help="folder with the dataset files")
    evaluate.set_defaults(run=cmd_evaluate)  # args.run is the handler the CLI calls: --run is run_dir

    trainer = commands.add_parser(
        "train-evaluator", help="train the classifier the image metrics use",
        description="Train the LeNet-style classifier (gan.evaluator.Classifier28) on the train "
                    "split, report its test accuracy, save it where `evaluate` finds it.")
    trainer.add_argument("--dataset", choices=EVALUATOR_DATASETS, default="fashion-mnist",
                         help="(default: fashion-mnist; mnist is downloaded first if needed)")
    for row in (Setting("epochs", int, 6, "passes over the train split", low=1, high=1000),
                Setting("batch_size", int, 128, "images per batch", low=1, high=60_000),
                Setting("lr", float, 1e-3, "Adam's initial learning rate, decayed linearly to 0",
                        low=0, low_open=True),
                Setting("seed", int, 0, "weights and batch order", low=0, high=2**63 - 1)):
        trainer.add_argument(row.flag, dest=row.name, type=row.argparse_type, default=row.default,
                             help=f"{row.help} ({row.expected()}; default: {row.default})")
    trainer.add_argument("--out", type=path_argument, help="default: data/evaluator/<dataset>.npz "
                                                           "in a source checkout, else the cache")
    trainer.add_argument("--data-root", type=path_argument, help="folder with the dataset files")
    trainer.set_defaults(run=cmd_train_evaluator)
